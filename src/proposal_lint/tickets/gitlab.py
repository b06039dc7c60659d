"""GitLab: `POST /api/v4/projects/{id}/uploads` (multipart field `file`) per
file, then `POST /api/v4/projects/{id}/issues/{iid}/notes` whose body links
the uploads. Auth: `PRIVATE-TOKEN` header with a personal, group or project
access token with the `api` scope (Reporter role or higher on the project).

Idempotency: uploads are attached to the project, not the issue, so a note
holding the delivery marker means everything is there.
"""

from __future__ import annotations

from urllib.parse import quote

from proposal_lint.tickets.base import Connector, Delivery, FieldSpec, Http, Step, require
from proposal_lint.tickets.summary import comment_text


class GitLabConnector(Connector):
    system = "gitlab"
    FIELDS = [FieldSpec("url", default="https://gitlab.com"), FieldSpec("token", secret=True)]

    @property
    def project(self) -> str:
        return f"/api/v4/projects/{quote(self.ref['project'], safe='')}"

    def open(self) -> Http:
        require(self.settings, "gitlab", "url", "token")
        return Http(self.settings["url"], headers={"PRIVATE-TOKEN": self.settings["token"].value, "Accept": "application/json"},
                    secrets=self.secrets, policy=self.policy, credential_hint=self.credential_hint(),
                    log=self.log, transport=self.transport)

    def steps(self, delivery: Delivery) -> list[Step]:
        iid = self.ref["iid"]
        self.http.request("GET", f"{self.project}/issues/{iid}", what="read issue")
        notes = self.http.request(
            "GET", f"{self.project}/issues/{iid}/notes",
            params={"per_page": "100", "sort": "desc", "order_by": "created_at"}, what="read notes",
        ).json()
        if any(delivery.marker in (n.get("body") or "") for n in notes):
            return []
        steps = [Step(f"upload {f.name}", self._uploader(f)) for f in delivery.files]
        steps.append(Step("note", lambda: self._note(delivery)))
        return steps

    def _uploader(self, f):
        def upload():
            resp = self.http.request(
                "POST", f"{self.project}/uploads", files={"file": (f.name, f.read(), f.content_type)}, what=f"upload {f.name}"
            )
            data = resp.json()
            return {"markdown": data.get("markdown"), "url": data.get("url")}

        return upload

    def _note(self, delivery: Delivery):
        links = {f.name: delivery.done[f"upload {f.name}"]["markdown"] for f in delivery.files}
        self.http.request(
            "POST", f"{self.project}/issues/{self.ref['iid']}/notes", json={"body": comment_text(delivery, links=links)}, what="note"
        )


CONNECTOR = GitLabConnector

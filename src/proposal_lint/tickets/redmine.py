"""Redmine: `POST /uploads.json` per file (raw bytes, application/octet-stream)
for a token, then one `PUT /issues/{id}.json` carrying the tokens and the
note. Auth: the `X-Redmine-API-Key` header.

Idempotency: each attachment's description is `sha256:<hex>`; a file whose
name and hash are already attached is not uploaded again, and a note with
the delivery marker is not posted again.
"""

from __future__ import annotations

from urllib.parse import quote

from proposal_lint.tickets.base import Connector, Delivery, FieldSpec, Http, Step, require
from proposal_lint.tickets.summary import comment_text


class RedmineConnector(Connector):
    system = "redmine"
    FIELDS = [FieldSpec("url"), FieldSpec("api_key", secret=True)]

    def open(self) -> Http:
        require(self.settings, "redmine", "url", "api_key")
        return Http(
            self.settings["url"],
            headers={"X-Redmine-API-Key": self.settings["api_key"].value, "Accept": "application/json"},
            secrets=self.secrets,
            policy=self.policy,
            credential_hint=self.credential_hint(),
            log=self.log,
            transport=self.transport,
        )

    def steps(self, delivery: Delivery) -> list[Step]:
        issue_id = self.ref["id"]
        issue = self.http.request(
            "GET", f"/issues/{issue_id}.json", params={"include": "attachments,journals"}, what="read issue"
        ).json()["issue"]
        attached = {(a.get("filename"), (a.get("description") or "").strip()) for a in issue.get("attachments", [])}
        missing = [f for f in delivery.files if (f.name, f"sha256:{f.sha256}") not in attached]
        noted = any(delivery.marker in (j.get("notes") or "") for j in issue.get("journals", []))

        steps = [Step(f"upload {f.name}", self._uploader(f)) for f in missing]
        if missing or not noted:
            steps.append(Step("update issue", lambda: self._update(delivery, missing, noted)))
        return steps

    def _uploader(self, f):
        def upload():
            resp = self.http.request(
                "POST",
                f"/uploads.json?filename={quote(f.name)}",
                headers={"Content-Type": "application/octet-stream"},
                content=f.read,
                what=f"upload {f.name}",
            )
            return {"token": resp.json()["upload"]["token"]}

        return upload

    def _update(self, delivery: Delivery, missing, noted: bool):
        issue: dict = {}
        if missing:
            issue["uploads"] = [
                {
                    "token": delivery.done[f"upload {f.name}"]["token"],
                    "filename": f.name,
                    "content_type": f.content_type,
                    "description": f"sha256:{f.sha256}",
                }
                for f in missing
            ]
        if not noted:
            issue["notes"] = comment_text(delivery)
        self.http.request("PUT", f"/issues/{self.ref['id']}.json", json={"issue": issue}, what="update issue")


CONNECTOR = RedmineConnector

"""Zendesk: `POST /api/v2/uploads?filename=` with the raw bytes per file for
an upload token, then `PUT /api/v2/tickets/{id}` with a private comment
carrying the tokens (`{"ticket": {"comment": {"body", "uploads", "public": false}}}`).

Auth: basic with `{email}/token` and an API token (Admin Center > Apps and
integrations > Zendesk API), for an agent who may comment on the ticket.

Idempotency: the files arrive with the comment, so a comment holding the
delivery marker means everything is there. Upload tokens expire, so tokens
older than UPLOAD_TTL_S are fetched again before the comment is retried.
"""

from __future__ import annotations

import time
from urllib.parse import quote

from proposal_lint.tickets.base import Connector, Delivery, FieldSpec, Http, Step, require
from proposal_lint.tickets.summary import comment_text

UPLOAD_TTL_S = 45 * 60  # Zendesk keeps an unattached upload for 60 minutes


class ZendeskConnector(Connector):
    system = "zendesk"
    FIELDS = [FieldSpec("url"), FieldSpec("email"), FieldSpec("api_token", secret=True)]

    def open(self) -> Http:
        require(self.settings, "zendesk", "url", "email", "api_token")
        s = self.settings
        return Http(s["url"], headers={"Accept": "application/json"}, auth=(f"{s['email']}/token", s["api_token"].value),
                    secrets=self.secrets, policy=self.policy, credential_hint=self.credential_hint(),
                    log=self.log, transport=self.transport)

    def steps(self, delivery: Delivery) -> list[Step]:
        comments = self.http.request("GET", f"/api/v2/tickets/{self.ref['id']}/comments", what="read ticket").json()
        if any(delivery.marker in (c.get("body") or "") for c in comments.get("comments", [])):
            return []
        for f in delivery.files:  # expired tokens: upload again (an unattached upload is discarded)
            rec = delivery.done.get(f"upload {f.name}")
            if isinstance(rec, dict) and time.time() - rec.get("at", 0) > UPLOAD_TTL_S:
                del delivery.done[f"upload {f.name}"]
        steps = [Step(f"upload {f.name}", self._uploader(f)) for f in delivery.files]
        steps.append(Step("comment", lambda: self._comment(delivery)))
        return steps

    def _uploader(self, f):
        def upload():
            resp = self.http.request(
                "POST", f"/api/v2/uploads?filename={quote(f.name)}",
                headers={"Content-Type": f.content_type}, content=f.read, what=f"upload {f.name}",
            )
            return {"token": resp.json()["upload"]["token"], "at": time.time()}

        return upload

    def _comment(self, delivery: Delivery):
        tokens = [delivery.done[f"upload {f.name}"]["token"] for f in delivery.files]
        body = {"ticket": {"comment": {"body": comment_text(delivery), "uploads": tokens, "public": False}}}
        self.http.request("PUT", f"/api/v2/tickets/{self.ref['id']}", json=body, what="comment")


CONNECTOR = ZendeskConnector

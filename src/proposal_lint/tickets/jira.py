"""Jira Cloud and Data Center: `POST /rest/api/{v}/issue/{key}/attachments`
(multipart field `file`, header `X-Atlassian-Token: no-check`) per file,
then `POST /rest/api/{v}/issue/{key}/comment`.

Auth: basic with e-mail + API token (Cloud), or a bearer personal access
token (Data Center). API version 3 (Cloud, comment body in Atlassian
Document Format) unless PROPOSAL_LINT_JIRA_API_VERSION=2 (Data Center,
comment body as text).

Idempotency: Jira keeps no hash or description for attachments, so the file
name carries one (`report.<sha256[:12]>.html`); the comment carries the
delivery marker.
"""

from __future__ import annotations

from proposal_lint.tickets.base import Connector, Delivery, FieldSpec, Http, Step, require
from proposal_lint.tickets.summary import comment_text


def adf(text: str) -> dict:
    """Plain text as an Atlassian Document: one paragraph per block, line breaks kept."""
    content = []
    for block in text.split("\n\n"):
        inline: list[dict] = []
        for i, line in enumerate(block.split("\n")):
            if i:
                inline.append({"type": "hardBreak"})
            if line:
                inline.append({"type": "text", "text": line})
        if inline:
            content.append({"type": "paragraph", "content": inline})
    return {"type": "doc", "version": 1, "content": content}


def adf_text(node) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, dict):
        return (node.get("text") or "") + "\n".join(adf_text(c) for c in node.get("content") or [])
    return ""


class JiraConnector(Connector):
    system = "jira"
    FIELDS = [
        FieldSpec("url"),
        FieldSpec("email", required=False),
        FieldSpec("api_token", secret=True, required=False),
        FieldSpec("pat", secret=True, required=False),
        FieldSpec("api_version", required=False, default="3"),
    ]

    @property
    def api(self) -> str:
        return f"/rest/api/{self.settings.get('api_version') or '3'}"

    def open(self) -> Http:
        require(self.settings, "jira", "url")
        return self.basic_or_bearer(
            "email", "api_token", "pat",
            "jira is not configured: set PROPOSAL_LINT_JIRA_EMAIL and PROPOSAL_LINT_JIRA_API_TOKEN (Cloud) "
            "or PROPOSAL_LINT_JIRA_PAT (Data Center)",
        )

    def steps(self, delivery: Delivery) -> list[Step]:
        key = self.ref["key"]
        fields = self.http.request(
            "GET", f"{self.api}/issue/{key}", params={"fields": "attachment,comment"}, what="read issue"
        ).json().get("fields", {})
        names = {a.get("filename") for a in fields.get("attachment") or []}
        comments = (fields.get("comment") or {}).get("comments") or []
        commented = any(delivery.marker in adf_text(c.get("body")) for c in comments)
        steps = [Step(f"upload {f.name}", self._uploader(f)) for f in delivery.files if f.tagged_name not in names]
        if not commented:
            steps.append(Step("comment", lambda: self._comment(delivery)))
        return steps

    def _uploader(self, f):
        def upload():
            resp = self.http.request(
                "POST",
                f"{self.api}/issue/{self.ref['key']}/attachments",
                headers={"X-Atlassian-Token": "no-check"},
                files={"file": (f.tagged_name, f.read(), f.content_type)},
                what=f"upload {f.name}",
            )
            data = resp.json()
            return {"id": data[0].get("id") if isinstance(data, list) and data else None}

        return upload

    def _comment(self, delivery: Delivery):
        text = comment_text(delivery, names={f.name: f.tagged_name for f in delivery.files})
        body = adf(text) if self.api.endswith("/3") else text
        self.http.request("POST", f"{self.api}/issue/{self.ref['key']}/comment", json={"body": body}, what="comment")


CONNECTOR = JiraConnector

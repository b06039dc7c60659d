"""GitHub: there is no API to attach files to an issue, so the report goes in
as an issue comment: `POST /repos/{owner}/{repo}/issues/{number}/comments`
with the Markdown report (or the summary when there is none), plus the files'
sha256 and the delivery marker.

Auth: `Authorization: Bearer` with a fine-grained token having "Issues:
read and write" on the repository (or a classic token with `repo`).

Idempotency: a comment holding the delivery marker means it is there.
"""

from __future__ import annotations

from proposal_lint.tickets.base import Connector, Delivery, FieldSpec, Http, Step, require
from proposal_lint.tickets.summary import comment_text

MAX_BODY = 65_000  # GitHub refuses comments over 65,536 characters
MAX_PAGES = 20


class GitHubConnector(Connector):
    system = "github"
    FIELDS = [FieldSpec("url", default="https://api.github.com"), FieldSpec("token", secret=True)]

    @property
    def issue(self) -> str:
        return f"/repos/{self.ref['owner']}/{self.ref['repo']}/issues/{self.ref['number']}"

    def open(self) -> Http:
        require(self.settings, "github", "url", "token")
        return Http(
            self.settings["url"],
            headers={
                "Authorization": f"Bearer {self.settings['token'].value}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            },
            secrets=self.secrets, policy=self.policy, credential_hint=self.credential_hint(),
            log=self.log, transport=self.transport,
        )

    def steps(self, delivery: Delivery) -> list[Step]:
        self.http.request("GET", self.issue, what="read issue")
        url, params = f"{self.issue}/comments", {"per_page": "100"}
        for _ in range(MAX_PAGES):
            resp = self.http.request("GET", url, params=params, what="read comments")
            if any(delivery.marker in (c.get("body") or "") for c in resp.json()):
                return []
            nxt = resp.links.get("next", {}).get("url")
            if not nxt:
                break
            url, params = nxt, None
        return [Step("comment", lambda: self._comment(delivery))]

    def _comment(self, delivery: Delivery):
        body = delivery.markdown_report or delivery.comment
        tail = comment_text(delivery, body="")
        if len(body) + len(tail) > MAX_BODY:
            body = body[: MAX_BODY - len(tail) - 80] + "\n\n... (truncated: GitHub limits comment length)"
        self.http.request("POST", f"{self.issue}/comments", json={"body": body + "\n" + tail}, what="comment")


CONNECTOR = GitHubConnector

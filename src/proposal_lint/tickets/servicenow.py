"""ServiceNow: `POST /api/now/attachment/file?table_name=&table_sys_id=&file_name=`
with the raw bytes per file, then a work note with
`PATCH /api/now/table/{table}/{sys_id}` `{"work_notes": ...}`.

Auth: basic with a user and password (a user with the itil role, or one
allowed to write attachments and work notes on that table), or a bearer
OAuth token.

Idempotency: attachment file names carry the hash (`report.<sha256[:12]>.html`);
work notes are searched for the delivery marker in sys_journal_field
(if the user may not read it, the note is posted).
"""

from __future__ import annotations

from proposal_lint.tickets.base import Connector, Delivery, DeliveryError, FieldSpec, Http, Step, require
from proposal_lint.tickets.summary import comment_text


class ServiceNowConnector(Connector):
    system = "servicenow"
    FIELDS = [
        FieldSpec("url"),
        FieldSpec("user", required=False),
        FieldSpec("password", secret=True, required=False),
        FieldSpec("token", secret=True, required=False),
    ]

    def open(self) -> Http:
        require(self.settings, "servicenow", "url")
        return self.basic_or_bearer(
            "user", "password", "token",
            "servicenow is not configured: set PROPOSAL_LINT_SERVICENOW_USER and "
            "PROPOSAL_LINT_SERVICENOW_PASSWORD, or PROPOSAL_LINT_SERVICENOW_TOKEN",
        )

    def steps(self, delivery: Delivery) -> list[Step]:
        table, sys_id = self.ref["table"], self.ref["sys_id"]
        self.http.request("GET", f"/api/now/table/{table}/{sys_id}", params={"sysparm_fields": "sys_id"}, what="read record")
        found = self.http.request(
            "GET", "/api/now/attachment",
            params={"sysparm_query": f"table_name={table}^table_sys_id={sys_id}", "sysparm_fields": "file_name"},
            what="list attachments",
        ).json().get("result", [])
        names = {a.get("file_name") for a in found}
        try:
            notes = self.http.request(
                "GET", "/api/now/table/sys_journal_field",
                params={
                    "sysparm_query": f"element_id={sys_id}^element=work_notes^valueLIKE{delivery.marker}",
                    "sysparm_fields": "sys_id",
                    "sysparm_limit": "1",
                },
                what="read work notes",
            ).json().get("result", [])
        except DeliveryError as exc:
            if exc.kind != "auth":
                raise
            self.log("cannot read work notes (no permission): the note is posted")
            notes = []
        steps = [Step(f"upload {f.name}", self._uploader(f)) for f in delivery.files if f.tagged_name not in names]
        if not notes:
            steps.append(Step("work note", lambda: self._note(delivery)))
        return steps

    def _uploader(self, f):
        def upload():
            resp = self.http.request(
                "POST", "/api/now/attachment/file",
                params={"table_name": self.ref["table"], "table_sys_id": self.ref["sys_id"], "file_name": f.tagged_name},
                headers={"Content-Type": f.content_type},
                content=f.read,
                what=f"upload {f.name}",
            )
            return {"sys_id": resp.json().get("result", {}).get("sys_id")}

        return upload

    def _note(self, delivery: Delivery):
        text = comment_text(delivery, names={f.name: f.tagged_name for f in delivery.files})
        self.http.request(
            "PATCH", f"/api/now/table/{self.ref['table']}/{self.ref['sys_id']}", json={"work_notes": text}, what="work note"
        )


CONNECTOR = ServiceNowConnector

"""Generic webhook: `POST` of the JSON report to a configured URL, signed
with HMAC-SHA256 over the exact body using a shared secret:

    X-Proposal-Lint-Signature-256: sha256=<hex hmac>
    X-Proposal-Lint-Delivery: <delivery key>   (also sent as Idempotency-Key)

Per webhook NAME: PROPOSAL_LINT_WEBHOOK_<NAME>_URL and
PROPOSAL_LINT_WEBHOOK_<NAME>_SECRET. A webhook cannot be read back, so
idempotency is the receiver's: the delivery key is the same for the same
files and ticket. The receiver should compare signatures in constant time.
"""

from __future__ import annotations

import hashlib
import hmac

from proposal_lint.tickets.base import Connector, Delivery, DeliveryError, FieldSpec, Http, Step, require

SIGNATURE_HEADER = "X-Proposal-Lint-Signature-256"
DELIVERY_HEADER = "X-Proposal-Lint-Delivery"


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class WebhookConnector(Connector):
    system = "webhook"
    FIELDS = [FieldSpec("url"), FieldSpec("secret", secret=True)]

    def open(self) -> Http:
        require(self.settings, "webhook", "url", "secret", instance=self.ref["name"])
        origin = "/".join(self.settings["url"].split("/", 3)[:3])  # errors show the host, not a path that may hold a token
        return Http(origin, secrets=self.secrets, policy=self.policy,
                    credential_hint=self.credential_hint(), log=self.log, transport=self.transport)

    def steps(self, delivery: Delivery) -> list[Step]:
        reports = [f for f in delivery.files if f.content_type == "application/json"]
        if not reports:
            raise DeliveryError("rejected", "a webhook delivers the JSON report: give a .json report file")
        return [Step("post", lambda: self._post(delivery, reports[0]))]

    def _post(self, delivery: Delivery, report):
        body = report.read()
        self.http.request(
            "POST", self.settings["url"],
            content=body,
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(self.settings["secret"].value.encode(), body),
                DELIVERY_HEADER: delivery.key,
                "Idempotency-Key": delivery.key,
            },
            what="post report",
        )


CONNECTOR = WebhookConnector

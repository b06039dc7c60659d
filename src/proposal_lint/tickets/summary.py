"""The short Markdown comment posted with the reports: verdict and findings
per document, the files with their sha256, and the delivery marker that
makes a second delivery of the same files a no-op.

Built from the JSON report's dict (report-v1), so it works both right after
`check` and for `attach` with report files written earlier.
"""

from __future__ import annotations

import json
from pathlib import Path

VERDICTS = {
    "prompt": "start with a well-built prompt, not fine-tuning",
    "rag": "use retrieval (RAG) plus a good prompt instead of fine-tuning",
    "fine-tune-justified": "fine-tuning looks justified",
    "no-fine-tuning": "no fine-tuning proposed",
}
MAX_FINDINGS = 10  # per document; the attached reports have the rest


def load_report(paths) -> dict | None:
    """The first file among `paths` that is a proposal-lint JSON report."""
    for p in paths:
        p = Path(p)
        if p.suffix.lower() != ".json":
            continue
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and "documents" in data and "schema_version" in data:
            return data
    return None


def _one_line(text: str, n: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def summary_markdown(report: dict | None) -> str:
    """Verdict and findings per document, in Markdown."""
    if not report:
        return "**proposal-lint report**"
    docs = report.get("documents") or []
    s = report.get("summary") or {}
    lines = [
        f"**proposal-lint report**: {s.get('files', len(docs))} document(s), "
        f"{s.get('findings', 0)} finding(s)"
    ]
    for doc in docs:
        name = Path(doc.get("path") or "?").name
        lines.append("")
        if doc.get("error"):
            lines.append(f"- **{name}**: not read ({doc['error'].get('code')}: {_one_line(doc['error'].get('message', ''))})")
            continue
        verdict = (doc.get("verdict") or {}).get("recommendation")
        label = VERDICTS.get(verdict, verdict or "no verdict")
        active = [f for f in doc.get("findings", []) if not f.get("suppressed")]
        waived = len(doc.get("findings", [])) - len(active)
        extra = f", {waived} waived" if waived else ""
        lines.append(f"- **{name}**: verdict **{verdict or '-'}** ({label}); {len(active)} finding(s){extra}")
        for f in active[:MAX_FINDINGS]:
            ev = (f.get("evidence") or [{}])[0]
            where = f" (p{ev['page']})" if ev.get("page") else ""
            lines.append(f"  - {f.get('rule_id')} [{f.get('severity')}] {_one_line(f.get('message', ''))}{where}")
        if len(active) > MAX_FINDINGS:
            lines.append(f"  - ... and {len(active) - MAX_FINDINGS} more in the attached report")
    return "\n".join(lines)


def comment_text(delivery, links: dict[str, str] | None = None, names: dict[str, str] | None = None, body: str | None = None) -> str:
    """The comment: summary (or `body`), then the files with their sha256
    (as links where the system gave them), then the marker line."""
    names = names or {}
    lines = [body if body is not None else delivery.comment, ""]
    if delivery.files:
        lines.append("Files:")
        for f in delivery.files:
            shown = names.get(f.name, f.name)
            label = links.get(f.name) if links and f.name in links else f"`{shown}`"
            lines.append(f"- {label} sha256 `{f.sha256}`")
        lines.append("")
    lines.append(delivery.marker)
    return "\n".join(lines)

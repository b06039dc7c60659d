"""Helpers shared by the report formats (no rich, no third-party imports)."""

from __future__ import annotations

from proposal_lint.report import ReportOptions

VERDICTS = {
    "prompt": "Start with a well-built prompt, not fine-tuning",
    "rag": "Use retrieval (RAG) plus a good prompt instead of fine-tuning",
    "fine-tune-justified": "Fine-tuning looks justified",
    "no-fine-tuning": "No fine-tuning proposed",
}
SEVERITIES = ("error", "warning", "info")
SEVERITY_TITLES = {"error": "Errors", "warning": "Warnings", "info": "Notes"}
FORMAT_NAMES = {"pdf": "PDF", "docx": "DOCX", "text": "Text", "markdown": "Markdown"}


def verdict_label(rec: str) -> str:
    return VERDICTS.get(rec, rec)


def document_details(r, sha: str) -> list[str]:
    """Format, page count and `sha` (the caller's rendering of r.sha256) of a result."""
    details = []
    if r.format:
        details.append(FORMAT_NAMES.get(r.format, r.format))
    if r.pages is not None:
        details.append(plural(r.pages, "page"))
    if r.sha256:
        details.append(sha)
    return details


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def one_line(text: str) -> str:
    """Collapse runs of whitespace (line breaks inside a quote or a folded YAML string)."""
    return " ".join(str(text).split())


def where(page: int | None, section: str | None, *, long: bool = False) -> str:
    """`p3 §2.1 Approach` (or `p. 3, §2.1 Approach` with long=True); "" when neither is known."""
    parts = []
    if page is not None:
        parts.append(f"p. {page}" if long else f"p{page}")
    if section:
        parts.append(f"§{one_line(section)}")
    return (", " if long else " ").join(parts)


def active(findings) -> list:
    return [f for f in findings if f.suppressed is None]


def waived(findings) -> list:
    return [f for f in findings if f.suppressed is not None]


def severity_counts(findings) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        counts[f.severity.value] = counts.get(f.severity.value, 0) + 1
    return counts


def waiver_note(s) -> str:
    """`reason (by ana, 2024-05-01)`."""
    extra = ", ".join(x for x in (f"by {s.by}" if s.by else "", s.at or "") if x)
    return one_line(s.reason) + (f" ({extra})" if extra else "")


def rule_catalog(options: ReportOptions) -> list:
    """The rules that ran: options.rules, or the built-in rule set loaded here.

    Items only need .id, .name, .severity, .message, .documentation (what,
    why, good) and .question, so rules.schema.Rule objects do.
    """
    if options.rules is not None:
        return list(options.rules)
    from proposal_lint.rules.loader import load_ruleset

    return load_ruleset().rules


def passed_rules(result, catalog) -> list:
    """Rules that ran on a readable document and did not fire (waived ones did fire)."""
    if result.error is not None:
        return []
    fired = {f.rule_id for f in result.findings}
    return [r for r in catalog if r.id not in fired]

"""Markdown report for pasting into a ticket or an e-mail.

Per document: the verdict, a findings table, each finding with its quotes,
why it matters and the question to ask, waived findings with their reasons,
and at the end the questions to send the vendor as a numbered list.

Everything taken from a proposal is escaped, so a quote can neither break
the table nor inject links, HTML or emphasis into the ticket it is pasted in.
"""

from __future__ import annotations

import re

from proposal_lint.report import ReportOptions, summarize
from proposal_lint.report.common import (
    document_details,
    active,
    one_line,
    plural,
    severity_counts,
    verdict_label,
    waived,
    waiver_note,
    where,
)

# CommonMark lets any ASCII punctuation be backslash-escaped. These are the
# characters that can start emphasis, code, links, HTML or a table cell.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def esc(text: str) -> str:
    """Proposal text as literal Markdown: one line, special characters escaped."""
    text = _SPECIAL.sub(r"\\\1", one_line(text))
    return _ENTITY.sub(r"\\&", text)


def _counts_line(findings) -> str:
    counts = severity_counts(findings)
    parts = [plural(n, sev if sev != "info" else "note") for sev, n in counts.items() if n]
    return ", ".join(parts)


def _document(r, out: list[str], heading: str) -> None:
    out.append(f"{heading} {esc(r.path)}")
    out.append("")
    details = document_details(r, f"sha256 `{(r.sha256 or '')[:12]}…`")
    if details:
        out.append(" · ".join(details))
        out.append("")

    if r.error is not None:
        out.append(f"**Could not be read** (`{esc(r.error.code)}`): {esc(r.error.message)}")
        out.append("")
        return
    for w in r.warnings:
        out.append(f"*Note: {esc(w)}*")
        out.append("")

    if r.verdict is not None:
        rec = r.verdict.recommendation.value
        out.append(f"**Verdict: {verdict_label(rec)}** (`{rec}`)")
        out.append("")
        for reason in r.verdict.reasons:
            out.append(f"- {esc(reason)}")
        if r.verdict.reasons:
            out.append("")

    open_ = active(r.findings)
    accepted = waived(r.findings)
    if not open_:
        out.append("No open findings." if accepted else "No findings.")
        out.append("")
    else:
        out.append(f"**{plural(len(open_), 'finding')}** ({_counts_line(open_)})")
        out.append("")
        out.append("| # | Rule | Severity | Finding | Where |")
        out.append("|---|---|---|---|---|")
        for i, f in enumerate(open_, 1):
            pages = sorted({ev.page for ev in f.evidence if ev.page is not None})
            at = ", ".join(f"p. {p}" for p in pages) if pages else ""
            out.append(f"| {i} | {f.rule_id} | {f.severity.value} | {esc(f.message)} | {at} |")
        out.append("")
        for i, f in enumerate(open_, 1):
            out.append(f"{heading}# {i}. {f.rule_id} {esc(f.name)} ({f.severity.value})")
            out.append("")
            out.append(esc(f.message))
            out.append("")
            for ev in f.evidence:
                loc = where(ev.page, ev.section, long=True)
                out.append(f"> \u201c{esc(ev.quote)}\u201d" + (f"  \n> \u2014 {esc(loc)}" if loc else ""))
                out.append("")
            if f.why:
                out.append(f"**Why it matters:** {esc(f.why)}")
                out.append("")
            if f.question:
                out.append(f"**Ask the vendor:** {esc(f.question)}")
                out.append("")

    if accepted:
        out.append(f"{heading}# Waived findings")
        out.append("")
        for f in accepted:
            out.append(
                f"- **{f.rule_id}** {esc(f.name)} ({f.severity.value}): {esc(f.message)}  \n"
                f"  Waived: {esc(waiver_note(f.suppressed))}"
            )
        out.append("")

    questions = [f.question for f in open_ if f.question]
    if questions:
        out.append(f"{heading}# Questions to send the vendor")
        out.append("")
        for i, q in enumerate(dict.fromkeys(one_line(q) for q in questions), 1):
            out.append(f"{i}. {esc(q)}")
        out.append("")


def render(results, options: ReportOptions = ReportOptions()) -> str:
    out: list[str] = []
    if len(results) == 1:
        out.append("# proposal-lint report")
        out.append("")
        _document(results[0], out, "##")
    else:
        out.append("# proposal-lint report")
        out.append("")
        s = summarize(results)
        out.append("| File | Verdict | Errors | Warnings | Notes | Waived |")
        out.append("|---|---|---|---|---|---|")
        for r in results:
            if r.error is not None:
                verdict = f"unreadable (`{esc(r.error.code)}`)"
            else:
                verdict = f"`{r.verdict.recommendation.value}`" if r.verdict else ""
            c = severity_counts(active(r.findings))
            out.append(f"| {esc(r.path)} | {verdict} | {c['error']} | {c['warning']} | {c['info']} | {len(waived(r.findings))} |")
        out.append("")
        out.append(f"{plural(s['files'], 'file')}, {plural(s['unreadable'] + s['internal_errors'], 'unreadable file')}.")
        out.append("")
        for r in results:
            _document(r, out, "##")
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"

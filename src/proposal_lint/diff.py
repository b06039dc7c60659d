"""Compare the lint results of two revisions of a proposal.

Rules are document-level (at most one finding per rule per document), so
findings are matched by rule id: a rule that fired on OLD only is resolved,
on both is still open, on NEW only is new. Within an open finding the
evidence quotes are matched by fuzzy similarity of their normalised text
(lower case, words only; difflib ratio >= QUOTE_MATCH), so a quote that
moved to another page, or whose sentence had a word edited, still matches;
the rest are reported as new or gone quotes.
"""

from __future__ import annotations

import difflib
import re

from pydantic import BaseModel, Field

from proposal_lint.model import DocumentResult, Evidence, Finding

QUOTE_MATCH = 0.8


def normalise(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def similarity(a: str, b: str) -> float:
    na, nb = normalise(a), normalise(b)
    if na == nb:
        return 1.0
    return difflib.SequenceMatcher(None, na, nb, autojunk=False).ratio()


class QuotePair(BaseModel):
    old: Evidence
    new: Evidence
    similarity: float


class QuoteChanges(BaseModel):
    kept: list[QuotePair] = Field(default_factory=list)  # same or similar sentence, maybe moved
    new: list[Evidence] = Field(default_factory=list)
    gone: list[Evidence] = Field(default_factory=list)


class OpenFinding(BaseModel):
    rule_id: str
    name: str
    severity: str
    old: Finding
    new: Finding
    quotes: QuoteChanges


class Side(BaseModel):
    path: str
    sha256: str | None
    verdict: str | None


class VerdictChange(BaseModel):
    old: str | None
    new: str | None
    changed: bool


class RevisionDiff(BaseModel):
    old: Side
    new: Side
    verdict: VerdictChange
    resolved: list[Finding] = Field(default_factory=list)
    open: list[OpenFinding] = Field(default_factory=list)
    new_findings: list[Finding] = Field(default_factory=list)

    def summary(self) -> dict:
        return {"resolved": len(self.resolved), "open": len(self.open), "new": len(self.new_findings)}


def match_quotes(old: list[Evidence], new: list[Evidence], threshold: float = QUOTE_MATCH) -> QuoteChanges:
    """Pair each old quote with at most one new quote, most similar pairs first."""
    scored = []
    for i, o in enumerate(old):
        for j, n in enumerate(new):
            s = 1.0 if (o.fingerprint and o.fingerprint == n.fingerprint) else similarity(o.quote, n.quote)
            if s >= threshold:
                scored.append((s, i, j))
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_old: set[int] = set()
    used_new: set[int] = set()
    kept = []
    for s, i, j in scored:
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        kept.append(QuotePair(old=old[i], new=new[j], similarity=round(s, 3)))
    kept.sort(key=lambda p: new.index(p.new))
    return QuoteChanges(
        kept=kept,
        new=[n for j, n in enumerate(new) if j not in used_new],
        gone=[o for i, o in enumerate(old) if i not in used_old],
    )


def _unique(evidence: list[Evidence]) -> list[Evidence]:
    """One evidence item per sentence (a rule may cite a sentence for two roles)."""
    seen, out = set(), []
    for ev in evidence:
        key = ev.fingerprint or normalise(ev.quote)
        if key not in seen:
            seen.add(key)
            out.append(ev)
    return out


def diff_results(old: DocumentResult, new: DocumentResult) -> RevisionDiff:
    old_by_rule = {f.rule_id: f for f in old.findings}
    new_by_rule = {f.rule_id: f for f in new.findings}
    rec = lambda r: r.verdict.recommendation.value if r.verdict else None  # noqa: E731
    out = RevisionDiff(
        old=Side(path=old.path, sha256=old.sha256, verdict=rec(old)),
        new=Side(path=new.path, sha256=new.sha256, verdict=rec(new)),
        verdict=VerdictChange(old=rec(old), new=rec(new), changed=rec(old) != rec(new)),
    )
    for rid, f in old_by_rule.items():
        if rid not in new_by_rule:
            out.resolved.append(f)
    for rid, f in new_by_rule.items():
        if rid in old_by_rule:
            o = old_by_rule[rid]
            out.open.append(OpenFinding(
                rule_id=rid, name=f.name, severity=f.severity.value, old=o, new=f,
                quotes=match_quotes(_unique(o.evidence), _unique(f.evidence)),
            ))
        else:
            out.new_findings.append(f)
    return out


def to_dict(d: RevisionDiff) -> dict:
    from proposal_lint import __version__

    data = d.model_dump(mode="json")
    return {"tool": {"name": "proposal-lint", "version": __version__}, **data, "summary": d.summary()}


def _where(ev: Evidence) -> str:
    parts = [f"p{ev.page}"] if ev.page is not None else []
    if ev.section:
        parts.append(f"§{ev.section}")
    return f" ({' '.join(parts)})" if parts else ""


def _moved(old: Evidence, new: Evidence) -> bool:
    """Another page or section (where both revisions know it: a PDF and a DOCX differ in pages anyway)."""
    pages = old.page is not None and new.page is not None and old.page != new.page
    sections = bool(old.section and new.section) and normalise(old.section) != normalise(new.section)
    return pages or sections


def _short(text: str, n: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _waived(f: Finding) -> str:
    return f"  [waived: {f.suppressed.reason}]" if f.suppressed else ""


def render_text(d: RevisionDiff) -> str:
    lines = [f"Comparing {d.old.path} -> {d.new.path}"]
    v = d.verdict
    if v.changed:
        lines.append(f"Verdict: {v.old} -> {v.new} (changed)")
    else:
        lines.append(f"Verdict: {v.new} (unchanged)")
    lines.append("")
    lines.append(f"Resolved ({len(d.resolved)})")
    for f in d.resolved:
        lines.append(f"  {f.rule_id} {f.severity.value}  {f.name}{_waived(f)}")
    lines.append(f"Still open ({len(d.open)})")
    for o in d.open:
        q = o.quotes
        lines.append(f"  {o.rule_id} {o.severity}  {o.name}{_waived(o.new)}")
        lines.append(f"    quotes: {len(q.kept)} kept, {len(q.new)} new, {len(q.gone)} gone")
        for p in q.kept:  # same sentence: say when it was reworded or moved
            changes = ["reworded"] if p.similarity < 1 else []
            if _moved(p.old, p.new):
                changes.append(f"was{_where(p.old) or ' elsewhere'}")
            if changes:
                lines.append(f"    ~ \u201c{_short(p.new.quote)}\u201d{_where(p.new)}: {', '.join(changes)}")
        for ev in q.new:
            lines.append(f"    + \u201c{_short(ev.quote)}\u201d{_where(ev)}")
        for ev in q.gone:
            lines.append(f"    - \u201c{_short(ev.quote)}\u201d{_where(ev)}")
    lines.append(f"New ({len(d.new_findings)})")
    for f in d.new_findings:
        lines.append(f"  {f.rule_id} {f.severity.value}  {f.name}{_waived(f)}")
        for ev in _unique(f.evidence):
            lines.append(f"    + \u201c{_short(ev.quote)}\u201d{_where(ev)}")
    s = d.summary()
    lines += ["", f"{s['resolved']} resolved, {s['open']} still open, {s['new']} new"]
    return "\n".join(lines) + "\n"

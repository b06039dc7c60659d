"""Decide whether a mention is the vendor proposing something, or only talk about it.

Each check returns the name of the context that discounts a mention, or
None. Cue words come from rules/concepts/context.yaml; how far a cue reaches
is set here, because it is a property of English clauses, not of a rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from proposal_lint.model import BlockKind
from proposal_lint.nlp.units import Unit

NEG_BEFORE_REACH = 12  # tokens a negation cue reaches forward within its clause
NEG_AFTER_SKIP = 4  # copulas/auxiliaries skipped before a trailing negation
HYPO_BEFORE_REACH = 8
HYPO_AFTER_REACH = 4
EDU_SUBJECT_REACH = 4  # a definition names its subject in the first tokens

# Function words skipped between a mention and a trailing cue:
# "fine-tuning is not", "fine-tuning will also not be", "Fine-tuning | No".
_AUX = {
    "be", "is", "are", "was", "were", "will", "would", "shall", "should", "can", "could",
    "do", "does", "did", "also", "currently", "therefore", "|", ":", "-", "—", "–", "(",
    "itself", "here", "at", "this", "stage", "point", "still", "simply", "explicitly",
    "deliberately", "intentionally", "strictly", "expressly", "is", "then", "thus",
}
_QUOTES_OPEN = "“\"«‘'"


@dataclass
class ContextCues:
    """Token ranges of each cue group inside one unit (relative to unit.span)."""

    hits: dict[str, list[tuple[int, int]]]
    heading_flags: frozenset[str]  # "rejected", "education" from the section path
    next_rejects: bool = False  # the next sentence of the paragraph is a verdict on this one
    rejected_options: frozenset[str] = frozenset()  # "option c": options the document advises against
    change_log: bool = False  # a row of the document's version history

    def starts(self, group: str) -> list[int]:
        return [s for s, _ in self.hits.get(group, [])]


def _clause_open(unit: Unit, cues: ContextCues, start: int, end: int) -> bool:
    """True when no clause break lies in tokens [start, end).

    A comma breaks the clause only when a new subject follows it ("..., we
    will fine-tune"); otherwise it is a list or an aside ("to train, fine-tune
    or adapt"). Text in parentheses is an aside and never breaks.
    """
    span = unit.span
    depth = 0
    party = {s for s, _ in cues.hits.get("context.party", [])}
    breaks = {s for s, _ in cues.hits.get("context.clause_break", [])}
    for i in range(start, end):
        tok = span[i].text
        if tok == "(":
            depth += 1
            continue
        if tok == ")":
            depth = max(0, depth - 1)
            continue
        if depth or i not in breaks:
            continue
        if tok == "," and (i + 1) not in party:
            continue
        return False
    return True


def _distance(unit: Unit, start: int, end: int) -> int:
    """Tokens between two positions, not counting a parenthetical aside."""
    depth, n = 0, 0
    for tok in unit.span[start:end]:
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            depth = max(0, depth - 1)
        elif not depth:
            n += 1
    return n


# A table cell that answers "no" to the row: "Fine-tuning | Not proposed".
_NO_ANSWERS = ("n", "no", "none", "n/a", "not proposed", "not included", "not offered", "not applicable",
               "non-compliant", "not compliant", "out of scope", "excluded", "not recommended", "reject",
               "rejected", "not selected", "not chosen", "not taken", "discarded", "not pursued", "parked", "shelved",
               "dropped", "declined", "no-go", "no go", "not to pursue", "✗", "✘",
               # the same in German, French, Dutch and Spanish
               "nein", "nicht weiterverfolgen", "nicht empfohlen", "abgelehnt", "non retenu",
               "non recommandé", "rejeté", "nee", "niet aanbevolen", "afgewezen", "no recomendado",
               "descartado", "rechazado")


def _row_says_no(unit: Unit, start: int, end: int) -> bool:
    if unit.table is None:
        return False
    cells = [c.strip().lower().rstrip(".") for c in unit.span[end:].text.split("|")[1:]]
    # The row's label may carry the verdict: "B (parked) | LoRA fine-tune of ...".
    label = unit.text.split("|")[0]
    if len(label) < len(unit.span[:start].text):
        cells += [m.strip().lower() for m in re.findall(r"\(([^()]{1,30})\)", label)]
    # PDFs sometimes letter-space short table cells: "R ej e ct".
    cells += [c.replace(" ", "") for c in cells if len(c) <= 20]
    return any(c in _NO_ANSWERS or c.startswith(tuple(a + sep for a in _NO_ANSWERS[1:] for sep in " ,;-–—:")) for c in cells)


def negated(unit: Unit, cues: ContextCues, start: int, end: int) -> bool:
    if _row_says_no(unit, start, end):
        return True
    negations = cues.hits.get("context.negation_before", [])
    conditional = bool(negations) and _opens_with_condition(unit, cues)
    for s, e in negations:
        if conditional and _clause_open(unit, cues, _first_word(unit), s):
            continue  # "If the tuned model does not beat the prompt, we stop": a condition, not a denial
        if e <= start and _distance(unit, e, start) <= NEG_BEFORE_REACH and _clause_open(unit, cues, e, start):
            return True
    span = unit.span
    i = end
    skipped = 0
    while i < len(span) and skipped <= NEG_AFTER_SKIP and span[i].lower_ in _AUX:
        i += 1
        skipped += 1
    if not any(s == i for s, _ in cues.hits.get("context.negation_after", [])):
        return False
    # "200 briefs held out - never used in training": the "never" is about the training.
    return not any(lemma in ("train", "training", "fine-tune", "tune") for lemma in unit.norms[i + 1 : i + 4])


def contrast(unit: Unit, cues: ContextCues, start: int, end: int) -> bool:
    for s, e in cues.hits.get("context.contrast", []):
        if e <= start and _distance(unit, e, start) <= NEG_BEFORE_REACH and _clause_open(unit, cues, e, start):
            return True
    return False


def _opens_with_condition(unit: Unit, cues: ContextCues) -> bool:
    """"If ...", "Should ...", "Maybe later, ...": the sentence starts with a condition."""
    leads = cues.hits.get("context.conditional_lead")
    return bool(leads) and any(s <= _first_word(unit) for s, _ in leads)


def hypothetical(unit: Unit, cues: ContextCues, start: int, end: int) -> bool:
    if _opens_with_condition(unit, cues):
        return True
    for s, e in cues.hits.get("context.hypothetical", []):
        if e <= start and start - e <= HYPO_BEFORE_REACH and _clause_open(unit, cues, e, start):
            return True
        if s >= end and s - end <= HYPO_AFTER_REACH and _clause_open(unit, cues, end, s):
            return True
    return False


def _first_word(unit: Unit) -> int:
    """Index of the first word, past bullets, numbering and opening quotes."""
    for i, tok in enumerate(unit.span):
        if tok.is_alpha:
            return i
    return 0


def _segment(unit: Unit, start: int, end: int) -> tuple[int, int]:
    """The table cell (between "|" tokens) holding a mention; the whole unit elsewhere."""
    span = unit.span
    if unit.table is None:
        return 0, len(span)
    lo = start
    while lo > 0 and span[lo - 1].text != "|":
        lo -= 1
    hi = end
    while hi < len(span) and span[hi].text != "|":
        hi += 1
    return lo, hi


def _in(hits: list[tuple[int, int]], lo: int, hi: int) -> list[int]:
    return [s for s, e in hits if s >= lo and e <= hi]


def question(unit: Unit, cues: ContextCues, start: int, end: int) -> bool:
    lo, hi = _segment(unit, start, end)
    span = unit.span
    text = unit.text if (lo, hi) == (0, len(span)) else span[lo:hi].text
    if text.rstrip(" \t\"'”’)»*_").endswith("?"):
        return True
    if any(s < start for s in _in(cues.hits.get("context.question", []), lo, hi)):
        return True
    # Inside quotation marks: an odd number of quote characters before it.
    if not unit.has_quotes:
        return False
    doc = span.doc
    before = unit.source[doc[span.start + lo].idx : doc[span.start + start].idx]
    opened = before.count("“") + before.count("«") - before.count("”") - before.count("»")
    return opened > 0 or before.count('"') % 2 == 1


def requirement(unit: Unit, cues: ContextCues, start: int, end: int) -> bool:
    lo, hi = _segment(unit, start, end)
    return bool(_in(cues.hits.get("context.requirement", []), lo, hi))


def rejected(unit: Unit, cues: ContextCues, start: int, end: int) -> bool:
    return ("rejected" in cues.heading_flags or bool(cues.hits.get("context.rejected")) or cues.next_rejects
            or bool(cues.rejected_options) and _in_rejected_option(unit, cues.rejected_options, start))


def _option_ref(unit: Unit, e: int) -> str | None:
    """"option c" for an option word ending at token e followed by a short label (C, 2, IV)."""
    if e >= len(unit.lowers):
        return None
    label = unit.lowers[e].rstrip(".")  # spaCy keeps "C." of "Option C." as one token
    # A letter, a number or a numeral: not "option to", "lot of".
    ok = len(label) == 1 and label.isalnum() or label.isdigit() and len(label) <= 3 or label in _ROMAN
    return f"{unit.norms[e - 1]} {label}" if ok else None


_ROMAN = {"ii", "iii", "iv", "vi", "vii", "viii", "ix", "xi", "xii"}


def rejected_options(unit: Unit, cue_hits: dict[str, list[tuple[int, int]]]) -> set[str]:
    """The option a sentence advises against: of the options it names ("We
    recommend Option B and would steer you away from Option C"), the one nearest
    a rejection cue."""
    refs = [(s, ref) for s, e in cue_hits["context.option_name"] if (ref := _option_ref(unit, e))]
    if not refs:
        return set()
    out = set()
    for s, e in cue_hits["context.option_rejected"]:
        # Distance from the cue's end to an option after it ("advise against
        # Option C"), from its start to one before it ("Option C is not recommended").
        out.add(min(refs, key=lambda r: r[0] - e if r[0] >= e else s - r[0])[1])
    return out


def _starts_with_option(text: str, options: frozenset[str]) -> bool:
    low = text.lower().lstrip(" \t-–—•*·0123456789.)(:")
    return any(low.startswith(o) and not low[len(o):len(o) + 1].isalnum() for o in options)


def _header_cell(unit: Unit, start: int) -> str:
    """The header text of the table column holding token `start` of a row."""
    k = sum(1 for t in unit.span[:start] if t.text == "|")
    header = unit.header_row
    if len(unit.blocks) > 1:  # one block per non-empty cell: match columns by number
        cols = [b.table.col if b.table else None for b in unit.blocks]
        col = cols[k] if k < len(cols) else None
        return next((b.text for b in header.blocks if b.table and b.table.col == col), "")
    cells = header.text.split("|")
    return cells[k] if k < len(cells) else ""


def _in_rejected_option(unit: Unit, options: frozenset[str], start: int) -> bool:
    """Is the mention under a heading, in a table column or row, or in a list item
    or paragraph that opens with a rejected option ("Option C: ...")?"""
    places = list(unit.section)
    if unit.header_row is not None:
        places += [_header_cell(unit, start), unit.text.split("|")[0]]
    else:
        places.append(unit.block.text)
    return any(_starts_with_option(p, options) for p in places)


# What may follow a verdict cue: "Parked.", "Rejected - too costly", "Not included
# in this offer", "Deferred to phase 2"; not "Excluded: hosting" or "Not included are ...".
_VERDICT_FOLLOWERS = {"for", "in", "at", "by", "to", "until", "because", "as", "due", "after", "since", "unless", "pending"}


def opens_with_verdict(unit: Unit, cues: list[tuple[int, int]]) -> bool:
    """Does the sentence open with a verdict cue standing on its own ("Parked - not
    part of this offer.")?"""
    if not cues:
        return False
    first = _first_word(unit)
    span = unit.span
    for s, e in cues:
        if s > first:
            continue
        if e >= len(span):
            return True
        nxt = span[e]
        if (nxt.is_punct and nxt.text != ":") or nxt.lower_ in _VERDICT_FOLLOWERS:
            return True
    return False


def education(unit: Unit, cues: ContextCues, start: int, end: int) -> bool:
    """In a background / glossary / "what is fine-tuning" section."""
    flags = cues.heading_flags
    return "education" in flags or (
        "background" in flags and not cues.hits.get("context.party") and not cues.hits.get("context.engagement")
    )


def definition(unit: Unit, cues: ContextCues, start: int, end: int) -> bool:
    if unit.kind not in (BlockKind.paragraph, BlockKind.footnote, BlockKind.text_box):
        return False
    # A definition: "Fine-tuning is ...", "A fine-tuned model can ...", with no
    # party in it (no we/you/the vendor): general text, not this plan.
    if start - _first_word(unit) > EDU_SUBJECT_REACH or cues.hits.get("context.party"):
        return False
    return any(s >= end and s - end <= 2 for s in cues.starts("context.generic_verb"))


def credentials(unit: Unit, cues: ContextCues, start: int, end: int) -> bool:
    """The vendor's profile, case studies, team bios: work for others, not this plan."""
    return "credentials" in cues.heading_flags or bool(cues.hits.get("context.credentials"))


def history(unit: Unit, cues: ContextCues, start: int, end: int) -> bool:
    """A row of the document's change log: how the document changed, not the plan."""
    return cues.change_log


def heading(unit: Unit, cues: ContextCues, start: int, end: int) -> bool:
    # A heading names a topic ("3. Why not fine-tuning?"); the body says the plan.
    return unit.is_heading


CHECKS = {
    "heading": heading,
    "question": question,
    "requirement": requirement,
    "credentials": credentials,
    "negated": negated,
    "contrast": contrast,
    "rejected": rejected,
    "education": education,
    "definition": definition,
    "hypothetical": hypothetical,
    "history": history,
}


def discount_reason(unit: Unit, cues: ContextCues, start: int, end: int, contexts: list[str]) -> str | None:
    """The first context (in CHECKS order) that discounts this mention, or None."""
    for name, check in CHECKS.items():
        if name in contexts and check(unit, cues, start, end):
            return name
    return None

"""Evaluate concepts (fine_tuning, prompt_baseline, ...) over a document's units.

One spaCy Matcher holds every term group of every concept, labelled
"concept.group". A concept's result lists the mentions that count and those a
context discounted, with the reason, so reports can say "fine-tuning appears
on p. 4 only as a rejected alternative".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from proposal_lint.model import BlockKind
from proposal_lint.nlp import context as ctx
from proposal_lint.nlp.matcher import TokenMatcher
from proposal_lint.nlp.patterns import PatternError, compile_phrase
from proposal_lint.nlp.units import Unit
from proposal_lint.rules.loader import RuleLoadError, RuleSet
from proposal_lint.rules.schema import (
    ContextConcept,
    CooccurrenceConcept,
    MentionConcept,
    PartsConcept,
)


@dataclass
class Hit:
    unit: Unit
    group: str  # "concept.group"
    start: int  # token range inside unit.span
    end: int

    @property
    def text(self) -> str:
        return self.unit.span[self.start : self.end].text


@dataclass
class ConceptResult:
    counted: list[Hit] = field(default_factory=list)
    discounted: list[tuple[Hit, str]] = field(default_factory=list)

    @property
    def present(self) -> bool:
        return bool(self.counted)

    def units(self) -> list[Unit]:
        """Units with counted hits, once each, in document order."""
        seen: dict[int, Unit] = {}
        for hit in self.counted:
            seen.setdefault(id(hit.unit), hit.unit)
        return list(seen.values())


def compiled_patterns(ruleset: RuleSet) -> dict[str, list[list[dict]]]:
    """Every term group of every concept as Matcher patterns, by "concept.group"."""
    out = {}
    for concept in ruleset.concepts.values():
        for group, phrases in concept.terms.items():
            label = f"{concept.id}.{group}"
            patterns = []
            for phrase in phrases:
                try:
                    patterns.extend(compile_phrase(str(phrase)))
                except PatternError as exc:
                    src = ruleset.sources.get(concept.id, concept.id)
                    raise RuleLoadError(f"{src}: field 'terms.{group}': {exc}") from None
            out[label] = patterns
    return out


HEADING_CUES = (
    "context.rejected_heading",
    "context.education_heading",
    "context.credentials_heading",
    "context.price_heading",
    "context.background_heading",
    "context.this_engagement_heading",
)


# Cues looked for in the sentence after a mention: "Option B: an adapter trained
# on call transcripts. Parked - not part of this offer."
NEXT_CUES = ("context.rejected_next",)


def build_matchers(ruleset: RuleSet) -> tuple[TokenMatcher, TokenMatcher, TokenMatcher, TokenMatcher]:
    """(content, context cues, heading cues, next-sentence cues). Cue words are
    frequent ("we", "is", ","), so cues are only looked for in units that
    mention something; heading cues only in headings."""
    content, cues, headings, following = TokenMatcher(), TokenMatcher(), TokenMatcher(), TokenMatcher()
    for label, patterns in compiled_patterns(ruleset).items():
        if label in HEADING_CUES:
            headings.add(label, patterns)
        elif label in NEXT_CUES:
            following.add(label, patterns)
        else:
            (cues if label.startswith("context.") else content).add(label, patterns)
    return content, cues, headings, following


def annotate(units: list[Unit], matchers: tuple[TokenMatcher, ...], heading_flags) -> None:
    """Fill unit.hits with every term-group match (longest match per label and start)."""
    content, cues, _, following = matchers
    option_words = cues.words("context.option_name")
    log_words = cues.words("context.change_log_version"), cues.words("context.change_log_change")
    rejected_options: set[str] = set()
    for k, unit in enumerate(units):
        norms, lowers, nums = unit.norms, unit.lowers, unit.nums
        nset, lset = set(norms), set(lowers)
        found = content.find(norms, lowers, nums, nset, lset, {})
        if found or not nset.isdisjoint(option_words):
            cues.find(norms, lowers, nums, nset, lset, found)
        hits: dict[str, list[tuple[int, int]]] = {}
        for (label, start), end in found.items():
            if label in hits:
                hits[label].append((start, end))
            else:
                hits[label] = [(start, end)]
        cue_hits = {}
        for label, ranges in hits.items():
            if len(ranges) > 1:
                hits[label] = ranges = _merge(ranges)
            if label.startswith("context."):
                cue_hits[label] = ranges
        unit.hits = hits
        unit.concepts = {label.partition(".")[0] for label in hits}
        unit.heading_flags = heading_flags(unit.section)
        unit.cues = ctx.ContextCues(hits=cue_hits, heading_flags=unit.heading_flags)
        nxt = units[k + 1] if k + 1 < len(units) else None
        if hits and nxt is not None and nxt.block is unit.block and unit.table is None:
            # A verdict opens the sentence: its first words are enough.
            norms, lowers, nums = nxt.norms[:8], nxt.lowers[:8], nxt.nums[:8]
            found = following.find(norms, lowers, nums, set(norms), set(lowers), {})
            unit.cues.next_rejects = ctx.opens_with_verdict(nxt, [(s, e) for (_, s), e in found.items()])
        if hits and unit.header_row is not None:
            header = set(unit.header_row.lowers)
            unit.cues.change_log = all(not header.isdisjoint(words) for words in log_words)
        if "context.option_name" in cue_hits and "context.option_rejected" in cue_hits:
            rejected_options.update(ctx.rejected_options(unit, cue_hits))
    if rejected_options:
        # "We would steer you away from Option C": what Option C's section, table
        # column or list item proposes is a rejected alternative.
        rejected = frozenset(rejected_options)
        for unit in units:
            if unit.cues.hits or unit.hits:
                unit.cues.rejected_options = rejected


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep the longest of overlapping matches, in order."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(ranges, key=lambda r: (r[0], -(r[1] - r[0]))):
        if out and s < out[-1][1]:
            continue
        out.append((s, e))
    return out


def _cues(unit: Unit) -> ctx.ContextCues:
    return unit.cues


def _group_hits(unit: Unit, concept_id: str, groups: list[str]) -> list[Hit]:
    hits = unit.hits
    out = []
    for g in groups:
        label = f"{concept_id}.{g}"
        if label in hits:
            out.extend(Hit(unit, label, s, e) for s, e in hits[label])
    if len(out) > 1:
        out.sort(key=lambda h: h.start)
    return out


def _has(unit: Unit, concept_id: str, group: str, with_header: bool = True) -> bool:
    label = f"{concept_id}.{group}"
    if unit.hits.get(label):
        return True
    return with_header and unit.header_row is not None and bool(unit.header_row.hits.get(label))


class ConceptEvaluator:
    def __init__(self, ruleset: RuleSet):
        self.concepts = ruleset.concepts

    def evaluate(self, units: list[Unit]) -> dict[str, ConceptResult]:
        # Each concept only looks at the units that mention it (or whose table
        # header row does): most units mention few concepts.
        self._units = units
        self._glossary: dict[str, str] | None = None  # the document's definitions, made when first needed
        self._with: dict[str, list[int]] = {}
        for k, unit in enumerate(units):
            named = unit.concepts if unit.header_row is None else unit.concepts | unit.header_row.concepts
            for cid in named:
                self._with.setdefault(cid, []).append(k)
        results: dict[str, ConceptResult] = {}
        # Mention concepts may depend on others (weak_blocked_by), so resolve lazily.
        for cid in self.concepts:
            self._result(cid, units, results)
        return results

    def _mentioning(self, cid: str) -> list[Unit]:
        units = self._units
        return [units[k] for k in self._with.get(cid, ())]

    def _result(self, cid: str, units: list[Unit], results: dict) -> ConceptResult:
        if cid in results:
            return results[cid]
        concept = self.concepts[cid]
        results[cid] = ConceptResult()  # guards against cycles
        if isinstance(concept, MentionConcept):
            res = self._mention(concept, units, results)
        elif isinstance(concept, CooccurrenceConcept):
            res = self._cooccurrence(concept, units)
        elif isinstance(concept, PartsConcept):
            res = self._parts(concept, units)
        else:
            assert isinstance(concept, ContextConcept)
            res = ConceptResult()
        results[cid] = res
        return res

    def _mention(self, c: MentionConcept, units: list[Unit], results: dict) -> ConceptResult:
        res = ConceptResult()
        weak_hits: list[Hit] = []
        groups = c.mention_groups
        unchanged = None  # does the document say the model stays unchanged? (asked once, when needed)
        for unit in self._mentioning(c.id):
            cues = _cues(unit)
            sentence_reason = None  # a definition covers every mention in its sentence
            for hit in _group_hits(unit, c.id, groups):
                reason = sentence_reason or ctx.discount_reason(unit, cues, hit.start, hit.end, c.discount)
                if reason == "definition":
                    sentence_reason = reason
                if reason is None and c.other_sense and hit.group.split(".")[1] in c.other_sense.groups:
                    reason = _other_sense(unit, hit, c)
                    if reason is UNCLEAR:
                        if unchanged is None:
                            unchanged = self._says_unchanged(c)
                        reason = "other sense of tune (the model itself is not trained)" if unchanged else None
                if reason is None and c.other_sense and c.other_sense.gloss_words:
                    reason = self._defined_otherwise(c, hit.text)
                if reason is None and c.not_inside:
                    reason = _inside_other(unit, hit, c)
                if reason:
                    res.discounted.append((hit, reason))
                elif hit.group.split(".")[1] in c.weak:
                    weak_hits.append(hit)
                else:
                    res.counted.append(hit)
        if weak_hits:
            blocked_by = None
            if not res.counted:
                for ref in c.weak_blocked_by:
                    if "." in ref:  # a helper group: "the model weights are not changed"
                        cid, group = ref.split(".", 1)
                        if any(_group_hits(u, cid, [group]) for u in self._mentioning(cid)):
                            blocked_by = ref
                            break
                    elif self._result(ref, units, results).present:
                        blocked_by = ref
                        break
            counts = weak_hits
            if blocked_by:
                # A term the document itself defines as a trained model ('"Custom
                # Model" means Claude 3 Haiku further trained by ...') is no framing.
                counts = [h for h in weak_hits if self._defined_as_trained(c, h.text)]
                res.discounted.extend((h, f"framing only ({blocked_by.split('.')[-1].replace('_', ' ')})")
                                      for h in weak_hits if h not in counts)
            if counts:
                res.counted.extend(counts)
                order = {id(u): i for i, u in enumerate(units)}
                res.counted.sort(key=lambda h: (order[id(h.unit)], h.start))
        return res

    def _terms(self) -> dict[str, str]:
        """The document's glossary (made when first needed)."""
        if self._glossary is None:
            self._glossary = glossary(self._units)
        return self._glossary

    @staticmethod
    def _glossed_as(c: MentionConcept, gloss: str) -> bool:
        """Does a definition hold one of the concept's gloss words?"""
        return any(w.startswith(tuple(c.other_sense.gloss_words)) for w in gloss.lower().replace("-", " ").split())

    def _defined_otherwise(self, c: MentionConcept, term: str) -> str | None:
        """"other sense (defined as ...)" when the document defines `term` and the
        definition has none of the concept's gloss words."""
        low = term.lower()
        gloss = next(filter(None, map(self._terms().get, (low, low + "s", low[:-1] if low.endswith("s") else low))), None)
        if not gloss or self._glossed_as(c, gloss):
            return None
        return f"other sense (defined as \"{gloss}\")"

    def _defined_as_trained(self, c: MentionConcept, text: str) -> bool:
        """Does `text` hold a term of the document's glossary whose definition has
        one of the concept's gloss words?"""
        if not (c.other_sense and c.other_sense.gloss_words):
            return False
        low = text.lower()
        return any(" " in term and term in low and self._glossed_as(c, gloss) for term, gloss in self._terms().items())

    def _says_unchanged(self, c: MentionConcept) -> bool:
        """Does the vendor state that the model itself is not trained (not in a
        question or a requirement)?"""
        if not c.other_sense.unchanged:
            return False
        for unit in self._mentioning(c.id):
            for hit in _group_hits(unit, c.id, [c.other_sense.unchanged]):
                if not ctx.discount_reason(unit, _cues(unit), hit.start, hit.end, ["question", "requirement"]):
                    return True
        return False

    def _caption(self, c: CooccurrenceConcept, k: int) -> Unit | None:
        """The sentence of the paragraph right before unit k's table (same section)
        that has the anchor group and reports a measurement."""
        units = self._units
        j = k - 1
        while j >= 0 and units[j].table == units[k].table:
            j -= 1
        if j < 0 or units[j].table is not None or units[j].section != units[k].section:
            return None
        block = units[j].block
        while j >= 0 and units[j].block is block:
            u = units[j]
            if _has(u, c.id, c.anchor, with_header=False) and any(_has(u, c.id, g, with_header=False) for g in c.unless):
                return u
            j -= 1
        return None

    @staticmethod
    def _table_row(c: CooccurrenceConcept, unit: Unit) -> bool:
        """A row with all `table.row` groups (and a number) under a header with all `table.header` groups."""
        t = c.table
        return (t is not None and unit.header_row is not None and (not t.number or any(unit.nums))
                and all(_has(unit, c.id, g, with_header=False) for g in t.row)
                and all(_has(unit.header_row, c.id, g, with_header=False) for g in t.header))

    def _cooccurrence(self, c: CooccurrenceConcept, units: list[Unit]) -> ConceptResult:
        """Units that have every `all` group, alone or with the sentence before them in
        the same paragraph ("We asked GPT-4o with a system prompt. Only 54 of 100 were
        right.") or section (`window`), or with their table's header row."""
        res = ConceptResult()
        for k in self._with.get(c.id, ()):
            unit, prev = units[k], units[k - 1] if k else None
            if prev is not None and unit.kind == BlockKind.list_item:
                prev = _bullet_before(c, units, k) or prev
            window = [unit]
            if (
                prev is not None
                and prev.table is None
                and (prev.block is unit.block or c.window == "section" and unit.table is None
                     and prev.section == unit.section or _measured_list(c, prev, unit))
                # only when neither sentence has it all on its own
                and not all(_has(prev, c.id, g) for g in c.all)
                and not all(_has(unit, c.id, g) for g in c.all)
            ):
                window = [prev, unit]
            elif unit.table is not None and c.table is not None and c.table.caption:
                caption = self._caption(c, k)
                if caption is not None and not all(_has(unit, c.id, g) for g in c.all):
                    window = [caption, unit]

            def has(group: str, header: bool = True) -> bool:
                return any(_has(u, c.id, group, with_header=header) for u in window)

            if not all(has(g) for g in c.all) and not self._table_row(c, unit):
                continue
            anchor_unit = next((u for u in window if _group_hits(u, c.id, [c.anchor])), None)
            if anchor_unit is None:  # only in the table's header row
                hit = Hit(unit, f"{c.id}.{c.anchor}", 0, 0)
            else:
                hit = _group_hits(anchor_unit, c.id, [c.anchor])[0]
            # A unit that only plans or reports hearsay disqualifies the window,
            # unless that same unit also reports a measurement.
            if any(
                any(_has(u, c.id, g, with_header=False) for g in c.none)
                and not any(_has(u, c.id, g, with_header=False) for g in c.unless)
                or any(_has(u, c.id, g, with_header=False) for g in c.never)
                for u in window
            ):
                res.discounted.append((hit, "planned, not measured"))
                continue
            reason = ctx.discount_reason(hit.unit, _cues(hit.unit), hit.start, hit.end, c.discount)
            if reason:
                res.discounted.append((hit, reason))
            else:
                # Cite the unit that carries the number.
                res.counted.append(hit if hit.unit is unit else Hit(unit, hit.group, 0, 0))
        return res

    def _parts(self, c: PartsConcept, units: list[Unit]) -> ConceptResult:
        """Anchor units (e.g. "a held-out set") with a `with_any` part in the same
        paragraph or table, once the whole document has every `require` part."""
        res = ConceptResult()
        ok_by_unit: list[set[str]] = []
        units = self._mentioning(c.id)
        for unit in units:
            cues = _cues(unit)
            ok_groups = set()
            for g in {c.anchor, *c.with_any, *c.require}:
                for hit in _group_hits(unit, c.id, [g]):
                    reason = ctx.discount_reason(unit, cues, hit.start, hit.end, c.discount)
                    if reason is None:
                        ok_groups.add(g)
                        break
                    if g == c.anchor:
                        res.discounted.append((hit, reason))
            ok_by_unit.append(ok_groups)
        with_any = set(c.with_any)
        near_parts: dict[object, set[str]] = {}
        section_parts: dict[tuple, set[str]] = {}
        for unit, ok in zip(units, ok_by_unit):
            near_parts.setdefault(_container(unit), set()).update(ok)
            section_parts.setdefault(tuple(unit.section), set()).update(ok)
        # "We set aside 1,500 positions as a test set." is followed by the bar in
        # a list: the anchor's paragraph, table or section may hold the rest.
        anchors = [
            _group_hits(unit, c.id, [c.anchor])[0]
            for unit, ok in zip(units, ok_by_unit)
            if c.anchor in ok
            and (near_parts[_container(unit)] | section_parts[tuple(unit.section)]) & with_any
        ]
        # The other parts must belong to the evaluation: in an anchor's section,
        # or in a sentence that itself names the set or a part ("Go-live bar:
        # macro-F1 of at least 0.85"), not anywhere in the document.
        tied: set[str] = set()
        for hit in anchors:
            tied |= section_parts[tuple(hit.unit.section)] | near_parts[_container(hit.unit)]
        for ok in ok_by_unit:
            if c.anchor in ok or len(ok & set(c.require)) > 1:
                tied |= ok
        if anchors and set(c.require) <= tied:
            res.counted = anchors
        else:
            res.discounted.extend((h, "incomplete") for h in anchors)
        return res


def _bullet_before(c: CooccurrenceConcept, units: list[Unit], k: int, reach: int = 3) -> Unit | None:
    """The nearest of the few bullets before units[k] in its list that has the
    concept's anchor ("- Few-shot prompt ..." / "- 20 real briefs" / "- 14 of 20 usable")."""
    for j in range(k - 1, max(k - 1 - reach, -1), -1):
        u = units[j]
        if u.section != units[k].section:
            return None
        if u.kind != BlockKind.list_item:
            # The sentence leading into the list: "We tested a good prompt on 450
            # e-mails:" / "- on the first 50, 41 of 50 went in the right queue".
            return u if _lead_in(c, u) else None
        if _has(u, c.id, c.anchor, with_header=False):
            return u
    return None


def _lead_in(c: CooccurrenceConcept, u: Unit) -> bool:
    return u.table is None and u.text.rstrip().endswith(":") and _has(u, c.id, c.anchor, with_header=False)


def _measured_list(c: CooccurrenceConcept, prev: Unit, unit: Unit) -> bool:
    """Two bullets of one list, or a list's lead-in and one of its bullets, that
    report a measurement ("- Few-shot prompt, 3 past pieces per client" / "- 14 of
    20 drafts rated usable") read as one statement."""
    return (unit.kind == BlockKind.list_item and prev.section == unit.section
            and (prev.kind == BlockKind.list_item or _lead_in(c, prev))
            and _has(prev, c.id, c.anchor, with_header=False)  # the result follows what was tried
            and any(_has(u, c.id, g, with_header=False) for u in (prev, unit) for g in c.unless))


_GLOSS_TABLE_HEADER = {"term", "terms", "definition", "definitions", "meaning", "abbreviation",
                       "abbreviations", "acronym", "acronyms", "glossary"}
_PAREN = re.compile(r"\(([^()]{2,80})\)")
# A capitalised (defined) term: "Custom Models, being custom report templates".
_BEING = re.compile(r"\b([A-Z][\w-]*(?: [A-Z][\w-]*){0,3})[\"”’']?,? (?:being|means|shall mean|meaning|refers to|is defined as) ([^.;]{4,160})")


def glossary(units: list[Unit]) -> dict[str, str]:
    """The terms a document defines, lower-cased, with their definitions:
    "LoRa (long-range, low-power radio)", "Site Functional Test (SFT)", a
    definitions table row "SFT | System Functional Test", "Custom Models, being
    custom report templates"."""
    out: dict[str, str] = {}
    for unit in units:
        text = unit.text
        if unit.table is not None:
            head = unit.header_row
            if head is not None and _GLOSS_TABLE_HEADER & set(head.text.lower().replace("|", " ").split()):
                cells = [cell.strip() for cell in text.split("|")]
                if len(cells) >= 2 and 0 < len(cells[0].split()) <= 4 and len(cells[1].split()) >= 2:
                    out.setdefault(cells[0].lower(), cells[1])
            continue
        if "(" in text:
            for m in _PAREN.finditer(text):
                inner, before = m.group(1).strip(), text[: m.start()].split()
                if not before:
                    continue
                if " " not in inner and inner.isalpha() and 2 <= len(inner) <= 6:
                    # "Site Functional Test (SFT)": the words before spell the acronym.
                    words = before[-len(inner):]
                    if "".join(w[0] for w in words).lower() == inner.lower():
                        out.setdefault(inner.lower(), " ".join(words))
                elif len(inner.split()) >= 2 and not any(ch.isdigit() for ch in inner):
                    # "LoRa (long-range, low-power radio)": a word glossed in brackets.
                    word = before[-1].strip("*_\"'“”")
                    if word[:1].isalpha():
                        out.setdefault(word.lower(), inner)
        if " being " in text or " mean" in text or " refers to " in text or " defined as " in text:
            for m in _BEING.finditer(text):
                out.setdefault(m.group(1).lower(), m.group(2).strip())
    return out


def _container(unit: Unit):
    """The paragraph (block) or the table a unit belongs to."""
    return ("table", unit.table) if unit.table is not None else ("block", unit.block.index)


def _inside_other(unit: Unit, hit: Hit, c: MentionConcept) -> str | None:
    for group in c.not_inside:
        if any(s < hit.end and hit.start < e for s, e in unit.hits.get(f"{c.id}.{group}", ())):
            return f"other sense ({group.replace('_', ' ')})"
    return None


UNCLEAR = "unclear"  # _other_sense: neither a model nor something else is named


def _other_sense(unit: Unit, hit: Hit, c: MentionConcept) -> str | None:
    """"fine-tune the retrieval settings", "prompt fine-tuning": not a model being
    trained. None when a model (or training data) follows; UNCLEAR when nothing
    tells ("the fine-tuning phase", "fine-tuning of the whole system")."""
    os_ = c.other_sense
    span = unit.span
    # A modifier right before: "prompt fine-tuning", "retrieval fine-tuning".
    j = hit.start - 1
    while j >= 0 and span[j].text in ("-", "/"):
        j -= 1
    if j >= 0 and unit.norms[j] in os_.modifiers:
        return "other sense of tune"
    # The first content words after: "fine-tune the chunk size", "fine-tuned to your needs".
    skip = {"the", "a", "an", "our", "your", "its", "their", "this", "these", "those", "of", "and",
            "to", "for", "further", "then", "each", "both", "all", "any", "some", "such", "existing",
            "current", "initial", "-", "it", "them", "we", "you", "client", "'s", "’s", "specific"}
    content: list[tuple[str, str]] = []  # (lower, lemma) of the first content words
    data_follows = False
    for k, tok in enumerate(span[hit.end : hit.end + 8], start=hit.end):
        if tok.is_punct and tok.text not in ("-",):
            break
        if tok.lower_ in ("on", "with", "using", "from", "against"):
            data_follows = True  # what follows is the training data: "fine-tune on your knowledge base"
            break
        if tok.lower_ in skip:
            continue
        content.append((tok.lower_, unit.norms[k]))
        if len(content) == 4:
            break
    for low, lemma in content:
        if low in os_.model_nouns or lemma in os_.model_nouns or any(
            low.startswith(p) and len(p) >= 3 for p in os_.model_nouns
        ):
            return None  # "fine-tune a seven billion parameter model"
    # The head of the object comes last: "fine-tune the review playbook prompts".
    if any(low in os_.objects or lemma in os_.objects for low, lemma in content):
        return "other sense of tune"
    if data_follows and not content:
        return None  # "fine-tune it on 4,000 labelled tickets"
    return UNCLEAR

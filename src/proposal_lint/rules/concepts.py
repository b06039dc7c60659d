"""Evaluate concepts (fine_tuning, prompt_baseline, ...) over a document's units.

One spaCy Matcher holds every term group of every concept, labelled
"concept.group". A concept's result lists the mentions that count and those a
context discounted, with the reason, so reports can say "fine-tuning appears
on p. 4 only as a rejected alternative".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.matcher import Matcher

from proposal_lint.nlp import context as ctx
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


def build_matcher(ruleset: RuleSet, vocab) -> Matcher:
    matcher = Matcher(vocab)
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
            matcher.add(label, patterns)
    return matcher


def annotate(units: list[Unit], matcher: Matcher, heading_flags) -> None:
    """Fill unit.hits with every term-group match (longest match per label and start)."""
    strings = matcher.vocab.strings
    for unit in units:
        hits: dict[str, list[tuple[int, int]]] = {}
        for match_id, start, end in matcher(unit.span):
            hits.setdefault(strings[match_id], []).append((start, end))
        for label, ranges in hits.items():
            hits[label] = _merge(ranges)
        unit.hits = hits
        unit.heading_flags = heading_flags(unit.section)


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep the longest of overlapping matches, in order."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(ranges, key=lambda r: (r[0], -(r[1] - r[0]))):
        if out and s < out[-1][1]:
            continue
        out.append((s, e))
    return out


def _cues(unit: Unit) -> ctx.ContextCues:
    return ctx.ContextCues(
        hits={k: v for k, v in unit.hits.items() if k.startswith("context.")},
        heading_flags=unit.heading_flags,
    )


def _group_hits(unit: Unit, concept_id: str, groups: list[str]) -> list[Hit]:
    out = []
    for g in groups:
        label = f"{concept_id}.{g}"
        out.extend(Hit(unit, label, s, e) for s, e in unit.hits.get(label, []))
    return sorted(out, key=lambda h: h.start)


def _has(unit: Unit, concept_id: str, group: str, with_header: bool = True) -> bool:
    label = f"{concept_id}.{group}"
    if unit.hits.get(label):
        return True
    return with_header and unit.header_row is not None and bool(unit.header_row.hits.get(label))


class ConceptEvaluator:
    def __init__(self, ruleset: RuleSet):
        self.concepts = ruleset.concepts

    def evaluate(self, units: list[Unit]) -> dict[str, ConceptResult]:
        results: dict[str, ConceptResult] = {}
        # Mention concepts may depend on others (weak_blocked_by), so resolve lazily.
        for cid in self.concepts:
            self._result(cid, units, results)
        return results

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
        for unit in units:
            cues = _cues(unit)
            for hit in _group_hits(unit, c.id, c.mention_groups):
                reason = ctx.discount_reason(unit, cues, hit.start, hit.end, c.discount)
                if reason is None and c.other_sense and hit.group.split(".")[1] in c.other_sense.groups:
                    reason = _other_sense(unit, hit, c)
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
                        if any(_group_hits(u, cid, [group]) for u in units):
                            blocked_by = ref
                            break
                    elif self._result(ref, units, results).present:
                        blocked_by = ref
                        break
            if blocked_by:
                res.discounted.extend((h, f"framing only ({blocked_by.split('.')[-1].replace('_', ' ')})") for h in weak_hits)
            else:
                res.counted.extend(weak_hits)
                res.counted.sort(key=lambda h: (units.index(h.unit), h.start))
        return res

    def _cooccurrence(self, c: CooccurrenceConcept, units: list[Unit]) -> ConceptResult:
        res = ConceptResult()
        for unit in units:
            if not all(_has(unit, c.id, g) for g in c.all):
                continue
            anchors = _group_hits(unit, c.id, [c.anchor]) or (
                _group_hits(unit.header_row, c.id, [c.anchor]) if unit.header_row else []
            )
            if not anchors:
                continue
            hit = Hit(unit, anchors[0].group, anchors[0].start, anchors[0].end) if anchors[0].unit is unit else Hit(unit, anchors[0].group, 0, 0)
            if any(_has(unit, c.id, g, with_header=False) for g in c.none) and not any(
                _has(unit, c.id, g, with_header=False) for g in c.unless
            ):
                res.discounted.append((hit, "planned, not measured"))
                continue
            reason = ctx.discount_reason(unit, _cues(unit), hit.start, hit.end, c.discount)
            if reason:
                res.discounted.append((hit, reason))
            else:
                res.counted.append(hit)
        return res

    def _parts(self, c: PartsConcept, units: list[Unit]) -> ConceptResult:
        res = ConceptResult()
        seen_parts: set[str] = set()
        anchors: list[Hit] = []
        for unit in units:
            cues = _cues(unit)
            ok_groups = set()
            for g in {c.anchor, *c.with_any, *c.require}:
                for hit in _group_hits(unit, c.id, [g]):
                    if not ctx.discount_reason(unit, cues, hit.start, hit.end, c.discount):
                        ok_groups.add(g)
                        break
            seen_parts |= ok_groups
            if c.anchor in ok_groups:
                hit = _group_hits(unit, c.id, [c.anchor])[0]
                if ok_groups & set(c.with_any) or any(_has(unit, c.id, g) for g in c.with_any):
                    anchors.append(hit)
            elif _group_hits(unit, c.id, [c.anchor]):
                h = _group_hits(unit, c.id, [c.anchor])[0]
                res.discounted.append((h, ctx.discount_reason(unit, cues, h.start, h.end, c.discount) or "?"))
        if anchors and set(c.require) <= seen_parts:
            res.counted = anchors
        else:
            res.discounted.extend((h, "incomplete") for h in anchors)
        return res


def _other_sense(unit: Unit, hit: Hit, c: MentionConcept) -> str | None:
    """"fine-tune the retrieval settings", "prompt fine-tuning": not a model being trained."""
    os_ = c.other_sense
    span = unit.span
    # A modifier right before: "prompt fine-tuning", "retrieval fine-tuning".
    j = hit.start - 1
    while j >= 0 and span[j].text in ("-", "/"):
        j -= 1
    if j >= 0 and span[j].norm_ in os_.modifiers:
        return "other sense of tune"
    # The first content words after: "fine-tune the chunk size", "fine-tuned to your needs".
    skip = {"the", "a", "an", "our", "your", "its", "their", "this", "these", "those", "of", "and",
            "to", "for", "further", "then", "each", "both", "all", "any", "some", "such", "existing",
            "current", "initial", "-", "it", "them", "we", "you", "client", "'s", "’s", "specific"}
    seen = 0
    for tok in span[hit.end : hit.end + 6]:
        if tok.is_punct and tok.text not in ("-",):
            break
        if tok.lower_ in skip:
            continue
        low = tok.lower_
        if low in os_.model_nouns or tok.norm_ in os_.model_nouns or any(
            low.startswith(p) and len(p) >= 3 for p in os_.model_nouns
        ):
            return None
        if low in os_.objects or tok.norm_ in os_.objects:
            return "other sense of tune"
        seen += 1
        if seen >= 3:
            break
    return None

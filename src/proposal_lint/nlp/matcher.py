"""A token-pattern matcher indexed by a rare word of each pattern, for the patterns in patterns.py.

The patterns are spaCy Matcher patterns (NORM / LOWER / LIKE_NUM constraints,
optional tokens, `{0,n}` wildcards), and tests check that this matcher finds
exactly what spaCy's Matcher finds. It exists for speed: spaCy's Matcher
tries every pattern at every token (about 5.5 s for the ~600 patterns on a
100-page proposal, measured by benchmarks/lint.py). Here each pattern is
filed under one fixed word it must contain, its least common one ("days" in
"within <num> working days", not "within"), so a token only wakes the few
patterns filed under it, which are then tried from each start that could put
that word where the pattern has it. Most tokens cost two dict look-ups.
"""


from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import re

NORM, LOWER, NUM, ANY, REGEX = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class Step:
    kind: int
    values: frozenset[str]
    min: int  # 0 for optional tokens and gaps
    max: int  # > 1 only for gaps

    pattern: re.Pattern | None = None  # for REGEX steps, matched on the lower-case form

    def test(self, norms: list[str], lowers: list[str], nums: list[bool], i: int) -> bool:
        if self.kind == REGEX:
            return bool(self.pattern.search(lowers[i]))
        if self.kind == NORM:
            return norms[i] in self.values
        if self.kind == LOWER:
            return lowers[i] in self.values
        if self.kind == NUM:
            return nums[i]
        return True


def _step(spec: dict) -> Step:
    op = spec.get("OP")
    lo, hi = 1, 1
    if op == "?":
        lo = 0
    elif op is not None:  # "{0,n}"
        lo, hi = (int(x) for x in op.strip("{}").split(","))
    if "NORM" in spec or "LOWER" in spec or "ORTH" in spec:
        attr = "NORM" if "NORM" in spec else "LOWER" if "LOWER" in spec else "ORTH"
        value = spec[attr]
        if isinstance(value, dict) and "REGEX" in value:
            return Step(REGEX, frozenset(), lo, hi, re.compile(value["REGEX"]))
        values = frozenset(value["IN"] if isinstance(value, dict) else [value])
        # ORTH is only used for hyphens, which have no case: LOWER is the same.
        return Step(NORM if attr == "NORM" else LOWER, values, lo, hi)
    if spec.get("LIKE_NUM"):
        return Step(NUM, frozenset(), lo, hi)
    if set(spec) <= {"OP"}:
        return Step(ANY, frozenset(), lo, hi)
    raise ValueError(f"unsupported token spec {spec!r}")


# Words too common to file a pattern under: almost every sentence has one.
def _commonness(value: str) -> int:
    from spacy.lang.en.stop_words import STOP_WORDS

    if value in STOP_WORDS or not value.isalpha():
        return 2  # "in", "your", "%", "-"
    return 1 if len(value) <= 3 else 0


def _anchor(steps: tuple[Step, ...]) -> int | None:
    """Index of the fixed-word step to file a pattern under, or None if its only
    fixed tokens are numbers."""
    words = [k for k, s in enumerate(steps) if s.min and s.kind in (NORM, LOWER)]
    if not words:
        return None
    # Least common word first; then longer words; then fewer alternatives.
    return min(words, key=lambda k: (
        max(_commonness(v) for v in steps[k].values),
        -min(len(v) for v in steps[k].values),
        len(steps[k].values),
    ))


class TokenMatcher:
    def __init__(self):
        # Word -> patterns filed under it: (label, steps, fewest and most tokens before that word).
        self._by_norm: dict[str, list] = defaultdict(list)
        self._by_lower: dict[str, list] = defaultdict(list)
        self._by_num: list = []  # patterns whose only fixed tokens are numbers, filed under numbers
        # One-word patterns (most context cues) need no search: word -> labels.
        self._one_norm: dict[str, list[str]] = defaultdict(list)
        self._one_lower: dict[str, list[str]] = defaultdict(list)
        self._keys: tuple[frozenset[str], ...] | None = None  # the indexes' words, made on first use

    def add(self, label: str, patterns: list[list[dict]]) -> None:
        self._keys = None
        for pattern in patterns:
            steps = tuple(_step(s) for s in pattern)
            if not steps or steps[0].kind == ANY:
                raise ValueError(f"{label}: a pattern cannot start with a wildcard")
            if len(steps) == 1 and steps[0].min == 1 and steps[0].kind in (NORM, LOWER):
                index = self._one_norm if steps[0].kind == NORM else self._one_lower
                for v in steps[0].values:
                    index[v].append(label)
                continue
            k = _anchor(steps)
            if k is None:
                k = next((k for k, s in enumerate(steps) if s.min and s.kind in (NUM, REGEX)), None)
                if k is None:
                    raise ValueError(f"{label}: a pattern needs at least one word that is not optional")
            # Every fixed word of the pattern must be in the unit: one set test per unit.
            required = tuple(s.values for s in steps if s.min and s.kind in (NORM, LOWER))
            entry = (label, steps, sum(s.min for s in steps[:k]), sum(s.max for s in steps[:k]), required)
            if steps[k].kind in (NUM, REGEX):  # REGEX steps only ever match numbers ("<small>")
                self._by_num.append(entry)
            else:
                index = self._by_norm if steps[k].kind == NORM else self._by_lower
                for v in steps[k].values:
                    index[v].append(entry)

    def __call__(self, norms: list[str], lowers: list[str], nums: list[bool]) -> list[tuple[str, int, int]]:
        """(label, start, end) of the longest match of each pattern at each start."""
        out: dict[tuple[str, int], int] = {}
        n = len(norms)
        if self._keys is None:
            self._keys = tuple(frozenset(d) for d in (self._one_norm, self._one_lower, self._by_norm, self._by_lower))
        one_norm_keys, one_lower_keys, norm_keys, lower_keys = self._keys
        nset, lset = set(norms), set(lowers)
        # Set intersections (in C) find the few words of this unit that anything is filed under.
        found = [(w, norms) for w in nset & one_norm_keys]
        found += [(w, lowers) for w in lset & one_lower_keys]
        for w, seq in found:
            labels = (self._one_norm if seq is norms else self._one_lower)[w]
            for i in _positions(seq, w):
                for label in labels:
                    out.setdefault((label, i), i + 1)
        anchors = [(w, norms, self._by_norm[w]) for w in nset & norm_keys]
        anchors += [(w, lowers, self._by_lower[w]) for w in lset & lower_keys]
        if self._by_num and True in nums:
            anchors.append((True, nums, self._by_num))
        if not anchors:
            return [(label, start, end) for (label, start), end in out.items()]
        words = nset | lset
        failed: set[int] = set()  # patterns missing a fixed word
        tried: set[tuple[int, int]] = set()  # (pattern, start) already searched
        for w, seq, entries in anchors:
            where = None
            for entry in entries:
                label, steps, pre_min, pre_max, required = entry
                if id(entry) in failed:
                    continue
                if any(values.isdisjoint(words) for values in required):
                    failed.add(id(entry))
                    continue
                if where is None:
                    where = _positions(seq, w)
                for i in where:
                    for start in range(max(0, i - pre_max), i - pre_min + 1):
                        key = (id(entry), start)
                        if key in tried:
                            continue
                        tried.add(key)
                        end = _longest(steps, norms, lowers, nums, start, n)
                        if end is not None and end > out.get((label, start), start):
                            out[(label, start)] = end
        return [(label, start, end) for (label, start), end in out.items()]


def _positions(seq: list, value) -> list[int]:
    if seq.count(value) == 1:
        return [seq.index(value)]
    return [i for i, x in enumerate(seq) if x == value]


def _longest(steps, norms, lowers, nums, start: int, n: int) -> int | None:
    positions = {start}
    for step in steps:
        nxt: set[int] = set()
        for p in positions:
            if step.min == 0:
                nxt.add(p)
            # A wildcard gap takes 1..max tokens; a single step takes one.
            q = p
            for _ in range(step.max):
                if q >= n or not step.test(norms, lowers, nums, q):
                    break
                q += 1
                nxt.add(q)
        if not nxt:
            return None
        positions = nxt
    end = max(positions)
    return end if end > start else None

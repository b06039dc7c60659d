"""A token-pattern matcher indexed by a rare word of each pattern, for the patterns in patterns.py.

The patterns are spaCy Matcher patterns (NORM / LOWER / LIKE_NUM constraints,
optional tokens, `{0,n}` wildcards), and tests check that this matcher finds
exactly what spaCy's Matcher finds. It exists for speed: spaCy's Matcher
tries every pattern at every token (about 5.5 s for the ~600 patterns on a
100-page proposal, measured by benchmarks/lint.py). Here each pattern is
filed under one fixed word it must contain, its least common one ("days" in
"within <num> working days", not "within"), and then under its second fixed
word, so a sentence only wakes the patterns whose two words it has. A woken
pattern is matched outwards from where its word stands: forward for the end,
backward for the starts.
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


def _rarity_order(steps: tuple[Step, ...]) -> list[int]:
    """Indexes of the fixed-word steps, least common word first (then longer
    words, then fewer alternatives)."""
    words = [k for k, s in enumerate(steps) if s.min and s.kind in (NORM, LOWER)]
    return sorted(words, key=lambda k: (
        max(_commonness(v) for v in steps[k].values),
        -min(len(v) for v in steps[k].values),
        len(steps[k].values),
    ))


@dataclass(frozen=True, eq=False)
class _Entry:
    """A pattern split at its anchor step: matched forward from the anchor for
    the end, backward for the starts."""

    label: str
    anchor: Step
    before: tuple[Step, ...]  # the steps before the anchor, last first
    after: tuple[Step, ...]
    others: tuple[frozenset[str], ...]  # the other fixed words, all needed in the unit


class _Filed(defaultdict):
    """The patterns filed under one word, by their second fixed word (None: no
    other); `seconds` holds the non-None keys once matching starts."""

    def __init__(self):
        super().__init__(list)
        self.seconds: frozenset[str] = frozenset()


class TokenMatcher:
    def __init__(self):
        # Word -> the patterns filed under it, keyed by their second fixed word
        # (None: the pattern has no other one).
        self._by_norm: dict[str, _Filed] = defaultdict(_Filed)
        self._by_lower: dict[str, _Filed] = defaultdict(_Filed)
        self._by_num: list[_Entry] = []  # patterns whose only fixed tokens are numbers
        # One-word patterns (most context cues) need no search: word -> labels.
        self._one_norm: dict[str, list[str]] = defaultdict(list)
        self._one_lower: dict[str, list[str]] = defaultdict(list)
        self._keys: tuple | None = None  # the indexes' key sets, made on first use

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
            order = _rarity_order(steps)
            if order:
                k = order[0]
            else:  # REGEX steps only ever match numbers ("<small>")
                k = next((k for k, s in enumerate(steps) if s.min and s.kind in (NUM, REGEX)), None)
                if k is None:
                    raise ValueError(f"{label}: a pattern needs at least one word that is not optional")
            entry = _Entry(label, steps[k], steps[:k][::-1], steps[k + 1:], tuple(steps[j].values for j in order[1:]))
            if not order:
                self._by_num.append(entry)
                continue
            index = self._by_norm if steps[k].kind == NORM else self._by_lower
            seconds = entry.others[0] if entry.others else [None]
            for v in steps[k].values:
                for second in seconds:
                    index[v][second].append(entry)

    def words(self, label: str) -> frozenset[str]:
        """The words of `label`'s one-word patterns (lemmas and lower-case forms)."""
        return frozenset(w for index in (self._one_norm, self._one_lower) for w, labels in index.items() if label in labels)

    def __call__(self, norms: list[str], lowers: list[str], nums: list[bool]) -> list[tuple[str, int, int]]:
        """(label, start, end) of the longest match of each pattern at each start."""
        found = self.find(norms, lowers, nums, set(norms), set(lowers), {})
        return [(label, start, end) for (label, start), end in found.items()]

    def find(self, norms, lowers, nums, nset: set[str], lset: set[str], out: dict) -> dict[tuple[str, int], int]:
        """Add the matches to `out` as (label, start) -> end; `nset`/`lset` are the
        sets of `norms`/`lowers` (callers running several matchers make them once)."""
        if self._keys is None:
            self._keys = tuple(frozenset(d) for d in (self._one_norm, self._one_lower, self._by_norm, self._by_lower))
            for d in (self._by_norm, self._by_lower):
                for filed in d.values():
                    filed.seconds = frozenset(k for k in filed if k)
        one_norm_keys, one_lower_keys, norm_keys, lower_keys = self._keys
        # Set intersections (in C) find the few words of this unit that anything is filed under.
        for keys, seq, index in ((nset & one_norm_keys, norms, self._one_norm),
                                 (lset & one_lower_keys, lowers, self._one_lower)):
            for w in keys:
                labels = index[w]
                for i in _positions(seq, w):
                    for label in labels:
                        out.setdefault((label, i), i + 1)
        found = [(w, norms, self._by_norm[w]) for w in nset & norm_keys]
        found += [(w, lowers, self._by_lower[w]) for w in lset & lower_keys]
        if not found and not (self._by_num and True in nums):
            return out
        words = nset | lset
        n = len(norms)
        for w, seq, filed in found:
            entries = filed.get(None, [])
            for second in words & filed.seconds:
                entries = entries + filed[second]
            where = None
            seen = set()
            for entry in entries:
                if id(entry) in seen:
                    continue
                seen.add(id(entry))
                if any(values.isdisjoint(words) for values in entry.others[1:]):
                    continue
                if where is None:
                    where = _positions(seq, w)
                for i in where:
                    _match_at(entry, i, norms, lowers, nums, n, out)
        if self._by_num and True in nums:
            numbers = [i for i, x in enumerate(nums) if x]
            for entry in self._by_num:
                if any(values.isdisjoint(words) for values in entry.others):
                    continue
                for i in numbers:
                    if entry.anchor.test(norms, lowers, nums, i):
                        _match_at(entry, i, norms, lowers, nums, n, out)
        return out


def _positions(seq: list, value) -> list[int]:
    if seq.count(value) == 1:
        return [seq.index(value)]
    return [i for i, x in enumerate(seq) if x == value]


def _match_at(entry: _Entry, i: int, norms, lowers, nums, n: int, out: dict) -> None:
    """Record the matches of `entry` whose anchor step is token i: the furthest
    end reachable after it, for every start reachable before it."""
    ends = _reach(entry.after, norms, lowers, nums, i + 1, 1, n)
    if not ends:
        return
    end = max(ends)
    label = entry.label
    for start in _reach(entry.before, norms, lowers, nums, i, -1, n):
        if end > out.get((label, start), start):
            out[(label, start)] = end


def _reach(steps, norms, lowers, nums, pos: int, direction: int, n: int) -> set[int]:
    """Boundaries reachable from `pos` by matching `steps` in `direction`
    (+1: forward, boundaries are ends; -1: backward, boundaries are starts)."""
    positions = {pos}
    for step in steps:
        nxt: set[int] = set()
        for p in positions:
            if step.min == 0:
                nxt.add(p)
            # A wildcard gap takes 1..max tokens; a single step takes one.
            q = p
            for _ in range(step.max):
                t = q if direction > 0 else q - 1
                if not 0 <= t < n or not step.test(norms, lowers, nums, t):
                    break
                q += direction
                nxt.add(q)
        if not nxt:
            return nxt
        positions = nxt
    return positions

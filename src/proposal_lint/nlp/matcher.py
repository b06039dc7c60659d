"""A token-pattern matcher indexed by first token, for the patterns in patterns.py.

The patterns are spaCy Matcher patterns (NORM / LOWER / LIKE_NUM constraints,
optional tokens, `{0,n}` wildcards), and tests check that this matcher finds
exactly what spaCy's Matcher finds. It exists for speed: spaCy's Matcher
tries every pattern at every token (about 5.5 s for the ~450 patterns on a
100-page proposal, measured by benchmarks/lint.py), while here a token only
starts the patterns whose first word it can be, so most tokens cost two dict
look-ups.
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


class TokenMatcher:
    def __init__(self):
        self._by_norm: dict[str, list] = defaultdict(list)
        self._by_lower: dict[str, list] = defaultdict(list)
        self._by_num: list = []

    def add(self, label: str, patterns: list[list[dict]]) -> None:
        for pattern in patterns:
            steps = tuple(_step(s) for s in pattern)
            # Words the text must contain somewhere for the pattern to match at
            # all: a cheap set test before trying it position by position.
            required = tuple(s.values for s in steps if s.min and s.kind in (NORM, LOWER))
            entry = (label, steps, required)
            # Index on every step that can be the first token matched.
            for step in steps:
                if step.kind == NORM:
                    for v in step.values:
                        self._by_norm[v].append(entry)
                elif step.kind == LOWER:
                    for v in step.values:
                        self._by_lower[v].append(entry)
                elif step.kind in (NUM, REGEX):  # tried wherever a number is
                    self._by_num.append(entry)
                else:
                    raise ValueError(f"{label}: a pattern cannot start with a wildcard")
                if step.min:
                    break

    def __call__(self, norms: list[str], lowers: list[str], nums: list[bool]) -> list[tuple[str, int, int]]:
        """(label, start, end) of the longest match of each pattern at each start."""
        out: dict[tuple[str, int], int] = {}
        n = len(norms)
        by_norm, by_lower, by_num = self._by_norm, self._by_lower, self._by_num
        words: set[str] | None = None
        for i in range(n):
            c1, c2 = by_norm.get(norms[i]), by_lower.get(lowers[i])
            if not (c1 or c2 or nums[i]):
                continue
            for label, steps, required in (c1 or []) + (c2 or []) + (by_num if nums[i] else []):
                # Most cue words are one token long, and the index already
                # checked that token.
                if len(steps) == 1 and steps[0].min == 1:
                    end = i + 1
                else:
                    if words is None:
                        words = set(norms) | set(lowers)
                    if any(values.isdisjoint(words) for values in required):
                        continue
                    end = _longest(steps, norms, lowers, nums, i, n)
                if end is not None and end > out.get((label, i), i):
                    out[(label, i)] = end
        return [(label, start, end) for (label, start), end in out.items()]


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

"""Compile the phrase notation used in rules/concepts/*.yaml to spaCy Matcher patterns.

A phrase is written like the text it should catch, one word per token:

    fine-tune                 lemma match: fine-tuned, Fine-Tuning, fine tune
    train * model             `*` = up to 3 other tokens in between
    train *1 model            `*N` = up to N other tokens
    llm|llms|hand-labelled    alternatives for one word
    =was|=were                exact lower-case forms (no lemmatising: keeps tense)
    <num>                     a number (81, 0.92, 12,000)
    <small>                   a whole number below 1,000 (written without separators)
    ?custom                   an optional word

Hyphens inside a word are optional in the text, so "fine-tune" also meets
"fine tune", and words may be hyphenated: "golden set" meets "golden-set". Spellings that tokenise differently ("finetune") are listed as
their own phrases: that is a vocabulary choice, kept in YAML.
"""

from __future__ import annotations

import itertools
import re

_HYPHENS = ["-", "‐", "‑", "–"]
_GAP = re.compile(r"^\*(\d*)$")
_MAX_BRANCHES = 64
SMALL_NUMBER = r"^[1-9][0-9]{0,2}$"  # 1..999: "120 adverts a month"


class PatternError(ValueError):
    pass


def _word_specs(word: str, phrase: str) -> list[list[dict]]:
    """The alternative token-spec sequences one notation word stands for."""
    from proposal_lint.nlp.pipeline import get_nlp, norm

    tokenizer = get_nlp().tokenizer
    gap = _GAP.match(word)
    if gap:
        return [[{"OP": f"{{0,{int(gap.group(1) or 3)}}}"}]]
    optional = word.startswith("?") and len(word) > 1
    if optional:
        word = word[1:]
    exact = word.startswith("=") and len(word) > 1
    # A lone "|" is the table-cell separator itself, not an empty alternative.
    alts = ["|"] if word == "|" else [a.lstrip("=") for a in word.split("|") if a.lstrip("=")]
    if not alts:
        raise PatternError(f"empty word in {phrase!r}")
    single: list[str] = []
    branches: list[list[dict]] = []
    for alt in alts:
        if alt == "<num>":
            branches.append([{"LIKE_NUM": True}])
            continue
        if alt == "<small>":
            branches.append([{"LOWER": {"REGEX": SMALL_NUMBER}}])
            continue
        toks = [t.text for t in tokenizer(alt)]
        if len(toks) == 1:
            single.append(alt)
            continue
        seq = []
        for t in toks:
            if t in _HYPHENS:
                seq.append({"ORTH": {"IN": _HYPHENS}, "OP": "?"})
            else:
                seq.append({"LOWER": t.lower()} if exact else {"NORM": norm(t)})
        branches.append(seq)
    if single:
        if exact:
            branches.append([{"LOWER": {"IN": sorted({a.lower() for a in single})}}])
        else:
            branches.append([{"NORM": {"IN": sorted({norm(a) for a in single})}}])
    if optional:
        if any(len(b) != 1 for b in branches):
            raise PatternError(f"only single-token words can be optional: {word!r} in {phrase!r}")
        branches = [[dict(b[0], OP="?")] for b in branches]
    return branches


def compile_phrase(phrase: str) -> list[list[dict]]:
    """One phrase -> one or more Matcher patterns (multi-token alternatives branch)."""
    words = phrase.split()
    if not words:
        raise PatternError("empty pattern")
    if _GAP.match(words[0]) or _GAP.match(words[-1]):
        raise PatternError(f"a pattern cannot start or end with a gap: {phrase!r}")
    per_word = [_word_specs(w, phrase) for w in words]
    total = 1
    for options in per_word:
        total *= len(options)
    if total > _MAX_BRANCHES:
        raise PatternError(f"too many alternative spellings in {phrase!r}; split it into several phrases")
    # Words may also be joined by a hyphen in the text: "golden set" meets "golden-set".
    hyphen = [{"ORTH": {"IN": _HYPHENS}, "OP": "?"}]
    out = []
    for combo in itertools.product(*per_word):
        pattern: list[dict] = []
        for i, seq in enumerate(combo):
            if i and not _is_gap(seq) and not _is_gap(combo[i - 1]):
                pattern.extend(hyphen)
            pattern.extend(seq)
        out.append(pattern)
    return out


def _is_gap(seq: list[dict]) -> bool:
    return len(seq) == 1 and set(seq[0]) == {"OP"}

"""nlp/matcher.py must find exactly what spaCy's Matcher finds for our patterns.

spaCy's Matcher is the reference; ours only adds an index for
speed (see benchmarks/lint.py). Compared on real fixture text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.matcher import Matcher

from proposal_lint.nlp.matcher import TokenMatcher
from proposal_lint.nlp.pipeline import token_arrays
from proposal_lint.nlp.patterns import PatternError, compile_phrase
from proposal_lint.rules.concepts import _merge, compiled_patterns
from proposal_lint.rules.loader import load_ruleset

SOURCES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "proposals" / "src").glob("*.md"))


@pytest.fixture(scope="module")
def both():
    patterns = compiled_patterns(load_ruleset())
    nlp = spacy.blank("en")
    nlp.add_pipe("proposal_lint_norm")  # token.norm_ = lemma, what the patterns use
    reference = Matcher(nlp.vocab)
    ours = TokenMatcher()
    for label, pats in patterns.items():
        reference.add(label, pats)
        ours.add(label, pats)
    return nlp, reference, ours


def _by_label(pairs):
    out = {}
    for label, s, e in pairs:
        out.setdefault(label, []).append((s, e))
    return {k: _merge(v) for k, v in out.items()}


@pytest.mark.parametrize("source", SOURCES[::2], ids=lambda p: p.stem)
def test_same_matches_as_spacy(both, source):
    nlp, reference, ours = both
    text = source.read_text(encoding="utf-8")
    total = 0
    for para in filter(None, (p.strip() for p in text.split("\n\n"))):
        doc = nlp(para)
        expected = _by_label((nlp.vocab.strings[m], s, e) for m, s, e in reference(doc))
        got = _by_label(ours(*token_arrays(doc)))
        assert got == expected, para[:200]
        total += sum(map(len, got.values()))
    assert total > 20  # the comparison saw real matches


def test_pattern_notation():
    [p] = compile_phrase("train *2 model|llm")
    assert p == [{"NORM": {"IN": ["train"]}}, {"OP": "{0,2}"}, {"NORM": {"IN": ["llm", "model"]}}]
    assert compile_phrase("=was")[0] == [{"LOWER": {"IN": ["was"]}}]
    num = compile_phrase("<num> %")[0]
    assert num[0] == {"LIKE_NUM": True} and num[-1] == {"NORM": {"IN": ["%"]}}
    assert num[1]["OP"] == "?"  # words may be hyphenated: "81-%" is odd, "golden-set" is not
    assert len(compile_phrase("hand-labelled|labelled sample")) == 2  # a multi-word alternative branches
    with pytest.raises(PatternError):
        compile_phrase("* model")


def test_lemmas_that_would_change_meaning_are_kept():
    from proposal_lint.nlp.pipeline import norm

    assert norm("AI") == "ai" and norm("have") == "have"  # the table says "ai" -> "have"
    assert norm("feed") == "feed" and norm("fees") == "fee"
    assert norm("trained") == "train" and norm("Fine-Tuning".split("-")[1]) == "tune"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_sentence_starts_as_spacy_sentencizer(source):
    """nlp/pipeline.sentence_starts applies the rule of spaCy's Sentencizer on arrays."""
    import numpy as np
    from spacy.attrs import IS_PUNCT, ORTH

    from proposal_lint.nlp.pipeline import get_nlp, sentence_starts

    from spacy.pipeline import Sentencizer

    reference = Sentencizer()
    tokenizer = get_nlp().tokenizer
    starts_seen = 0
    for para in filter(None, (p.strip() for p in source.read_text(encoding="utf-8").split("\n\n"))):
        expected = [s.start for s in reference(tokenizer(para)).sents]
        doc = tokenizer(para)
        orth, is_punct = doc.to_array([ORTH, IS_PUNCT]).T
        got = np.flatnonzero(sentence_starts(doc.vocab, orth, is_punct, np.array([0]))).tolist()
        assert got == expected, para[:200]
        starts_seen += len(got)
    assert starts_seen > 10


def test_blank_line_ends_a_sentence():
    from proposal_lint.nlp.pipeline import get_nlp

    doc = get_nlp()("Scope and approach\n\nWe will fine-tune a model. It runs (on premises) daily! Done")
    assert [s.text.strip() for s in doc.sents] == [
        "Scope and approach", "We will fine-tune a model.", "It runs (on premises) daily!", "Done"]

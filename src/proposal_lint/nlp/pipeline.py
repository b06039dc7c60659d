"""The one spaCy pipeline: blank English with a sentencizer, plus lookup lemmas.

No statistical model is ever downloaded: `spacy.blank("en")` tokenises, the
rule of spaCy's Sentencizer splits sentences (computed on token arrays, see
sentence_starts), and lemmas come from the English lookup table shipped by
spacy-lookups-data (the table spaCy's lookup lemmatizer uses). We look up the
lower-cased form, so "Fine-Tuned", "fine-tuning" and "fine tune" all meet the
pattern "fine-tune". We read the table directly instead of running spaCy's
Lemmatizer component: that component looks up the cased form ("Tuning" stays
"Tuning") and costs more than tokenising (0.12 s per 100 pages, see
benchmarks/lint.py).
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc


# Where the lookup table's lemma is another word: "ai" -> "have" (from
# "ain't"), "as" -> "a", "feed" -> "fee". Kept as themselves, so that "AI"
# never matches "have" and a "product feed" is not a fee.
LEMMA_OVERRIDES = {"ai": "ai", "as": "as", "feed": "feed", "number": "number", "hs": "hs", "ground": "ground"}


class _LemmaTable(dict):
    """Lower-case form -> lemma, memoised over spaCy's lookup Table."""

    def __init__(self, table):
        super().__init__(LEMMA_OVERRIDES)
        self._table = table

    def __missing__(self, low: str) -> str:
        lemma = self._table.get(low, low)
        self[low] = lemma
        return lemma


@lru_cache(maxsize=1)
def _lemma_table() -> _LemmaTable:
    from spacy.lookups import load_lookups

    return _LemmaTable(load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup"))


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """Build the pipeline once per process."""
    nlp = spacy.blank("en")
    # Abbreviations common in proposals, kept whole so that the sentencizer does
    # not end a sentence at "approx." or "incl.".
    for abbr in ("approx.", "appx.", "ca.", "incl.", "excl.", "est.", "no.", "nr.", "vs.", "resp.", "max.", "min.", "avg.", "wk.", "mo.", "yr.", "p.a.", "e.g.", "i.e.", "etc.", "cf.", "fig.", "sec.", "approx"):
        for form in {abbr, abbr.capitalize()}:
            nlp.tokenizer.add_special_case(form, [{"ORTH": form}])
    nlp.add_pipe("proposal_lint_sentencizer")
    # Long proposals are processed block by block; this only guards odd inputs.
    nlp.max_length = 5_000_000
    return nlp


@Language.component("proposal_lint_sentencizer")
def sentencize(doc: Doc) -> Doc:
    """spaCy's rule-based Sentencizer on arrays (see sentence_starts), where a
    blank line also ends a sentence."""
    import numpy as np
    from spacy.attrs import IS_PUNCT, IS_SPACE, ORTH, SENT_START

    if not len(doc):
        return doc
    orth, is_punct, is_space = doc.to_array([ORTH, IS_PUNCT, IS_SPACE]).T
    blank = np.zeros(len(doc), dtype=bool)
    for i in np.flatnonzero(is_space).tolist():
        blank[i] = "\n\n" in doc[i].text
    paragraphs = np.concatenate(([0], np.flatnonzero(blank[:-1]) + 1))
    starts = sentence_starts(doc.vocab, orth, is_punct | blank, paragraphs)
    doc.from_array([SENT_START], np.where(starts, 1, -1).astype("int64").astype("uint64").reshape(-1, 1))
    return doc


def sentence_starts(vocab, orth, is_punct, paragraphs):
    """Which tokens start a sentence, by the rule of spaCy's Sentencizer: the
    first token that is neither punctuation nor sentence-final ("." "!" "?" ...)
    after a sentence-final character; and the first token of each paragraph
    (`paragraphs`: their first token indexes, ascending, starting with 0).

    One numpy pass instead of spaCy's Python step per token, which took a third
    of NLP time on a 100-page proposal (benchmarks/lint.py). tests/test_matcher.py
    checks it against spaCy's Sentencizer.
    """
    import numpy as np

    final = np.zeros(len(orth), dtype=bool)
    for f in _final_ids(vocab):  # ~30 vector compares: faster than np.isin's sort
        final |= orth == f
    starts = np.zeros(len(orth), dtype=bool)
    starts[paragraphs] = True
    words = np.flatnonzero(~final & (is_punct == 0))
    if len(words):
        # A word starts a sentence when a sentence-final character lies between
        # it and the word before it (or its paragraph's start).
        prev = np.empty_like(words)
        prev[0], prev[1:] = -1, words[:-1]
        first = paragraphs[np.searchsorted(paragraphs, words, side="right") - 1]
        after = np.where(prev >= first, prev + 1, first)
        finals_before = np.concatenate(([0], np.cumsum(final)))
        starts[words[finals_before[words] - finals_before[after] > 0]] = True
    return starts


_FINAL_IDS: dict[int, object] = {}


def _final_ids(vocab):
    """String ids of the Sentencizer's sentence-final characters, per vocab."""
    if id(vocab) not in _FINAL_IDS:
        import numpy as np
        from spacy.pipeline import Sentencizer

        _FINAL_IDS[id(vocab)] = np.array([vocab.strings.add(c) for c in Sentencizer.default_punct_chars], dtype="uint64")
    return _FINAL_IDS[id(vocab)]


def norm(word: str) -> str:
    """The lemma of a word, lower-cased: what patterns and tokens are compared on."""
    return _lemma_table()[word.lower()]


def token_arrays(doc: Doc) -> tuple[list[str], list[str], list[bool]]:
    """Per token: lemma (lower-cased), lower-case form, looks like a number."""
    from spacy.attrs import LIKE_NUM, LOWER

    if not len(doc):
        return [], [], []
    # One array call instead of a Token object per token: 3x faster.
    lower_ids, nums = doc.to_array([LOWER, LIKE_NUM]).T
    norms, lowers = lemmas(doc.vocab, lower_ids)
    return norms, lowers, nums.astype(bool).tolist()


def lemmas(vocab, lower_ids) -> tuple[list[str], list[str]]:
    """Lemmas and lower-case forms for an array of LOWER string ids."""
    table, strings = _lemma_table(), vocab.strings
    lowers = [strings[h] for h in lower_ids.tolist()]
    return [table[w] for w in lowers], lowers


@Language.component("proposal_lint_norm")
def set_norms(doc: Doc) -> Doc:
    """Store the lemmas in token.norm_, for spaCy's own Matcher (used by tests as
    the reference implementation of nlp/matcher.py)."""
    for tok, lemma in zip(doc, token_arrays(doc)[0]):
        tok.norm_ = lemma
    return doc

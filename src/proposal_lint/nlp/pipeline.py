"""The one spaCy pipeline: blank English with a sentencizer, plus lookup lemmas.

No statistical model is ever downloaded: `spacy.blank("en")` tokenises and
splits sentences, and lemmas come from the English lookup table shipped by
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
    nlp.add_pipe("sentencizer")
    # Long proposals are processed block by block; this only guards odd inputs.
    nlp.max_length = 5_000_000
    return nlp


def norm(word: str) -> str:
    """The lemma of a word, lower-cased: what patterns and tokens are compared on."""
    return _lemma_table()[word.lower()]


def token_arrays(doc: Doc) -> tuple[list[str], list[str], list[bool]]:
    """Per token: lemma (lower-cased), lower-case form, looks like a number."""
    from spacy.attrs import LIKE_NUM, LOWER

    if not len(doc):
        return [], [], []
    table, strings = _lemma_table(), doc.vocab.strings
    # One array call instead of a Token object per token: 3x faster.
    lower_ids, nums = doc.to_array([LOWER, LIKE_NUM]).T.tolist()
    lowers = [strings[h] for h in lower_ids]
    return [table[w] for w in lowers], lowers, [bool(n) for n in nums]


@Language.component("proposal_lint_norm")
def set_norms(doc: Doc) -> Doc:
    """Store the lemmas in token.norm_, for spaCy's own Matcher (used by tests as
    the reference implementation of nlp/matcher.py)."""
    for tok, lemma in zip(doc, token_arrays(doc)[0]):
        tok.norm_ = lemma
    return doc

"""The one spaCy pipeline: blank English, sentencizer, lookup lemmas.

No statistical model is ever downloaded: `spacy.blank("en")` plus the lemma
lookup table shipped by spacy-lookups-data. Rules match on `token.norm_`,
which we set to the lower-cased lookup lemma, so "Fine-Tuned", "fine-tuning"
and "fine tune" all meet the pattern "fine-tune".
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc


@Language.component("proposal_lint_norm")
def _norm_component(doc: Doc) -> Doc:
    table = _lemma_table()
    for tok in doc:
        low = tok.lower_
        tok.norm_ = table[low]
    return doc


class _LemmaTable(dict):
    """Lower-case form -> lemma, memoised over spaCy's lookup Table.

    spaCy looks up the surface form, so "Tuning" at a sentence start would
    stay "Tuning"; looking up the lower-case form avoids that.
    """

    def __init__(self, table):
        super().__init__()
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
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("proposal_lint_norm")
    nlp.initialize()
    # Long proposals are processed block by block; this only guards odd inputs.
    nlp.max_length = 5_000_000
    return nlp


def norm(word: str) -> str:
    """The normal form a pattern word must take to meet token.norm_."""
    return _lemma_table()[word.lower()]

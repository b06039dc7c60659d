"""Cut a Document into the units rules look at: sentences and table rows.

A sentence keeps its block and character offsets inside that block, so every
quote is verbatim and traceable to a page and a section. A table row is one
unit (cells joined with " | "), because a row is what a reader takes as one
statement: "Few-shot prompt | 81 % | 0.78".
"""

from __future__ import annotations

from collections.abc import Iterator

from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from proposal_lint.model import NON_BODY_KINDS, Block, BlockKind, Document

CELL_SEP = " | "


@dataclass(eq=False)  # identity: units are compared and looked up by object
class Unit:
    doc: Doc  # the segment's tokens; this unit is doc[first:last]
    first: int
    last: int
    blocks: list[Block]  # the block (or the table row's cells) it comes from
    start: int | None  # offsets inside blocks[0].text; None for table rows
    end: int | None
    table: int | None = None
    row: int | None = None
    header_row: "Unit | None" = None  # for table rows: the table's first row
    norms: list[str] = field(default_factory=list)  # per token of span: lower-cased lemma
    lowers: list[str] = field(default_factory=list)
    nums: list[bool] = field(default_factory=list)
    source: str = ""  # the block text, or the joined row
    hits: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # group -> token ranges in span
    concepts: set[str] = field(default_factory=set)  # the concept ids of `hits`
    heading_flags: frozenset[str] = frozenset()  # e.g. {"rejected"} from the section path
    cues: object = None  # context.ContextCues, set once by rules.concepts.annotate

    @property
    def span(self) -> Span:
        """The tokens of this unit (made when a context check first needs them;
        by hand rather than functools.cached_property, which takes a lock per
        access on Python 3.11)."""
        span = self.__dict__.get("_span")
        if span is None:
            span = self.__dict__["_span"] = self.doc[self.first : self.last]
        return span

    @property
    def block(self) -> Block:
        return self.blocks[0]

    @property
    def kind(self) -> BlockKind:
        return self.block.kind

    @property
    def text(self) -> str:
        text = self.__dict__.get("_text")
        if text is None:
            text = self.__dict__["_text"] = self.source if self.start is None else self.source[self.start : self.end]
        return text

    @property
    def has_quotes(self) -> bool:
        text = self.text
        return '"' in text or "“" in text or "«" in text

    @property
    def page(self) -> int | None:
        return self.block.page

    @property
    def section(self) -> list[str]:
        return self.block.section

    @property
    def is_heading(self) -> bool:
        return self.kind == BlockKind.heading


def _segments(document: Document) -> Iterator[tuple[str, list[Block], int | None, int | None]]:
    """(text, blocks, table, row) in reading order; table cells grouped by row."""
    pending: list[Block] = []
    key: tuple[int, int] | None = None

    def flush():
        if pending:
            text = CELL_SEP.join(b.text.strip() for b in pending if b.text.strip())
            yield text, list(pending), key[0], key[1]
            pending.clear()

    for block in document.blocks:
        if block.kind in NON_BODY_KINDS or not block.text.strip():
            continue
        if block.kind == BlockKind.table_cell and block.table is not None:
            k = (block.table.table, block.table.row)
            if k != key:
                yield from flush()
                key = k
            pending.append(block)
            continue
        yield from flush()
        key = None
        if block.kind == BlockKind.table_row and block.table is not None:
            yield block.text, [block], block.table.table, block.table.row
        else:
            yield block.text, [block], None, None
    yield from flush()


def make_units(document: Document, nlp) -> list[Unit]:
    """The document's sentences and table rows.

    Each segment (paragraph, heading, table row...) is tokenised on its own,
    which lets spaCy's tokenizer cache words, and then the arrays of all
    segments are read together: lemmas and sentence starts in one pass per
    document instead of per block (that per-block work cost more than
    tokenising, benchmarks/lint.py).
    """
    import numpy as np
    from spacy.attrs import IDX, IS_PUNCT, LIKE_NUM, LOWER, ORTH, SPACY

    from proposal_lint.nlp.pipeline import lemmas, sentence_starts

    segments = list(_segments(document))
    docs = list(nlp.tokenizer.pipe(s[0] for s in segments))
    sizes = [len(d) for d in docs]
    if not sum(sizes):
        return []
    arrays = np.concatenate([d.to_array([ORTH, LOWER, LIKE_NUM, IS_PUNCT, IDX, SPACY]) for d in docs if len(d)])
    orth, lower_ids, like_num, is_punct, idx, space = arrays.T
    firsts = np.cumsum([0] + sizes[:-1])
    starts = np.flatnonzero(sentence_starts(nlp.vocab, orth, is_punct, np.unique(firsts[np.array(sizes) > 0])))
    norms, lowers = lemmas(nlp.vocab, lower_ids)
    nums = like_num.astype(bool).tolist()
    starts, idx, space = starts.tolist(), idx.tolist(), space.tolist()
    units: list[Unit] = []
    first_row: dict[int, Unit] = {}
    j = 0  # next sentence start
    for (text, blocks, table, row), doc, base in zip(segments, docs, firsts.tolist()):
        n = len(doc)
        if not n:
            continue

        def unit(a: int, b: int, **kw) -> Unit:
            g, h = base + a, base + b
            return Unit(doc, a, b, blocks, norms=norms[g:h], lowers=lowers[g:h], nums=nums[g:h], source=text, **kw)

        if table is not None:
            u = unit(0, n, start=None, end=None, table=table, row=row)
            if table in first_row:
                u.header_row = first_row[table]
            else:
                first_row[table] = u
            units.append(u)
            continue
        a = 0
        while a < n:
            while j < len(starts) and starts[j] <= base + a:
                j += 1
            b = min(starts[j] - base, n) if j < len(starts) else n
            # Character range: from the first token to the end of the last (the
            # next token's start less the last token's trailing space).
            start = idx[base + a]
            end = (idx[base + b] if b < n else len(text)) - space[base + b - 1]
            if text[start:end].strip():
                units.append(unit(a, b, start=start, end=end))
            a = b
    return units

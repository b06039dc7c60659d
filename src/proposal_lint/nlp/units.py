"""Cut a Document into the units rules look at: sentences and table rows.

A sentence keeps its block and character offsets inside that block, so every
quote is verbatim and traceable to a page and a section. A table row is one
unit (cells joined with " | "), because a row is what a reader takes as one
statement: "Few-shot prompt | 81 % | 0.78".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from spacy.tokens import Doc, Span

from proposal_lint.model import NON_BODY_KINDS, Block, BlockKind, Document
from proposal_lint.nlp.pipeline import token_arrays

CELL_SEP = " | "


@dataclass(eq=False)  # identity: units are compared and looked up by object
class Unit:
    span: Span  # the tokens of this unit
    blocks: list[Block]  # the block (or the table row's cells) it comes from
    start: int | None  # offsets inside blocks[0].text; None for table rows
    end: int | None
    table: int | None = None
    row: int | None = None
    header_row: "Unit | None" = None  # for table rows: the table's first row
    norms: list[str] = field(default_factory=list)  # per token of span: lower-cased lemma
    lowers: list[str] = field(default_factory=list)
    nums: list[bool] = field(default_factory=list)
    source: str = ""  # the text the spaCy Doc was made from (block text or joined row)
    hits: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # group -> token ranges in span
    heading_flags: set[str] = field(default_factory=set)  # e.g. {"rejected"} from the section path
    cues: object = None  # context.ContextCues, set once by rules.concepts.annotate

    @property
    def block(self) -> Block:
        return self.blocks[0]

    @property
    def kind(self) -> BlockKind:
        return self.block.kind

    @cached_property
    def text(self) -> str:
        if self.start is None:
            return self.source
        return self.source[self.start : self.end]

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
    segments = list(_segments(document))
    units: list[Unit] = []
    first_row: dict[int, Unit] = {}
    docs: Iterator[Doc] = nlp.pipe(s[0] for s in segments)
    for (text, blocks, table, row), doc in zip(segments, docs):
        norms, lowers, nums = token_arrays(doc)

        def unit(span, **kw) -> Unit:
            a, b = span.start, span.end
            return Unit(span, blocks, norms=norms[a:b], lowers=lowers[a:b], nums=nums[a:b], source=text, **kw)

        if table is not None:
            u = unit(doc[:], start=None, end=None, table=table, row=row)
            if table in first_row:
                u.header_row = first_row[table]
            else:
                first_row[table] = u
            units.append(u)
            continue
        for sent in doc.sents:
            if text[sent.start_char : sent.end_char].strip():
                units.append(unit(sent, start=sent.start_char, end=sent.end_char))
    return units

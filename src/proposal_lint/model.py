"""The located document model every pipeline stage shares.

Ingest produces a `Document`: ordered `Block`s, each knowing its page, its
section (heading path) and, for PDF, its bounding box. Rules cite sentences
by (block index, character offsets inside that block's text), so a quote can
always be traced back to a page and a section exactly.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, Field


class BlockKind(str, Enum):
    heading = "heading"
    paragraph = "paragraph"
    list_item = "list_item"
    table_cell = "table_cell"
    table_row = "table_row"
    header = "header"
    footer = "footer"
    footnote = "footnote"
    text_box = "text_box"
    comment = "comment"


# Blocks that are not part of the body text a vendor "says": running headers
# and footers repeat on every page, comments are reviewers' notes.
NON_BODY_KINDS = frozenset({BlockKind.header, BlockKind.footer, BlockKind.comment})


class BBox(BaseModel):
    """PDF user-space box in points, origin top-left of the page (like pdfplumber)."""

    x0: float
    top: float
    x1: float
    bottom: float


class TableRef(BaseModel):
    table: int  # 0-based table number within the document
    row: int
    col: int | None = None  # None for a whole-row block


class Block(BaseModel):
    index: int  # position in Document.blocks
    kind: BlockKind
    text: str
    page: int | None = None  # 1-based; None where unknown (DOCX, TXT)
    section: list[str] = Field(default_factory=list)  # heading path, outermost first
    bbox: BBox | None = None
    level: int | None = None  # heading level (1 = top) or list nesting level
    table: TableRef | None = None


class Format(str, Enum):
    pdf = "pdf"
    docx = "docx"
    text = "text"
    markdown = "markdown"


class Document(BaseModel):
    path: str
    format: Format
    sha256: str
    size: int  # bytes
    pages: int | None = None  # None where the format has no pages
    producer: str | None = None
    title: str | None = None
    blocks: list[Block] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def section_label(self, block: Block) -> str | None:
        """The innermost heading of a block's section, for citations."""
        return block.section[-1] if block.section else None


class IngestError(Exception):
    """A file that could not be turned into a Document, with a stable code.

    Codes: not-found, empty, too-large, unsupported-format, legacy-format,
    encrypted, wrong-password, no-text-layer, corrupt, zip-bomb, unsafe-xml,
    timeout.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self):  # survive pickling across worker processes
        return (IngestError, (self.code, self.message))


# ---- lint results -------------------------------------------------------------


class Severity(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


class Evidence(BaseModel):
    quote: str  # verbatim sentence from the document
    page: int | None = None
    section: str | None = None
    block: int | None = None  # index into Document.blocks
    start: int | None = None  # character offsets inside that block's text
    end: int | None = None
    role: str | None = None  # which part of the rule this supports, e.g. "fine_tuning"
    fingerprint: str | None = None  # quote_fingerprint(quote): survives moved pages


class Suppression(BaseModel):
    """A reviewer accepted this finding (a waiver); it no longer counts."""

    reason: str
    by: str | None = None
    at: str | None = None  # ISO date
    source: str | None = None  # waiver file


class Finding(BaseModel):
    rule_id: str
    name: str
    severity: Severity
    message: str
    why: str
    question: str
    evidence: list[Evidence] = Field(default_factory=list)
    fingerprint: str | None = None  # finding_fingerprint(): stable across re-runs
    suppressed: Suppression | None = None


def quote_fingerprint(quote: str) -> str:
    """Same for the same sentence whatever its page, spacing, case or punctuation."""
    import hashlib
    import re

    words = re.findall(r"\w+", quote.lower())
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:16]


def finding_fingerprint(rule_id: str, document_sha256: str | None, evidence: list[Evidence]) -> str:
    """One finding per rule per document: the rule and the document's first quote."""
    import hashlib

    first = evidence[0].fingerprint if evidence and evidence[0].fingerprint else (document_sha256 or "")
    return hashlib.sha256(f"{rule_id}:{first}".encode()).hexdigest()[:16]


class Recommendation(str, Enum):
    prompt = "prompt"
    rag = "rag"
    fine_tune_justified = "fine-tune-justified"
    no_fine_tuning = "no-fine-tuning"


class Verdict(BaseModel):
    recommendation: Recommendation
    reasons: list[str]


class ErrorInfo(BaseModel):
    code: str
    message: str


class DocumentResult(BaseModel):
    path: str
    sha256: str | None = None
    format: str | None = None
    pages: int | None = None
    verdict: Verdict | None = None
    findings: list[Finding] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None

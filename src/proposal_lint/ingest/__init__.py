"""Ingest: turn a file (PDF, DOCX, TXT, Markdown) into a located Document.

The format is decided by content (magic bytes), never by extension, so a PDF
named .docx still works and a renamed .doc gets a clear error.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from proposal_lint.gcpause import gc_paused
from proposal_lint.model import Document, IngestError

# Extensions a directory walk picks up. Explicitly named files are always
# tried, whatever their extension, because sniffing decides.
SUPPORTED_SUFFIXES = frozenset({".pdf", ".docx", ".docm", ".txt", ".md", ".markdown"})


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 100 * 1024 * 1024  # refuse larger inputs outright
    max_unzipped_bytes: int = 512 * 1024 * 1024  # DOCX: total uncompressed size
    max_zip_ratio: float = 200.0  # DOCX: uncompressed/compressed per member
    timeout_s: float = 60.0  # per-file extraction time limit (enforced by the caller)


def sniff(head: bytes) -> str:
    """Name the container format from the first bytes of a file.

    Returns one of: pdf, zip, ole2, rtf, text, unknown.
    """
    if not head:
        return "empty"
    # PDF readers accept junk (e.g. a Ghostscript banner) before %PDF- in the
    # first KiB; so do we.
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2"  # legacy .doc / .xls, or an encrypted OOXML container
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    if _looks_like_text(head):
        return "text"
    return "unknown"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        # UTF-16 text has NULs; accept it only with a BOM.
        return head.startswith((b"\xff\xfe", b"\xfe\xff"))
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniff window is fine.
        if exc.start >= len(head) - 3:
            return True
        # Latin-1 style text: mostly printable bytes.
        printable = sum(1 for b in head if b >= 0x20 or b in b"\t\r\n\f")
        return printable / len(head) > 0.95


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_document(path: str | Path, *, password: str | None = None, limits: Limits = Limits()) -> Document:
    """Extract a Document from a file, or raise IngestError with a clear message."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise IngestError("not-found", "no such file") from None
    except OSError as exc:
        raise IngestError("unreadable", f"cannot read file: {exc.strerror}") from None
    if path.is_dir():
        raise IngestError("unsupported-format", "is a directory")
    if size == 0:
        raise IngestError("empty", "file is empty (0 bytes)")
    if size > limits.max_file_bytes:
        raise IngestError(
            "too-large",
            f"file is {size / 2**20:.1f} MB, above the {limits.max_file_bytes / 2**20:.0f} MB limit "
            "(raise it with --max-file-size)",
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise IngestError("unreadable", f"cannot read file: {exc.strerror}") from None
    kind = sniff(head)
    digest = sha256_file(path)

    if kind == "pdf":
        from proposal_lint.ingest import pdf

        with gc_paused():
            return pdf.extract(path, sha256=digest, size=size, password=password, limits=limits)
    if kind == "zip":
        from proposal_lint.ingest import docx

        with gc_paused():
            return docx.extract(path, sha256=digest, size=size, limits=limits)
    if kind == "text":
        from proposal_lint.ingest import text

        return text.extract(path, sha256=digest, size=size)
    if kind == "ole2":
        raise IngestError(
            "legacy-format",
            "legacy Word/OLE file (.doc) or password-protected Office file; "
            "save it as .docx or export it to PDF and lint that",
        )
    if kind == "rtf":
        raise IngestError("legacy-format", "RTF file; save it as .docx or export it to PDF and lint that")
    raise IngestError(
        "unsupported-format",
        "not a PDF, DOCX, plain-text or Markdown file (unrecognised content)",
    )

"""Defensive reading of zip containers and XML parts from untrusted files.

Proposals arrive from outside, so a .docx is treated as hostile: the zip's
central directory is checked for bombs before anything is inflated, every
member is read with a hard byte cap (declared sizes can lie), and XML is
parsed without DTDs, entity expansion or network access.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

from proposal_lint.model import IngestError

# Members smaller than this are never called bombs by ratio alone: tiny,
# highly repetitive XML legitimately compresses far beyond 200:1.
RATIO_MIN_BYTES = 1 << 20
MAX_MEMBERS = 10_000
_CHUNK = 1 << 16


class SafeZip:
    """A zip archive whose central directory passed the bomb checks."""

    def __init__(self, path: Path, *, max_unzipped_bytes: int, max_zip_ratio: float):
        try:
            self._zf = zipfile.ZipFile(path)
            infos = self._zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
            raise IngestError("corrupt", f"damaged or truncated zip archive ({exc})") from None
        if len(infos) > MAX_MEMBERS:
            raise IngestError("zip-bomb", f"zip archive has {len(infos)} members (limit {MAX_MEMBERS})")
        total = sum(i.file_size for i in infos)
        if total > max_unzipped_bytes:
            raise IngestError(
                "zip-bomb",
                f"zip archive declares {total / 1e6:.0f} MB uncompressed, "
                f"above the {max_unzipped_bytes / 1e6:.0f} MB limit",
            )
        for info in infos:
            if info.file_size > RATIO_MIN_BYTES:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > max_zip_ratio:
                    raise IngestError(
                        "zip-bomb",
                        f"zip member {info.filename!r} has compression ratio {ratio:.0f}:1 "
                        f"(limit {max_zip_ratio:.0f}:1)",
                    )
        self.max_unzipped_bytes = max_unzipped_bytes
        self._read_total = 0
        # OPC part names are case-insensitive; zip tools disagree on case.
        self._by_name = {}
        for info in infos:
            self._by_name.setdefault(info.filename.lower(), info)

    def close(self) -> None:
        self._zf.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def has(self, name: str) -> bool:
        return name.lstrip("/").lower() in self._by_name

    def names(self) -> list[str]:
        return [i.filename for i in self._by_name.values()]

    def read(self, name: str, *, cap: int | None = None) -> bytes:
        """Read one member, never inflating more than the remaining budget."""
        info = self._by_name.get(name.lstrip("/").lower())
        if info is None:
            raise KeyError(name)
        budget = self.max_unzipped_bytes - self._read_total
        if cap is not None:
            budget = min(budget, cap)
        chunks, got = [], 0
        try:
            with self._zf.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    got += len(chunk)
                    if got > budget:
                        raise IngestError("zip-bomb", f"zip member {info.filename!r} inflates beyond the size limit")
                    chunks.append(chunk)
        except IngestError:
            raise
        except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
            raise IngestError("encrypted", f"zip member {info.filename!r} is password-encrypted ({exc})") from None
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise IngestError("corrupt", f"cannot read zip member {info.filename!r} ({exc})") from None
        except Exception as exc:  # zlib.error and friends
            raise IngestError("corrupt", f"cannot inflate zip member {info.filename!r} ({exc})") from None
        self._read_total += got
        return b"".join(chunks)


_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)
_DTD_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _declares_dtd(data: bytes) -> bool:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:2] in (b"<\x00", b"\x00<"):
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return False  # the parser will reject it as malformed
    return _DTD_RE.search(data) is not None


def parse_xml(data: bytes, part: str) -> etree._Element:
    """Parse an XML part, refusing any DTD (the vehicle for XXE and entity bombs)."""
    if _declares_dtd(data):
        raise IngestError("unsafe-xml", f"{part} contains a DTD/entity declarations, refused for safety")
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise IngestError("corrupt", f"{part} is not well-formed XML ({exc})") from None
    if root is None:
        raise IngestError("corrupt", f"{part} is empty")
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise IngestError("unsafe-xml", f"{part} contains a DTD/entity declarations, refused for safety")
    return root

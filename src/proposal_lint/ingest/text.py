"""Plain-text and Markdown extraction.

Blocks are paragraphs (lines joined with spaces), headings, list items and,
for Markdown, pipe-table cells. Plain text has no markup, so headings are
guessed from their shape: "2.1 Approach", "APPENDIX B - PRICING".
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from proposal_lint.ingest.normalize import SectionPath
from proposal_lint.model import Block, BlockKind, Document, Format, IngestError, TableRef

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def clean_text(text: str) -> str:
    """NFKC, drop zero-width characters, collapse spaces; keep line breaks."""
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def decode(data: bytes) -> tuple[str, str | None]:
    """Decode text bytes; returns (text, warning or None)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "file is not UTF-8; decoded as Windows-1252"
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined (0x81, 0x8d, ...)
        return data.decode("latin-1"), "file is not UTF-8; decoded as Latin-1"


# ---- shared helpers -------------------------------------------------------------


class _Builder:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.path = SectionPath()
        self.tables = 0

    def add(self, kind: BlockKind, text: str, *, level: int | None = None, table: TableRef | None = None) -> None:
        text = clean_text(text)
        if not text:
            return
        if kind is BlockKind.heading:
            text = text.replace("\n", " ")
            self.path.enter(level or 1, text)
        self.blocks.append(
            Block(index=len(self.blocks), kind=kind, text=text, section=self.path.headings, level=level, table=table)
        )


_BULLET = re.compile(r"^(\s*)([-*+•‣◦▪]|\d{1,9}[.)])\s+(\S.*)$")


def _list_text(marker: str, rest: str) -> str:
    return f"{marker} {rest}" if marker[0].isdigit() else f"• {rest}"


# ---- Markdown -------------------------------------------------------------------

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_RULE = re.compile(r"^ {0,3}([-*_])(\s*\1){2,}\s*$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$")
_QUOTE = re.compile(r"^\s{0,3}>\s?")


def looks_like_markdown(text: str) -> bool:
    lines = text.splitlines()
    for prev, line in zip([""] + lines, lines):
        if re.match(r"^ {0,3}#{1,6}\s+\S", line):
            return True
        if prev.strip() and not _BULLET.match(prev) and re.match(r"^ {0,3}(={3,}|-{3,})\s*$", line):
            return True
    return False


def _inline(text: str) -> str:
    """Strip the commonest inline markup so quotes read like the rendered text."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)  # images -> alt text
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links -> link text
    text = re.sub(r"`([^`]+)`", r"\1", text)
    text = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)", r"\1", text)
    return text


def _split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [cell.replace("\\|", "|").strip() for cell in re.split(r"(?<!\\)\|", line)]


_BOLD_LINE = re.compile(r"^\s*(\*\*|__)([^*_].*?)\1\s*:?\s*$")


def parse_markdown(text: str) -> tuple[list[Block], str | None]:
    out = _Builder()
    lines = text.split("\n")
    title = None
    i = 0
    if lines and lines[0].strip() == "---":  # YAML front matter
        for j in range(1, min(len(lines), 60)):
            if lines[j].strip() in ("---", "..."):
                for meta in lines[1:j]:
                    m = re.match(r"^title:\s*['\"]?(.*?)['\"]?\s*$", meta)
                    if m and m.group(1):
                        title = clean_text(m.group(1))
                i = j + 1
                break

    para: list[str] = []
    para_kind, para_level = BlockKind.paragraph, None
    last_level = 0  # of the last "#" heading: a bold-line heading sits one below it

    def flush() -> None:
        nonlocal para, para_kind, para_level
        if para:
            bold = _BOLD_LINE.match(para[0]) if len(para) == 1 and para_kind is BlockKind.paragraph else None
            if bold and len(bold.group(2)) <= 90 and bold.group(2).strip()[-1:] not in ".,;!?":
                # "**Alternatives considered**" on a line of its own is a heading.
                para_kind, para_level = BlockKind.heading, min(last_level + 1, 6)
            out.add(para_kind, _inline(" ".join(s.strip() for s in para)), level=para_level)
        para, para_kind, para_level = [], BlockKind.paragraph, None

    while i < len(lines):
        line = lines[i]
        if not line.strip():
            flush()
            i += 1
            continue
        fence = _FENCE.match(line)
        if fence:
            flush()
            code, i = [], i + 1
            while i < len(lines) and not lines[i].lstrip().startswith(fence.group(1)):
                code.append(lines[i])
                i += 1
            out.add(BlockKind.paragraph, "\n".join(code))
            i += 1
            continue
        atx = _ATX.match(line)
        if atx:
            flush()
            level = last_level = len(atx.group(1))
            heading = _inline(atx.group(2) or "")
            out.add(BlockKind.heading, heading, level=level)
            if level == 1 and title is None and heading.strip():
                title = clean_text(heading)
            i += 1
            continue
        setext = _SETEXT.match(line)
        if setext and para and para_kind is BlockKind.paragraph:
            para_kind, para_level = BlockKind.heading, 1 if setext.group(1)[0] == "=" else 2
            if para_level == 1 and title is None:
                title = clean_text(_inline(" ".join(para)))
            flush()
            i += 1
            continue
        if _RULE.match(line):
            flush()
            i += 1
            continue
        if "|" in line and i + 1 < len(lines) and _TABLE_SEP.match(lines[i + 1]) and "-" in lines[i + 1]:
            flush()
            table_no, out.tables = out.tables, out.tables + 1
            rows = [line]
            i += 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                rows.append(lines[i])
                i += 1
            for r, row in enumerate(rows):
                for c, cell in enumerate(_split_row(row)):
                    out.add(BlockKind.table_cell, _inline(cell), table=TableRef(table=table_no, row=r, col=c))
            continue
        quote = _QUOTE.match(line)
        if quote:
            if para_kind is not BlockKind.paragraph:
                flush()
            while quote:
                line = line[quote.end():]
                quote = _QUOTE.match(line)
            para.append(line)
            i += 1
            continue
        item = _BULLET.match(line)
        if item:
            flush()
            para = [_list_text(item.group(2), item.group(3))]
            para_kind, para_level = BlockKind.list_item, len(item.group(1).expandtabs(4)) // 2 + 1
            i += 1
            continue
        para.append(line)
        i += 1
    flush()
    return out.blocks, title


# ---- plain text -----------------------------------------------------------------

_NUMBERED_HEADING = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){0,5})\.?\s+([A-Z][^\n]*)$")
_FINAL_PUNCT = tuple(".:;,!?")


def _heading_level(line: str) -> int | None:
    """Level of a plain-text line that looks like a heading, else None."""
    line = line.strip()
    if not line or len(line) > 80 or line.endswith(_FINAL_PUNCT):
        return None
    m = _NUMBERED_HEADING.match(line)
    if m and len(m.group(2).split()) <= 10:
        return m.group(1).count(".") + 1
    letters = [ch for ch in line if ch.isalpha()]
    if len(letters) >= 3 and all(ch.isupper() for ch in letters) and len(line.split()) <= 10:
        return 1
    return None


def parse_plain(text: str) -> list[Block]:
    out = _Builder()
    for chunk in re.split(r"\n\s*\n", text):
        lines = [line for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        level = _heading_level(lines[0])
        if all(_BULLET.match(line) for line in lines) and not (level and len(lines) == 1):
            # A list, one block per item ("1. Scope" alone is a heading instead).
            for line in lines:
                m = _BULLET.match(line)
                level = len(m.group(1).expandtabs(4)) // 2 + 1
                out.add(BlockKind.list_item, _list_text(m.group(2), m.group(3)), level=level)
            continue
        if level is not None:
            out.add(BlockKind.heading, lines[0], level=level)
            lines = lines[1:]
        if lines:
            out.add(BlockKind.paragraph, " ".join(line.strip() for line in lines))
    return out.blocks


# ---- entry point ----------------------------------------------------------------


def extract(path: str | Path, *, sha256: str, size: int) -> Document:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError("unreadable", f"cannot read file: {exc.strerror}") from None
    text, warning = decode(data)
    if "\x00" in text:
        raise IngestError("unsupported-format", "binary data, not a plain-text or Markdown file")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    warnings = [warning] if warning else []
    markdown = path.suffix.lower() in (".md", ".markdown") or looks_like_markdown(text)
    if markdown:
        blocks, title = parse_markdown(text)
    else:
        blocks, title = parse_plain(text), None
    if not blocks:
        warnings.append("no text found")
    return Document(
        path=str(path),
        format=Format.markdown if markdown else Format.text,
        sha256=sha256,
        size=size,
        pages=None,
        title=title,
        blocks=blocks,
        warnings=warnings,
    )

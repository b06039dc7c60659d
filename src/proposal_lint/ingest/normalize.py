"""Text clean-up shared by the PDF and DOCX readers.

Everything here works on plain strings so any reader can use it:
`clean` for one line or run of text, `strip_bullet` for list markers and
`join_lines` to turn the visual lines of a paragraph back into prose.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Set

# pdfminer/pdfplumber print glyphs without a Unicode mapping as "(cid:123)".
_CID = re.compile(r"\(cid:\d+\)")
# Soft hyphen, zero-width space/joiners, word joiner, BOM; PDFium's U+FFFE line-end
# hyphen marker is handled by the PDF reader before text gets here.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\ufffe"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"\s+")

# Bullet glyphs, including the Symbol/Wingdings private-use code points Word
# uses ( U+F0B7,  U+F0A7,  U+F076,  U+F0D8,  U+F0FC,  U+F06E).
BULLETS = "•●○◦▪▫■□‣⁃∙◆◇►▶➢➤✓✔❖\uf0b7\uf0a7\uf076\uf0d8\uf0fc\uf06e"
# Dashes, asterisk and middle dot count as bullets only when followed by a space.
_BULLET = re.compile(rf"^\s*(?:[{BULLETS}]|[-–—*·](?=\s|$))\s*")

# A line-end "word-" whose left part is one of these keeps its hyphen when joined
# with the next line: "fine-" + "tuning" is "fine-tuning", not "finetuning".
KEEP_HYPHEN_PREFIXES = frozenset(
    "fine few zero one multi semi self well high low re non pre post co cross long short "
    "real state end open closed human task domain instruction".split()
)
# ...and so does a right part that is a common second element of a compound.
KEEP_HYPHEN_SUFFIXES = frozenset(
    "based specific aware driven oriented tuned tuning trained shot level scale "
    "quality free time term source generated augmented".split()
)
_HYPHENS = "-\u2010\u2011"
_HYPHEN_CLASS = "\\-\u2010\u2011"
_TRAILING_WORD = re.compile(rf"([^\s{_HYPHEN_CLASS}]+)[{_HYPHEN_CLASS}]$")
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def clean(text: str) -> str:
    """NFKC (which also splits ligatures: "ﬁ" -> "fi"), drop invisible characters
    and (cid:N) artifacts, collapse whitespace."""
    if text.isascii() and "(cid:" not in text:
        # Fast path for most lines: ASCII is NFKC-stable and holds no invisible
        # characters. str.split() splits on exactly the characters \s matches.
        if not text.isprintable():
            text = _CONTROL.sub(" ", text)
        return " ".join(text.split())
    text = _CID.sub("", text).translate(_INVISIBLE)
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def strip_bullet(text: str) -> tuple[bool, str]:
    """(True, text without its bullet) if the line starts with a bullet glyph."""
    m = _BULLET.match(text)
    return (True, text[m.end():]) if m else (False, text)


def join_pair(left: str, right: str, vocab: Set[str] = frozenset()) -> str:
    """Join two consecutive lines of one paragraph.

    A line ending in letter+hyphen followed by a lowercase start is a word
    split by hyphenation: "imple-" + "mentation" -> "implementation". The
    hyphen is kept when the parts look like a real compound (see
    KEEP_HYPHEN_PREFIXES / _SUFFIXES, or the left part already holds a hyphen,
    as in "state-of-the-"), and when the right part starts with a capital or a
    digit ("GPT-" + "4"). `vocab`, the lowercase words seen elsewhere in the
    document, overrides the lists: "re-" + "trieve" joins if "retrieve" occurs.
    Otherwise lines are joined with one space.
    """
    if not left:
        return right
    if not right:
        return left
    if left[-1] in _HYPHENS and len(left) > 1 and left[-2].isalnum():
        m = _TRAILING_WORD.search(left)
        word = m.group(1) if m else ""
        first = right[0]
        if first.islower():
            nxt = re.match(r"[^\s.,;:!?)]+", right)
            right_word = nxt.group(0).lower() if nxt else ""
            stem = word.lstrip("([{\"'“‘").lower()
            compound = left[: len(left) - len(word) - 1].endswith(tuple(_HYPHENS + "/"))
            if not compound and vocab and stem + right_word in vocab:
                return left[:-1] + right
            if compound or f"{stem}-{right_word}" in vocab or stem in KEEP_HYPHEN_PREFIXES or (
                    right_word in KEEP_HYPHEN_SUFFIXES):
                return left + right
            return left[:-1] + right
        if first.isupper() or first.isdigit():
            return left + right
    if _CJK.match(left[-1]) and _CJK.match(right[0]):
        return left + right
    return left + " " + right


def join_lines(lines: list[str], vocab: Set[str] = frozenset()) -> str:
    """Cleaned lines of one paragraph -> one string."""
    out = ""
    for line in lines:
        out = join_pair(out, line, vocab)
    return out


_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def words(text: str) -> set[str]:
    """Lowercase words (hyphenated compounds kept whole), for join_pair's vocab."""
    return set(_WORD.findall(text.lower()))


class SectionPath:
    """The headings above the current block, outermost first. A heading closes
    the open sections at its level and deeper: "## 2" after "## 1" is a sibling,
    also where the document has no top-level title."""

    def __init__(self) -> None:
        self._open: list[tuple[int, str]] = []  # (level, heading), levels rising

    def enter(self, level: int, heading: str) -> None:
        while self._open and self._open[-1][0] >= level:
            self._open.pop()
        self._open.append((level, heading))

    @property
    def headings(self) -> list[str]:
        return [h for _, h in self._open]

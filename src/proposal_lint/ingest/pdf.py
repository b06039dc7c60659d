"""PDF -> located Document.

Text comes from pypdfium2 (PDFium), page by page: measured on a 100-page text
PDF, pdfplumber's extract_text is ~50x slower than PDFium's text page, so
pdfplumber is used only on the few pages whose drawing objects look like a
ruled table, where its line-based table finder earns its cost.

Per page we take PDFium's text once, cut it into visual lines (PDFium ends a
line with CRLF, or with U+FFFE when it saw a line-end hyphen) and ask PDFium
for each line's rectangles and font size/weight on a few characters only;
per-character boxes are fetched just for the rare line that PDFium glued
across a column gutter or a table gap. Layout (columns, running
headers/footers, headings, paragraphs, lists, footnotes) is then worked out
from these line records, which are small enough to keep for the whole file.
Coordinates are converted to the displayed page (rotation applied), origin
top-left, like pdfplumber's.
"""

from __future__ import annotations

import ctypes
import math
import re
import time
from collections import Counter
from collections.abc import Set
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from proposal_lint.ingest.normalize import SectionPath, clean, join_lines, join_pair, strip_bullet, words
from proposal_lint.model import BBox, Block, BlockKind, Document, Format, IngestError

HEADER_BAND = 0.12  # top/bottom fraction of the page where running heads live
MIN_RULING_PATHS = 4  # path objects on a page before we ask pdfplumber for tables
MAX_TABLE_PATHS = 5000  # above this the "ruling lines" are a drawing, not a table

_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+(?=[^\W\d_])")
# "Annex C: Prices", "Appendix B Pricing", "ANNEX 2"; not "Annex C), the Supplier
# ..." where a reference wraps to the start of a line.
_APPENDIX = re.compile(
    r"^(?:Appendix|Annex|Chapter|Part)\s+[A-Z0-9IVX]{1,4}\b(?=\s*$|\s*[:.\-–—]|\s+(?-i:[A-Z0-9]))", re.I)
_ENUM = re.compile(r"^\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]\s+\S")
_LEADERS = re.compile(r"(?:\.\s?){4,}|…{2,}")
_FOOTNOTE_MARK = re.compile(r"^(?:\d{1,3}|[*†‡§¶])\s*\S")


def _wraps(prev: _Line | None, ln: _Line) -> bool:
    """Is `ln` the next line of `prev`'s title: same size, right below it?"""
    return prev is not None and ln.size == prev.size and ln.top - prev.bottom < 0.8 * ln.size


def _unclosed(text: str) -> bool:
    return text.count("(") > text.count(")")


def _starts_clause(text: str) -> bool:
    """"2.2 Engineers currently ...": a numbered clause, which starts a paragraph."""
    m = _NUMBERED.match(text)
    return bool(m) and "." in m.group(1) and text[m.end()].isupper()


# Words a title does not end with; a line that does was wrapped mid-sentence.
_RUN_ON_WORDS = frozenset(
    "the a an of to and or in on for with by at from that which shall will must may is are be as its their our "
    "your this these such".split()
)
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–—\s]*#[-–—\s]*(?:(?:of|/)\s*#)?$")


@dataclass(slots=True)
class _Line:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    bold: bool
    kind: str = ""  # "", header, footer, footnote, table
    cells: list = field(default_factory=list)  # for kind == "table": (row, col, text, bbox)

    @property
    def width(self) -> float:
        return self.x1 - self.x0


@dataclass(slots=True)
class _Page:
    number: int
    width: float
    height: float
    lines: list[_Line]
    blank: bool = False  # nothing drawn at all


def extract(path: Path, *, sha256: str, size: int, password: str | None = None, limits=None) -> Document:
    try:
        return _extract(Path(path), sha256, size, password, limits)
    except IngestError:
        raise
    except RecursionError:
        raise IngestError("corrupt", "PDF structure is too deeply nested to read (corrupt or hostile file)") from None
    except Exception as exc:  # PDFium/pdfminer raise many types; the caller wants one
        raise IngestError("corrupt", f"cannot read PDF ({_short(exc)})") from None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:150]}" if text else type(exc).__name__


def _open(path: Path, password: str | None) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(str(path), password=password)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == raw.FPDF_ERR_PASSWORD:
            if password:
                raise IngestError("wrong-password", "the password given does not open this PDF") from None
            raise IngestError("encrypted", "PDF is password-protected; pass --password") from None
        raise IngestError("corrupt", f"not a readable PDF ({exc})") from None


def _extract(path: Path, sha256: str, size: int, password: str | None, limits) -> Document:
    deadline = time.monotonic() + limits.timeout_s if limits and getattr(limits, "timeout_s", None) else math.inf
    pdf = _open(path, password)
    tables = _TableFinder(path, password)
    warnings: list[str] = []
    pages: list[_Page] = []
    try:
        meta = _metadata(pdf)
        n_pages = len(pdf)
        for i in range(n_pages):
            if time.monotonic() > deadline:
                raise IngestError("timeout", f"PDF extraction took longer than {limits.timeout_s:g} s (page {i + 1})")
            page = pdf[i]
            try:
                pages.append(_read_page(page, i, tables, warnings))
            finally:
                page.close()
    finally:
        tables.close()
        pdf.close()

    doc = Document(
        path=str(path), format=Format.pdf, sha256=sha256, size=size, pages=len(pages),
        producer=meta.get("Producer"), title=meta.get("Title"), warnings=warnings,
    )
    if not pages:
        doc.warnings.append("PDF has no pages")
        return doc
    if all(p.blank for p in pages):
        doc.warnings.append("PDF pages are blank (no text, no images)")
        return doc
    if not any(p.lines for p in pages):
        raise IngestError(
            "no-text-layer",
            "PDF has no text layer (scanned image?); run OCR first, e.g. `ocrmypdf in.pdf out.pdf`",
        )
    doc.blocks = _Layout(pages).blocks()
    return doc


def _metadata(pdf: pdfium.PdfDocument) -> dict[str, str]:
    try:
        meta = pdf.get_metadata_dict(skip_empty=True)
    except Exception:
        return {}
    return {k: clean(v) for k, v in meta.items() if isinstance(v, str) and clean(v)}


# ---- page reading ----------------------------------------------------------------

_L, _B, _R, _T = (ctypes.c_double() for _ in range(4))
_FONTNAME = ctypes.create_string_buffer(128)
_FLAGS = ctypes.c_int()
_FLAGS_REF = ctypes.byref(_FLAGS)  # made once: byref() per call is a measurable cost
_BOLD_NAME = re.compile(rb"bold|black|heavy|semibold|demi", re.I)


class _Transform:
    """PDF user space -> displayed page, origin top-left, /Rotate applied."""

    def __init__(self, page: pdfium.PdfPage, rotation: int | None = None):
        self.x0, self.y0, self.x1, self.y1 = page.get_mediabox()
        self.rot = (page.get_rotation() if rotation is None else rotation) % 360
        w, h = self.x1 - self.x0, self.y1 - self.y0
        self.width, self.height = (h, w) if self.rot in (90, 270) else (w, h)

    def point(self, x: float, y: float) -> tuple[float, float]:
        if self.rot == 90:
            return y - self.y0, x - self.x0
        if self.rot == 180:
            return self.x1 - x, y - self.y0
        if self.rot == 270:
            return self.y1 - y, self.x1 - x
        return x - self.x0, self.y1 - y

    def box(self, left: float, bottom: float, right: float, top: float) -> tuple[float, float, float, float]:
        ax, ay = self.point(left, bottom)
        bx, by = self.point(right, top)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)

    def user_box(self, x0: float, top: float, x1: float, bottom: float) -> tuple[float, float, float, float]:
        """Displayed box -> (left, bottom, right, top) in user space."""
        if self.rot == 90:
            xs, ys = (top + self.x0, bottom + self.x0), (x0 + self.y0, x1 + self.y0)
        elif self.rot == 180:
            xs, ys = (self.x1 - x1, self.x1 - x0), (top + self.y0, bottom + self.y0)
        elif self.rot == 270:
            xs, ys = (self.x1 - bottom, self.x1 - top), (self.y1 - x1, self.y1 - x0)
        else:
            xs, ys = (x0 + self.x0, x1 + self.x0), (self.y1 - bottom, self.y1 - top)
        return xs[0], ys[0], xs[1], ys[1]


def _read_page(page: pdfium.PdfPage, index: int, tables: "_TableFinder", warnings: list[str]) -> _Page:
    # Lines are built in the unrotated frame. With /Rotate they are moved to the
    # displayed page, unless the text only reads horizontally unrotated (a
    # landscape page someone turned sideways).
    tf = _Transform(page, 0)
    shown = _Transform(page)
    tp = page.get_textpage()
    try:
        n = tp.count_chars()
        text = tp.get_text_range() if n > 0 else ""
        if len(text) != n:  # characters outside the BMP: map index -> char one by one
            text = "".join(chr(raw.FPDFText_GetUnicode(tp.raw, i) or 32) for i in range(n))
        lines = _lines(tp, text, tf)
        if shown.rot and lines:
            long = [ln for ln in lines if len(ln.text) >= 4]
            upright = sum(1 for ln in long if ln.bottom - ln.top > ln.x1 - ln.x0) > len(long) / 2
            if shown.rot == 180 or upright:
                for ln in lines:
                    ln.x0, ln.top, ln.x1, ln.bottom = shown.box(*tf.user_box(ln.x0, ln.top, ln.x1, ln.bottom))
                tf = shown
        if not lines:
            if _count_objects(page, raw.FPDF_PAGEOBJ_IMAGE, 1):
                warnings.append(f"page {index + 1} has no text layer (scanned?); run OCR (e.g. ocrmypdf) to lint it")
        elif _count_objects(page, raw.FPDF_PAGEOBJ_PATH, MIN_RULING_PATHS) >= MIN_RULING_PATHS:
            found = tables.find(index, tp, tf, shown, lines, warnings)
            if found:
                lines = [ln for ln in lines if not any(_inside(ln, t) for t in found)] + found
        blank = not lines and raw.FPDFPage_CountObjects(page.raw) == 0
        return _Page(index + 1, tf.width, tf.height, lines, blank)
    finally:
        tp.close()


def _count_objects(page: pdfium.PdfPage, kind: int, stop: int) -> int:
    found = 0
    for i in range(raw.FPDFPage_CountObjects(page.raw)):
        if raw.FPDFPageObj_GetType(raw.FPDFPage_GetObject(page.raw, i)) == kind:
            found += 1
            if found >= stop:
                break
    return found


_SEG_END = re.compile(r"\r\n|[\r\n\ufffe\x02]")


def _segments(text: str):
    """(start, end, hyphenated) char ranges of PDFium's lines."""
    start = 0
    for m in _SEG_END.finditer(text):
        hyph = m.group() in "\ufffe\x02"
        yield start, m.start(), hyph
        start = m.end()
    if start < len(text):
        yield start, len(text), False


def _lines(tp: pdfium.PdfTextPage, text: str, tf: _Transform) -> list[_Line]:
    """The page's visual lines. This loop runs for every line of the file, so
    the unrotated `tf.box` (tf.rot is 0 here) and the line's bounding box are
    worked out inline."""
    tpr = tp.raw
    ox, oy = tf.x0, tf.y1
    out: list[_Line] = []
    for start, end, hyph in _segments(text):
        chunk = text[start:end]
        rest = chunk.lstrip()
        if not rest:
            continue
        stripped = rest.rstrip()
        start += len(chunk) - len(rest)
        end = start + len(stripped)
        rects = []
        for k in range(raw.FPDFText_CountRects(tpr, start, end - start)):
            raw.FPDFText_GetRect(tpr, k, _L, _T, _R, _B)
            ax, bx, ay, by = _L.value - ox, _R.value - ox, oy - _B.value, oy - _T.value
            # min()/max() spelled out, ties keeping the first argument as they do.
            rects.append((bx if bx < ax else ax, by if by < ay else ay, bx if bx > ax else ax, by if by > ay else ay))
        if not rects:
            continue
        size = _font_size(tpr, start, end, rects)
        if len(rects) > 1 and not _one_row(rects, size):
            out += _split_by_chars(tpr, text, start, end, hyph, tf, size)
        else:
            box = rects[0] if len(rects) == 1 else (
                min(r[0] for r in rects), min(r[1] for r in rects), max(r[2] for r in rects), max(r[3] for r in rects))
            out.append(_make_line(tpr, stripped + "-" if hyph else stripped, start, end, box, size))
    return out


def _one_row(rects, size: float) -> bool:
    """Do a line's rectangles sit on one row without a gutter-sized gap?"""
    for a, b in zip(rects, rects[1:]):
        overlap = min(a[3], b[3]) - max(a[1], b[1])
        if overlap < 0.3 * min(a[3] - a[1], b[3] - b[1]) or b[0] - a[2] > 1.2 * size or b[2] < a[0]:
            return False
    return True


def _font_size(tpr, start: int, end: int, rects) -> float:
    mid = (start + end) // 2
    size = raw.FPDFText_GetFontSize(tpr, mid)
    if size <= 1.5:  # font scaled by the text matrix: fall back to the line height
        size = max(r[3] - r[1] for r in rects)
    return round(size * 2) / 2


def _is_bold(tpr, i: int) -> bool:
    # The font name/flags are left untouched when the char has no text object
    # (or the name does not fit), so the previous call's values count then.
    if raw.FPDFText_GetFontWeight(tpr, i) >= 600:
        return True
    raw.FPDFText_GetFontInfo(tpr, i, _FONTNAME, 128, _FLAGS_REF)
    return bool(_FLAGS.value & (1 << 18)) or bool(_BOLD_NAME.search(_FONTNAME.value))


def _make_line(tpr, text: str, start: int, end: int, box, size: float) -> _Line:
    x0, top, x1, bottom = box
    bold = _is_bold(tpr, start) and _is_bold(tpr, (start + end) // 2) and _is_bold(tpr, end - 1)
    return _Line(clean(text), x0, top, x1, bottom, size, bold)


def _split_by_chars(tpr, text, start, end, hyph, tf, size) -> list[_Line]:
    """Cut a PDFium line where characters jump to another row or across a wide gap."""
    pieces: list[list] = []  # [first, last, x0, top, x1, bottom]
    for i in range(start, end):
        if text[i].isspace():
            continue
        raw.FPDFText_GetCharBox(tpr, i, _L, _R, _B, _T)
        x0, top, x1, bottom = tf.box(_L.value, _B.value, _R.value, _T.value)
        if pieces:
            p = pieces[-1]
            mid = (top + bottom) / 2
            same_row = p[3] - 1 <= mid <= p[5] + 1 or top - 1 <= (p[3] + p[5]) / 2 <= bottom + 1
            if same_row and -size < x0 - p[4] <= 1.2 * size:
                p[1], p[4] = i, max(p[4], x1)
                p[3], p[5] = min(p[3], top), max(p[5], bottom)
                continue
        pieces.append([i, i, x0, top, x1, bottom])
    out = []
    for k, (a, b, x0, top, x1, bottom) in enumerate(pieces):
        piece = text[a:b + 1] + ("-" if hyph and k == len(pieces) - 1 else "")
        piece_size = round(raw.FPDFText_GetFontSize(tpr, (a + b) // 2) * 2) / 2
        ln = _make_line(tpr, piece, a, b + 1, (x0, top, x1, bottom), piece_size if piece_size > 1.5 else size)
        if ln.text:
            out.append(ln)
    return out


def _real_table(bbox, cells, tp, tf: _Transform, lines: list[_Line]) -> bool:
    """Ruling lines around a figure or a text box also look like a grid; in a
    real table no cell border cuts through a word."""
    x0, top, x1, bottom = bbox
    for ln in lines:
        cy = (ln.top + ln.bottom) / 2
        if not (x0 <= (ln.x0 + ln.x1) / 2 <= x1 and top <= cy <= bottom):
            continue
        for edge in {c[0] for c in cells if c[1] <= cy <= c[3]}:
            if ln.x0 + 1 < edge < ln.x1 - 1:
                ux, uy, _, _ = tf.user_box(edge, cy, edge, cy)
                i = raw.FPDFText_GetCharIndexAtPos(tp.raw, ux, uy, 0.5, 0.5)
                if i >= 0 and not chr(raw.FPDFText_GetUnicode(tp.raw, i) or 32).isspace():
                    return False
    return True


def _inside(line: _Line, table: _Line) -> bool:
    cx, cy = (line.x0 + line.x1) / 2, (line.top + line.bottom) / 2
    return table.x0 <= cx <= table.x1 and table.top <= cy <= table.bottom


class _TableFinder:
    """pdfplumber's ruling-line table finder, opened lazily on the first page that
    has enough path objects to hold a table."""

    def __init__(self, path: Path, password: str | None):
        self.path, self.password = path, password
        self.pdf = None
        self.failed = False

    def find(self, index: int, tp, tf: _Transform, shown: _Transform, lines: list[_Line], warnings: list[str]):
        """Tables on the page as `_Line`s of kind "table", in `tf`'s frame
        (pdfplumber reports boxes on the displayed page, `shown`)."""
        if self.failed:
            return []
        try:
            if self.pdf is None:
                import pdfplumber

                self.pdf = pdfplumber.open(self.path, password=self.password or "")
            page = self.pdf.pages[index]
            try:
                if len(page.objects.get("line", ())) + len(page.objects.get("rect", ())) > MAX_TABLE_PATHS:
                    return []
                found = page.find_tables()
                tables = []
                for t in found:
                    rows = [[None if c is None else tf.box(*shown.user_box(*c)) for c in r.cells] for r in t.rows]
                    tables.append((tf.box(*shown.user_box(*t.bbox)), rows))
            finally:
                page.close()
        except Exception as exc:  # includes RecursionError from hostile page trees
            self.failed = True
            warnings.append(f"table detection skipped from page {index + 1} on ({_short(exc)})")
            return []
        out = []
        for bbox, rows in tables:
            cells = [c for r in rows for c in r if c is not None]
            if len(rows) >= 2 and max(len(r) for r in rows) >= 2 and _real_table(bbox, cells, tp, tf, lines):
                table = self._table(bbox, rows, tp, tf)
                if table is not None:
                    out.append(table)
        return out

    @staticmethod
    def _table(bbox, rows, tp, tf: _Transform) -> _Line | None:
        # Row/column numbers from the cell edges in our frame (which differs from
        # pdfplumber's on a sideways page).
        boxes = sorted({c for r in rows for c in r if c is not None}, key=lambda c: (round(c[1]), c[0]))
        tops = sorted({round(c[1]) for c in boxes})
        lefts = sorted({round(c[0]) for c in boxes})
        cells = []
        for cell in boxes:
            text = tp.get_text_bounded(*tf.user_box(*cell))
            text = join_lines([t for t in map(clean, text.splitlines()) if t])
            if text:
                cells.append((tops.index(round(cell[1])), lefts.index(round(cell[0])), text, cell))
        if not cells:
            return None
        return _Line("", *bbox, 0.0, False, kind="table", cells=cells)

    def close(self) -> None:
        if self.pdf is not None:
            try:
                self.pdf.close()
            except Exception:
                pass


# ---- layout ----------------------------------------------------------------------


class _Vocab(Set):
    """Words the document spells out in full; they decide hyphen rejoins
    ("re-trieve"). Built on first use: join_pair only looks at it for a line
    that ends in a hyphen, and many documents have none."""

    def __init__(self, pages: list[_Page]):
        self._pages = pages
        self._words: set[str] | None = None

    def _get(self) -> set[str]:
        if self._words is None:
            # One findall over all lines: a word never spans the "\n" between them.
            self._words = words("\n".join(
                ln.text[:-1] if ln.text.endswith("-") else ln.text
                for p in self._pages for ln in p.lines if ln.text and ln.kind != "table"))
        return self._words

    def __contains__(self, word) -> bool:
        return word in self._get()

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


class _Layout:
    def __init__(self, pages: list[_Page]):
        self.pages = pages
        self._mark_running_heads()
        sizes = Counter()
        for p in pages:
            for ln in p.lines:
                if not ln.kind:
                    sizes[ln.size] += len(ln.text)
        self.body_size = sizes.most_common(1)[0][0] if sizes else 10.0
        bold = sum(len(ln.text) for p in pages for ln in p.lines if not ln.kind and ln.bold)
        self.body_bold = bold > 0.5 * sum(sizes.values())
        self.columns = [self._order(p) for p in pages]
        self.vocab = _Vocab(pages)
        self.pitch = self._body_pitch()

    def _mark_running_heads(self) -> None:
        """Header/footer: text in the top/bottom band that recurs on other pages
        (digits ignored, so changing page numbers still match), or a bare page number."""
        tops: dict[tuple, dict[int, float]] = {}
        keyed = []
        for p in self.pages:
            for ln in p.lines:
                if ln.kind:
                    continue
                band = "header" if ln.bottom <= p.height * HEADER_BAND else (
                    "footer" if ln.top >= p.height * (1 - HEADER_BAND) else "")
                if band:
                    key = (band, re.sub(r"\d+", "#", ln.text.lower()))
                    tops.setdefault(key, {})[p.number] = ln.top
                    keyed.append((ln, key))
        need = max(2, math.ceil(0.3 * sum(1 for p in self.pages if p.lines)))
        running = set()
        for key, where in tops.items():
            # Running heads sit at the same height on every page they appear on.
            ys = sorted(where.values())
            mid = ys[len(ys) // 2]
            if sum(1 for y in ys if abs(y - mid) <= 3) >= need:
                running.add(key)
        for ln, key in keyed:
            if key in running or _PAGE_NUMBER.match(key[1]):
                ln.kind = key[0]

    def _order(self, page: _Page) -> list[list[_Line]]:
        """Body lines in reading order, as a list of column runs."""
        body = [ln for ln in page.lines if ln.kind in ("", "table")]
        return _columns(body, 0)

    def _body_pitch(self) -> float:
        pitches = Counter()
        for cols in self.columns:
            for col in cols:
                for a, b in zip(col, col[1:]):
                    if a.size == b.size == self.body_size and b.top > a.top:
                        pitches[round(b.top - a.top, 0)] += 1
        return pitches.most_common(1)[0][0] if pitches else self.body_size * 1.2

    # -- line classification --

    def _heading_level(self, ln: _Line, nxt: _Line | None, edges: tuple[float, float]) -> int | None:
        """`nxt`: the next line of the column; `edges`: where the column's text starts and ends."""
        text = ln.text
        if not text or len(text) > 120 or ln.kind:
            return None
        larger = ln.size >= self.body_size + 1 and ln.size >= 1.1 * self.body_size
        bold = ln.bold and not self.body_bold and ln.size >= self.body_size - 0.5
        num = _NUMBERED.match(text)
        depth = num.group(1).count(".") + 1 if num else (1 if _APPENDIX.match(text) else None)
        if not (larger or bold or depth):
            return None
        if num and depth == 1 and not (larger or bold):
            return None  # "1. Collect the data" is a list item, not a section
        if num and not (larger or bold) and len(text.split()) >= 6 and (
                ln.x1 >= edges[1] - 1.5 * self.body_size or text.rsplit(None, 1)[-1] in _RUN_ON_WORDS
                or text.endswith(":")  # "4.2 Acceptance is pronounced if, on these invoices:" leads into a list
                or nxt is not None and not nxt.kind and not self._breaks(ln, nxt, edges)):
            # "7.1 The Supplier shall notify the Client within 20 Working" runs to
            # the column's edge, stops mid-phrase, leads into a list, or runs on
            # into the next line without a break: a numbered clause, not a title.
            return None
        if len(text.split()) > 14 or _LEADERS.search(text) or text[-1] in ".,;" or strip_bullet(text)[0]:
            return None
        if sum(ch.isalpha() for ch in text) < 2:
            return None
        if not (larger or bold) and not text[len(num.group(0)) if num else 0:][:1].isupper():
            return None
        return depth or 0  # 0: level from font size, settled in blocks()

    def blocks(self) -> list[Block]:
        # Heading levels for unnumbered headings: rank of their font size, aligned
        # with the level numbered headings of that size have.
        flagged = []
        col_edges = []  # per column: where its body text starts and ends
        for p, cols in zip(self.pages, self.columns):
            for col in cols:
                self._mark_footnotes(col, p)
                plain = [c for c in col if c.kind == ""] or col
                edges = (min(c.x0 for c in plain), max(c.x1 for c in plain))
                col_edges.append(edges)
                for i, ln in enumerate(col):
                    nxt = col[i + 1] if i + 1 < len(col) else None
                    flagged.append(self._heading_level(ln, nxt, edges) if ln.kind == "" else None)
        numbered_level: dict[float, Counter] = {}
        heading_sizes = set()
        it = iter(flagged)
        for cols in self.columns:
            for col in cols:
                for ln in col:
                    lvl = next(it)
                    if lvl is not None:
                        heading_sizes.add((ln.size, ln.bold))
                        if lvl:
                            numbered_level.setdefault(ln.size, Counter())[lvl] += 1
        rank = {s: i + 1 for i, s in enumerate(sorted(heading_sizes, key=lambda s: (-s[0], not s[1])))}

        def level(ln: _Line, lvl: int) -> int:
            if lvl:
                return lvl
            if ln.size in numbered_level:
                return numbered_level[ln.size].most_common(1)[0][0]
            return rank[(ln.size, ln.bold)]

        out: list[Block] = []
        path = SectionPath()
        it = iter(flagged)
        edges_it = iter(col_edges)
        header_blocks = {p.number: [] for p in self.pages}
        for p in self.pages:
            for ln in p.lines:
                if ln.kind in ("header", "footer"):
                    header_blocks[p.number].append(ln)
        for p, cols in zip(self.pages, self.columns):
            for ln in sorted((h for h in header_blocks[p.number] if h.kind == "header"), key=lambda h: (h.top, h.x0)):
                self._emit(out, BlockKind.header, [ln], p.number, path.headings)
            for col in cols:
                edges = next(edges_it)
                group: list[_Line] = []
                group_kind = None
                group_level = None
                prev = None
                list_lefts = None  # indents of the column's list items, found at its first one
                for ln in col:
                    lvl = next(it)
                    if ln.kind == "table":
                        self._flush(out, group, group_kind, group_level, p.number, path)
                        group, group_kind, prev = [], None, None
                        self._emit_table(out, ln, p.number, path.headings)
                        continue
                    if ln.kind == "footnote":
                        kind, new = BlockKind.footnote, group_kind != BlockKind.footnote or bool(
                            _FOOTNOTE_MARK.match(ln.text))
                        level_here = None
                    elif lvl is not None:
                        kind, level_here = BlockKind.heading, level(ln, lvl)
                        # A heading wrapped over two lines continues; a new numbered one does not.
                        new = not (group_kind == BlockKind.heading and lvl == 0 and _wraps(prev, ln))
                    elif (group_kind == BlockKind.heading and _wraps(prev, ln) and ln.bold == prev.bold
                          and _unclosed(" ".join(g.text for g in group))):
                        # "7.6 Stage 2: Model specialisation (weeks" | "5–9)": the title goes on.
                        kind, new, level_here = BlockKind.heading, False, group_level
                    else:
                        bullet, rest = strip_bullet(ln.text)
                        enum = bool(_ENUM.match(ln.text))
                        level_here = None
                        if bullet or enum:
                            kind, new = BlockKind.list_item, True
                        elif (group_kind == BlockKind.list_item and prev is not None and ln.x0 > group[0].x0 + 1
                              and not self._breaks(prev, ln, edges, indent_starts=False)):  # hanging-indent continuation
                            kind, new = BlockKind.list_item, False
                        else:
                            kind = BlockKind.paragraph
                            new = (group_kind != BlockKind.paragraph or prev is None or self._breaks(prev, ln, edges)
                                   or _starts_clause(ln.text))
                    if new or kind != group_kind:
                        self._flush(out, group, group_kind, group_level, p.number, path)
                        group, group_kind, group_level = [], kind, level_here
                        if kind == BlockKind.list_item:
                            if list_lefts is None:
                                list_lefts = self._list_lefts(col)
                            left = round(ln.x0 / 6)
                            group_level = list_lefts.index(left) + 1 if left in list_lefts else 1
                    group.append(ln)
                    prev = ln
                self._flush(out, group, group_kind, group_level, p.number, path)
            for ln in sorted((h for h in header_blocks[p.number] if h.kind == "footer"), key=lambda h: (h.top, h.x0)):
                self._emit(out, BlockKind.footer, [ln], p.number, path.headings)
        return self._join_continued(out)

    def _join_continued(self, out: list[Block]) -> list[Block]:
        """A paragraph cut by a page or column break is one paragraph: "No data is
        used to" | (footer, header) | "train or fine-tune any model; ..." would
        otherwise be two sentences, and the second loses its "No"."""
        joined: list[Block] = []
        last: Block | None = None  # the last paragraph, while only running heads and notes follow it
        for b in out:
            if b.kind in (BlockKind.header, BlockKind.footer, BlockKind.footnote):
                joined.append(b)
                continue
            if (last is not None and b.kind == BlockKind.paragraph and b.text[:1].islower()
                    and last.text[-1:] not in ".!?:;" and len(last.text.split()) >= 8
                    # the next page, or the next column to the right
                    and (b.page == last.page + 1 or b.page == last.page and b.bbox.x0 >= last.bbox.x1 - 5)):
                last.text = join_pair(last.text, b.text, self.vocab)
                continue
            joined.append(b)
            last = b if b.kind == BlockKind.paragraph else None
        for i, b in enumerate(joined):
            b.index = i
        return joined

    def _breaks(self, prev: _Line, ln: _Line, edges: tuple[float, float], indent_starts: bool = True) -> bool:
        """Does `ln` start a new paragraph after `prev` (same column run)? With
        `indent_starts` False an indented line does not start one by itself (a
        list item's continuation is indented under its text)."""
        if abs(ln.size - prev.size) > 1 or ln.bold != prev.bold and len(ln.text.split()) < 12:
            return True
        step = ln.top - prev.top
        if step < -0.5 * ln.size:
            return True
        if abs(step) < 0.5 * ln.size:  # same row
            return False
        if step > 1.4 * self.pitch * (ln.size / self.body_size):
            return True
        left, right = edges
        if prev.x1 < right - 0.2 * (right - left) and prev.text[-1:] in ".!?:":
            return True  # previous line stopped short at a sentence end
        # First-line indent (a hanging indent, as in references, follows a full line).
        return (indent_starts and ln.x0 - left > 0.8 * ln.size and prev.x0 - left < 0.5 * ln.size
                and prev.x1 < right - 0.05 * (right - left))

    @staticmethod
    def _list_lefts(col: list[_Line]) -> list[int]:
        """Left edges (6 pt steps) of a column's list items; an item's list level
        is the rank of its own edge."""
        return sorted({round(c.x0 / 6) for c in col if strip_bullet(c.text)[0] or _ENUM.match(c.text)})

    def _mark_footnotes(self, col: list[_Line], page: _Page) -> None:
        """Small-type lines at the end of a column that start with a note mark."""
        limit = 0.88 * self.body_size
        i = len(col)
        while i > 0 and col[i - 1].kind == "" and col[i - 1].size <= limit and col[i - 1].top > page.height / 2:
            i -= 1
        run = col[i:]
        if run and len(run) < len(col) and _FOOTNOTE_MARK.match(run[0].text):
            for ln in run:
                ln.kind = "footnote"

    def _flush(self, out, group, kind, level, page, path) -> None:
        if not group:
            return
        if kind == BlockKind.heading:
            text = join_lines([ln.text for ln in group], self.vocab)
            path.enter(level, text)
        self._emit(out, kind, group, page, path.headings, level)

    def _emit(self, out, kind, lines, page, section, level=None) -> None:
        texts = [ln.text for ln in lines]
        if kind == BlockKind.list_item:
            texts[0] = strip_bullet(texts[0])[1]
        text = join_lines([t for t in texts if t], self.vocab)
        if not text:
            return
        first = lines[0]
        x0, top, x1, bottom = first.x0, first.top, first.x1, first.bottom
        for ln in lines[1:]:  # one pass instead of four min()/max() generators; ties keep the first
            if ln.x0 < x0:
                x0 = ln.x0
            if ln.top < top:
                top = ln.top
            if ln.x1 > x1:
                x1 = ln.x1
            if ln.bottom > bottom:
                bottom = ln.bottom
        box = BBox(x0=round(x0, 2), top=round(top, 2), x1=round(x1, 2), bottom=round(bottom, 2))
        out.append(Block(index=len(out), kind=kind, text=text, page=page, section=section, bbox=box, level=level))

    @staticmethod
    def _emit_table(out, table: _Line, page: int, section: list[str]) -> None:
        from proposal_lint.model import TableRef

        number = 1 + max((b.table.table for b in out if b.table), default=-1)
        for row, col, text, (x0, top, x1, bottom) in table.cells:
            out.append(Block(
                index=len(out), kind=BlockKind.table_cell, text=text, page=page, section=section,
                bbox=BBox(x0=round(x0, 2), top=round(top, 2), x1=round(x1, 2), bottom=round(bottom, 2)),
                table=TableRef(table=number, row=row, col=col),
            ))


def _columns(lines: list[_Line], depth: int) -> list[list[_Line]]:
    """Split lines into column runs at a vertical gutter (recursively, so three
    columns work). Lines crossing the gutter (titles, wide figures) end the
    column runs above them."""
    if not lines:
        return []
    lines = sorted(lines, key=lambda ln: (ln.top, ln.x0))
    gutter = _find_gutter(lines) if depth < 3 else None
    if gutter is None:
        return [_rows(lines)]
    g0, g1 = gutter
    runs: list[list[_Line]] = []
    left: list[_Line] = []
    right: list[_Line] = []
    spanning = False
    for ln in lines:
        if ln.x0 < g0 and ln.x1 > g1:
            if spanning:
                runs[-1].append(ln)
            else:
                runs += _columns(left, depth + 1) + _columns(right, depth + 1)
                left, right = [], []
                runs.append([ln])
            spanning = True
            continue
        spanning = False
        if (ln.x0 + ln.x1) / 2 < (g0 + g1) / 2:
            left.append(ln)
        else:
            right.append(ln)
    return runs + _columns(left, depth + 1) + _columns(right, depth + 1)


def _find_gutter(lines: list[_Line]) -> tuple[float, float] | None:
    """An x-range in the middle of the text that (almost) no column-width line
    crosses, with a real column of lines on each side."""
    lo = min(ln.x0 for ln in lines)
    hi = max(ln.x1 for ln in lines)
    width = hi - lo
    if width < 100 or len(lines) < 6:
        return None
    narrow = [ln for ln in lines if ln.width < 0.6 * width and ln.kind == ""]
    step = 2.0
    # Lines covering each 2 pt bin, from +1/-1 at each line's first/past-last bin.
    starts = [0] * (int(width / step) + 3)
    for ln in narrow:
        first, last = int((ln.x0 - lo) / step), int((ln.x1 - lo) / step)
        if first <= last:
            starts[first] += 1
            starts[last + 1] -= 1
    bins = list(accumulate(starts[:-1]))
    allowed = int(0.1 * len(narrow))  # centred title/affiliation lines, figure labels
    best = None
    run_start = None
    for b in range(int(0.25 * width / step), int(0.75 * width / step) + 1):
        if bins[b] <= allowed:
            run_start = b if run_start is None else run_start
            if best is None or b - run_start > best[1] - best[0]:
                best = (run_start, b)
        else:
            run_start = None
    if best is None or (best[1] - best[0] + 1) * step < 8:
        return None
    g0, g1 = lo + best[0] * step, lo + (best[1] + 1) * step
    left = [ln for ln in narrow if ln.x1 <= g0 + step]
    right = [ln for ln in narrow if ln.x0 >= g1 - step]
    if len(left) < 3 or len(right) < 3:
        return None
    crossing = sum(1 for ln in lines if ln.x0 < g0 and ln.x1 > g1)
    if crossing > 0.3 * len(lines):
        return None
    # The right side must be a column (a shared left edge), not scattered labels.
    edge = Counter(round(ln.x0 / 3) for ln in right).most_common(1)[0][1]
    if edge < 0.4 * len(right):
        return None
    return g0, g1


def _rows(lines: list[_Line]) -> list[_Line]:
    """Top-to-bottom, and left-to-right among lines sharing a row."""
    out: list[_Line] = []
    row: list[_Line] = []
    for ln in lines:  # already sorted by top
        if row and ln.top > (row[0].top + row[0].bottom) / 2:
            out += sorted(row, key=lambda r: r.x0)
            row = []
        row.append(ln)
    return out + sorted(row, key=lambda r: r.x0)

#!/usr/bin/env python3
"""Render the labelled proposal fixtures from Markdown sources to PDF and DOCX.

Sources live in ``fixtures/proposals/src/NN-slug.md``: YAML front matter
(title, vendor, kind, style, layout, header, footer, expect, traps, notes)
followed by a small Markdown subset:

* ``#``, ``##``, ``###`` headings
* paragraphs (blank-line separated), ``**bold**`` and ``*italic*`` inline; unlike
  standard Markdown, consecutive lines of one paragraph are kept as line breaks
  (cover blocks such as "**Client:** ..." / "**Date:** ..." read naturally)
* ``- `` bullets (indent two spaces for a second level), ``1. `` numbered items
* pipe tables (first row is the header row, ``|---|`` separator row)
* ``> `` block quotes
* footnote references ``[^id]`` and definitions ``[^id]: text``
* ``<!-- pagebreak -->`` on its own line

Outputs (all deterministic, byte for byte, for a given reportlab/python-docx):

* ``fixtures/proposals/pdf/NN-slug.pdf``  - reportlab platypus, invariant mode.
  Running header and footer ("Page N of M") on every page; footnotes are
  drawn at the bottom of the page where they are first referenced.
  ``layout: slides`` gives landscape A4 pages, one per ``##`` heading;
  ``layout: two-column`` gives two frames per page.
* ``fixtures/proposals/docx/NN-slug.docx`` - python-docx: Heading 1/2/3,
  List Bullet / List Number (numbering restarts per list), Table Grid tables,
  Quote, section header/footer with a PAGE field, and REAL Word footnotes
  (a ``word/footnotes.xml`` part, ``w:footnoteReference`` runs in the text).
  Core properties use a fixed date; zip entries use a fixed timestamp.
* ``fixtures/proposals/labels.yaml`` - one entry per source with its labels
  and the pdf/docx paths relative to ``fixtures/proposals/``. Always
  re-derived from *all* sources, also with ``--only``.

Usage::

    python scripts/render_fixtures.py            # render everything
    python scripts/render_fixtures.py --only 07  # render 07-*.md only
"""

from __future__ import annotations

import argparse
import copy
import datetime as _dt
import io
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "proposals"

KINDS = {"quote", "sow", "rfp-response", "slide-deck", "one-pager", "long-plan", "email-offer"}
STYLES = {"glossy", "terse", "consultancy", "legalistic", "non-native", "technical"}
LAYOUTS = {"portrait", "slides", "two-column"}
VERDICTS = {"prompt", "rag", "fine-tune-justified", "no-fine-tuning"}
CORE_FINDINGS = ("PL001", "PL002", "PL003")
EXTENDED_FINDINGS = ("PL004", "PL005", "PL006", "PL007", "PL008")
FINDINGS = CORE_FINDINGS + EXTENDED_FINDINGS  # allowed in expect.findings
TRAPS = {
    "negation", "rejected-alternative", "rfp-quote", "other-tune", "rag-trained-on-docs",
    "justified", "education", "hypothetical", "staff-training", "pricing-model",
}
REQUIRED = ("title", "vendor", "kind", "style", "layout", "expect", "traps", "notes")
SOURCE_NAME = re.compile(r"^(\d{2})-[a-z0-9][a-z0-9-]*\.md$")

FIXED_DATE = _dt.datetime(2025, 1, 15, 9, 0, 0)
ZIP_DATE = (2025, 1, 15, 9, 0, 0)

# The PDFs use the standard (non-embedded) base fonts, which only cover cp1252: map
# the few common extras we might meet; other accented letters lose their accent.
_CHAR_FALLBACK = {
    "\u2265": ">=", "\u2264": "<=", "\u2192": "->", "\u2190": "<-", "\u2248": "~",
    "\u00d7": "x", "\u2212": "-", "\u2011": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    "\u2713": "yes", "\u2717": "no", "\u2714": "yes", "\u2716": "no",
}


class SourceError(ValueError):
    pass


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------

@dataclass
class Block:
    kind: str  # heading | para | bullets | numbers | table | quote | pagebreak
    level: int = 0
    text: str = ""
    items: list = field(default_factory=list)  # list items: (level, text); table rows: [cells]


@dataclass
class Source:
    path: Path
    number: str
    stem: str
    meta: dict
    blocks: list
    footnotes: dict  # id -> text
    footnote_order: list  # ids in order of first reference

    def footnote_number(self, fid: str) -> int:
        return self.footnote_order.index(fid) + 1


def _split_front_matter(text: str, path: Path) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        raise SourceError(f"{path.name}: missing YAML front matter")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise SourceError(f"{path.name}: unterminated YAML front matter")
    meta = yaml.safe_load(text[4:end]) or {}
    if not isinstance(meta, dict):
        raise SourceError(f"{path.name}: front matter is not a mapping")
    return meta, text[end + 5:]


def check_meta(meta: dict, name: str) -> None:
    """Schema checks (types and vocabularies). Label consistency is tested separately."""
    missing = [k for k in REQUIRED if k not in meta]
    if missing:
        raise SourceError(f"{name}: front matter lacks {', '.join(missing)}")
    for key, allowed in (("kind", KINDS), ("style", STYLES), ("layout", LAYOUTS)):
        if meta[key] not in allowed:
            raise SourceError(f"{name}: {key}={meta[key]!r} not in {sorted(allowed)}")
    exp = meta["expect"]
    if not isinstance(exp, dict) or "findings" not in exp or "verdict" not in exp:
        raise SourceError(f"{name}: expect needs findings and verdict")
    if not isinstance(exp["findings"], list) or any(f not in FINDINGS for f in exp["findings"]):
        raise SourceError(f"{name}: expect.findings must be a list drawn from {FINDINGS}")
    if exp["verdict"] not in VERDICTS:
        raise SourceError(f"{name}: expect.verdict={exp['verdict']!r} not in {sorted(VERDICTS)}")
    if not isinstance(meta["traps"], list) or any(t not in TRAPS for t in meta["traps"]):
        raise SourceError(f"{name}: traps must be a list drawn from {sorted(TRAPS)}")
    for key in ("title", "vendor", "notes"):
        if not isinstance(meta[key], str) or not meta[key].strip():
            raise SourceError(f"{name}: {key} must be a non-empty string")
    for key in ("header", "footer"):
        if key in meta and meta[key] is not None and not isinstance(meta[key], str):
            raise SourceError(f"{name}: {key} must be a string")


_RE_HEADING = re.compile(r"^(#{1,3})\s+(.*)$")
_RE_BULLET = re.compile(r"^(\s*)[-*]\s+(.*)$")
_RE_NUMBER = re.compile(r"^(\s*)\d+[.)]\s+(.*)$")
_RE_FNDEF = re.compile(r"^\[\^([^\]\s]+)\]:\s*(.*)$")
_RE_FNREF = re.compile(r"\[\^([^\]\s]+)\]")
_RE_PAGEBREAK = re.compile(r"^<!--\s*pagebreak\s*-->$", re.I)
_RE_TABLE_SEP = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")


def _table_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


def parse_body(body: str, name: str) -> tuple[list, dict]:
    blocks: list[Block] = []
    footnotes: dict[str, str] = {}
    lines = body.split("\n")
    i = 0
    cur: Block | None = None
    last_fn: str | None = None

    def close():
        nonlocal cur, last_fn
        if cur is not None:
            blocks.append(cur)
        cur = None
        last_fn = None

    while i < len(lines):
        raw = lines[i].rstrip()
        i += 1
        stripped = raw.strip()
        if not stripped:
            close()
            continue
        if _RE_PAGEBREAK.match(stripped):
            close()
            blocks.append(Block("pagebreak"))
            continue
        if stripped.startswith("<!--"):
            close()
            continue  # other HTML comments are ignored
        m = _RE_FNDEF.match(stripped)
        if m and not raw.startswith(" "):
            close()
            if m.group(1) in footnotes:
                raise SourceError(f"{name}: footnote [^{m.group(1)}] defined twice")
            footnotes[m.group(1)] = m.group(2)
            last_fn = m.group(1)
            continue
        if last_fn is not None and raw.startswith(" "):
            footnotes[last_fn] += " " + stripped
            continue
        m = _RE_HEADING.match(stripped)
        if m:
            close()
            blocks.append(Block("heading", level=len(m.group(1)), text=m.group(2).strip()))
            continue
        if stripped.startswith("|"):
            if cur is None or cur.kind != "table":
                close()
                cur = Block("table")
            if not _RE_TABLE_SEP.match(stripped):
                cur.items.append(_table_cells(stripped))
            continue
        if stripped.startswith(">"):
            content = stripped[1:].strip()
            if cur is None or cur.kind != "quote":
                close()
                cur = Block("quote", items=[""])
            if not content:
                cur.items.append("")
            else:
                cur.items[-1] = (cur.items[-1] + " " + content).strip()
            continue
        mb = _RE_BULLET.match(raw)
        mn = _RE_NUMBER.match(raw)
        if mb or mn:
            m = mb or mn
            kind = "bullets" if mb else "numbers"
            level = 2 if len(m.group(1)) >= 2 else 1
            if cur is None or cur.kind != kind:
                if not (cur is not None and cur.kind in ("bullets", "numbers") and level == 2):
                    close()
                    cur = Block(kind)
            cur.items.append((level, m.group(2).strip()))
            continue
        if cur is not None and cur.kind in ("bullets", "numbers") and raw.startswith(" "):
            lvl, txt = cur.items[-1]
            cur.items[-1] = (lvl, txt + " " + stripped)
            continue
        if cur is not None and cur.kind == "para":
            cur.text += "\n" + stripped  # a line break inside the paragraph
            continue
        close()
        cur = Block("para", text=stripped)
    close()
    for b in blocks:
        if b.kind == "quote":
            b.items = [p for p in b.items if p]
        if b.kind == "table":
            width = max(len(r) for r in b.items)
            b.items = [r + [""] * (width - len(r)) for r in b.items]
    return blocks, footnotes


def _block_texts(b: Block) -> list[str]:
    if b.kind in ("heading", "para"):
        return [b.text]
    if b.kind in ("bullets", "numbers"):
        return [t for _, t in b.items]
    if b.kind == "quote":
        return list(b.items)
    if b.kind == "table":
        return [c for row in b.items for c in row]
    return []


def parse_source(path: Path) -> Source:
    m = SOURCE_NAME.match(path.name)
    if not m:
        raise SourceError(f"{path.name}: source names must look like NN-slug.md")
    text = path.read_text(encoding="utf-8")
    meta, body = _split_front_matter(text, path)
    check_meta(meta, path.name)
    blocks, footnotes = parse_body(body, path.name)
    order: list[str] = []
    for b in blocks:
        for t in _block_texts(b):
            for fid in _RE_FNREF.findall(t):
                if fid not in footnotes:
                    raise SourceError(f"{path.name}: footnote [^{fid}] is referenced but not defined")
                if fid not in order:
                    order.append(fid)
    unused = [f for f in footnotes if f not in order]
    if unused:
        raise SourceError(f"{path.name}: footnote(s) defined but never referenced: {unused}")
    if not blocks or blocks[0].kind != "heading" or blocks[0].level != 1:
        raise SourceError(f"{path.name}: body must start with a '# ' title heading")
    return Source(path, m.group(1), path.stem, meta, blocks, footnotes, order)


def load_sources(src_dir: Path) -> list[Source]:
    return [parse_source(p) for p in sorted(src_dir.glob("*.md"))]


# ---------------------------------------------------------------------------
# Inline markup
# ---------------------------------------------------------------------------

def inline_segments(text: str) -> list[tuple[str, bool, bool, str | None]]:
    """Split text into (text, bold, italic, footnote_id) segments."""
    segs: list[tuple[str, bool, bool, str | None]] = []
    bold = italic = False
    buf = []
    i = 0

    def flush():
        if buf:
            segs.append(("".join(buf), bold, italic, None))
            buf.clear()

    while i < len(text):
        if text.startswith("\\*", i):
            buf.append("*")
            i += 2
            continue
        if text.startswith("**", i):
            flush()
            bold = not bold
            i += 2
            continue
        if text[i] == "*":
            flush()
            italic = not italic
            i += 1
            continue
        m = _RE_FNREF.match(text, i)
        if m:
            flush()
            segs.append(("", bold, italic, m.group(1)))
            i = m.end()
            continue
        buf.append(text[i])
        i += 1
    flush()
    return segs


def plain_text(text: str) -> str:
    return "".join(s for s, _, _, f in inline_segments(text) if f is None)


def pdf_safe(text: str) -> str:
    out = []
    for ch in text:
        ch = _CHAR_FALLBACK.get(ch, ch)
        try:
            ch.encode("cp1252")
        except UnicodeEncodeError:
            # letters with diacritics outside cp1252 (n-acute, r-caron...) lose the accent
            base_ch = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            try:
                base_ch.encode("cp1252")
                out.append(base_ch)
                continue
            except UnicodeEncodeError:
                pass
            print(f"warning: character {ch!r} not in the PDF base fonts; replaced by '?'", file=sys.stderr)
            ch = "?"
        out.append(ch)
    return "".join(out)


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------

def render_pdf(src: Source, out_path: Path) -> int:
    """Render a source to PDF. Returns the page count."""
    import reportlab.rl_config

    reportlab.rl_config.invariant = 1
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import (BaseDocTemplate, CondPageBreak, Flowable, Frame, PageBreak,
                                    PageTemplate, Paragraph, Spacer, Table, TableStyle)
    from xml.sax.saxutils import escape

    meta = src.meta
    layout = meta["layout"]
    style = meta["style"]
    serif = style in ("legalistic",)
    base = "Times-Roman" if serif else "Helvetica"
    bold_f = "Times-Bold" if serif else "Helvetica-Bold"
    ital_f = "Times-Italic" if serif else "Helvetica-Oblique"
    accent = {
        "glossy": colors.HexColor("#5b2a86"), "consultancy": colors.HexColor("#123b6d"),
        "technical": colors.HexColor("#1f5130"), "legalistic": colors.black,
        "terse": colors.HexColor("#222222"), "non-native": colors.HexColor("#7a2e12"),
    }[style]

    slides = layout == "slides"
    pagesize = landscape(A4) if slides else A4
    pw, ph = pagesize
    lm = rm = 2.0 * cm
    top = 2.4 * cm
    bottom_base = 2.0 * cm
    body_size = 14 if slides else (9.5 if layout == "two-column" else 10)

    def pstyle(name, **kw):
        d = dict(fontName=base, fontSize=body_size, leading=body_size * 1.35, alignment=TA_LEFT,
                 spaceAfter=body_size * 0.6)
        d.update(kw)
        return ParagraphStyle(name, **d)

    st = {
        "h1": pstyle("h1", fontName=bold_f, fontSize=30 if slides else 20, leading=36 if slides else 25,
                     textColor=accent, spaceBefore=0, spaceAfter=14 if slides else 10),
        "h2": pstyle("h2", fontName=bold_f, fontSize=24 if slides else 14.5, leading=29 if slides else 18,
                     textColor=accent, spaceBefore=4 if slides else 12, spaceAfter=12 if slides else 6),
        "h3": pstyle("h3", fontName=bold_f, fontSize=17 if slides else 11.5, leading=21 if slides else 14.5,
                     spaceBefore=8, spaceAfter=4),
        "body": pstyle("body"),
        "bullet": pstyle("bullet", leftIndent=16, bulletIndent=4, spaceAfter=body_size * 0.3),
        "bullet2": pstyle("bullet2", leftIndent=32, bulletIndent=20, spaceAfter=body_size * 0.3),
        "quote": pstyle("quote", fontName=ital_f, leftIndent=22, rightIndent=12, textColor=colors.HexColor("#444444")),
        "cell": pstyle("cell", fontSize=body_size - (3 if slides else 1), leading=(body_size - (3 if slides else 1)) * 1.25, spaceAfter=0),
        "cellh": pstyle("cellh", fontName=bold_f, fontSize=body_size - (3 if slides else 1), leading=(body_size - (3 if slides else 1)) * 1.25, spaceAfter=0),
        "fn": pstyle("fn", fontSize=7.5, leading=9.5, spaceAfter=1),
    }

    def markup(text: str) -> str:
        out = []
        for s, b, it, fid in inline_segments(text):
            if fid is not None:
                out.append(f"<super>{src.footnote_number(fid)}</super>")
                continue
            s = escape(pdf_safe(s)).replace("\n", "<br/>")
            if it:
                s = f"<i>{s}</i>"
            if b:
                s = f"<b>{s}</b>"
            out.append(s)
        return "".join(out)

    class FootnoteAnchor(Flowable):
        """Zero-size marker that records on which page its footnotes were referenced."""

        def __init__(self, nums, record):
            super().__init__()
            self.nums = nums
            self.record = record
            self.width = self.height = 0

        def wrap(self, aw, ah):
            return 0, 0

        def draw(self):
            page = self.canv.getPageNumber()
            for n in self.nums:
                self.record.setdefault(n, page)

    def refs_in(texts):
        return [src.footnote_number(f) for t in texts for f in _RE_FNREF.findall(t)]

    def story(record):
        flow = []
        first_h2 = True
        for b in src.blocks:
            if b.kind == "heading":
                if slides and b.level == 2:
                    if (not first_h2 or len(flow) > 0) and not (flow and isinstance(flow[-1], PageBreak)):
                        flow.append(PageBreak())
                    first_h2 = False
                elif not slides and b.level in (2, 3):
                    flow.append(CondPageBreak(3 * cm))
                if slides and b.level == 1:
                    flow.append(Spacer(1, 4 * cm))
                flow.append(Paragraph(markup(b.text), st[f"h{b.level}"]))
            elif b.kind == "para":
                flow.append(Paragraph(markup(b.text), st["body"]))
            elif b.kind in ("bullets", "numbers"):
                n = 0
                for lvl, t in b.items:
                    if b.kind == "numbers" and lvl == 1:
                        n += 1
                        bt = f"{n}."
                    else:
                        bt = "\u2022" if lvl == 1 else "\u2013"
                    flow.append(Paragraph(markup(t), st["bullet" if lvl == 1 else "bullet2"], bulletText=bt))
                flow.append(Spacer(1, body_size * 0.4))
            elif b.kind == "quote":
                for t in b.items:
                    flow.append(Paragraph(markup(t), st["quote"]))
            elif b.kind == "table":
                avail = frame_width - 4
                ncols = len(b.items[0])
                weights = []
                for c in range(ncols):
                    longest = max(len(plain_text(r[c])) for r in b.items)
                    weights.append(min(max(longest, 6), 45))
                tot = sum(weights)
                widths = [avail * w / tot for w in weights]
                data = [[Paragraph(markup(c), st["cellh" if r == 0 else "cell"]) for c in row]
                        for r, row in enumerate(b.items)]
                t = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
                t.setStyle(TableStyle([
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#777777")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                    ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]))
                flow.append(t)
                flow.append(Spacer(1, body_size * 0.8))
            elif b.kind == "pagebreak":
                flow.append(PageBreak())
            nums = refs_in(_block_texts(b))
            if nums:
                # place the anchor right after the block (before trailing spacer is fine)
                flow.insert(len(flow) - (1 if b.kind in ("bullets", "numbers", "table") else 0),
                            FootnoteAnchor(nums, record))
        return flow

    if layout == "two-column":
        gap = 0.8 * cm
        frame_width = (pw - lm - rm - gap) / 2
    else:
        frame_width = pw - lm - rm

    fn_paras = {src.footnote_number(f): src.footnotes[f] for f in src.footnote_order}

    def fn_block_height(nums):
        if not nums:
            return 0
        h = 10
        for n in nums:
            p = Paragraph(f"<super>{n}</super> {markup(fn_paras[n])}", st["fn"])
            _, ph_ = p.wrap(pw - lm - rm, 1000)
            h += ph_ + 1
        return h

    header = meta.get("header") or ""
    footer = meta.get("footer") or ""

    def make_doc(buf, reserve, fn_pages, total):
        bottom = bottom_base + reserve

        def on_page(canv, doc):
            # running header, drawn before the page body
            if not header:
                return
            canv.saveState()
            canv.setFont(base, 8)
            canv.setFillColor(colors.HexColor("#555555"))
            canv.drawString(lm, ph - 1.3 * cm, pdf_safe(header))
            canv.setStrokeColor(colors.HexColor("#999999"))
            canv.setLineWidth(0.4)
            canv.line(lm, ph - 1.45 * cm, pw - rm, ph - 1.45 * cm)
            canv.restoreState()

        def on_page_end(canv, doc):
            # footnotes, then running footer, drawn after the page body
            canv.saveState()
            page = canv.getPageNumber()
            canv.setFont(base, 8)
            canv.setFillColor(colors.HexColor("#555555"))
            nums = sorted(n for n, p in fn_pages.items() if p == page)
            canv.setFillColor(colors.black)
            if nums:
                y = 1.0 * cm + 14 + fn_block_height(nums)
                canv.setLineWidth(0.5)
                canv.setStrokeColor(colors.black)
                canv.line(lm, y - 2, lm + 5 * cm, y - 2)
                y -= 8
                for n in nums:
                    p = Paragraph(f"<super>{n}</super> {markup(fn_paras[n])}", st["fn"])
                    _, h = p.wrap(pw - lm - rm, 1000)
                    p.drawOn(canv, lm, y - h)
                    y -= h + 1
            canv.setFont(base, 8)
            canv.setFillColor(colors.HexColor("#555555"))
            pn = f"Page {page} of {total}" if total else f"Page {page}"
            if footer:
                canv.drawString(lm, 1.0 * cm, pdf_safe(footer))
            canv.drawRightString(pw - rm, 1.0 * cm, pn)
            canv.restoreState()

        doc = BaseDocTemplate(buf, pagesize=pagesize, leftMargin=lm, rightMargin=rm, topMargin=top,
                              bottomMargin=bottom, title=pdf_safe(meta["title"]),
                              author=pdf_safe(meta["vendor"]), subject=f"proposal-lint fixture {src.stem}",
                              creator="proposal-lint render_fixtures.py")
        fh = ph - top - bottom
        if layout == "two-column":
            frames = [Frame(lm, bottom, frame_width, fh, id="left", leftPadding=0, rightPadding=0),
                      Frame(lm + frame_width + gap, bottom, frame_width, fh, id="right",
                            leftPadding=0, rightPadding=0)]
        else:
            frames = [Frame(lm, bottom, frame_width, fh, id="main", leftPadding=0, rightPadding=0)]
        doc.addPageTemplates([PageTemplate(id="page", frames=frames, onPage=on_page, onPageEnd=on_page_end)])
        return doc

    reserve = 0.0
    fn_pages: dict[int, int] = {}
    total = 0
    data = b""
    for _attempt in range(6):
        record: dict[int, int] = {}
        buf = io.BytesIO()
        doc = make_doc(buf, reserve, fn_pages, total)
        doc.build(story(record))
        pages = doc.page
        by_page: dict[int, list[int]] = {}
        for n, p in record.items():
            by_page.setdefault(p, []).append(n)
        needed = max((fn_block_height(v) for v in by_page.values()), default=0)
        needed = needed + 6 if needed else 0
        data = buf.getvalue()
        if record == fn_pages and pages == total and needed <= reserve:
            break
        fn_pages = record
        total = pages
        reserve = max(reserve, needed)
    else:
        raise SourceError(f"{src.path.name}: PDF footnote layout did not converge")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(data)
    return total


# ---------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------

def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps/attributes so output is byte-stable."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zi.create_system = 0
            z.writestr(zi, src.read(info.filename))
    return out.getvalue()


def render_docx(src: Source, out_path: Path) -> None:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_BREAK
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn
    from docx.shared import Cm, Pt
    from xml.sax.saxutils import escape

    meta = src.meta
    layout = meta["layout"]
    slides = layout == "slides"
    d = docx.Document()

    normal = d.styles["Normal"]
    normal.font.name = "Times New Roman" if meta["style"] == "legalistic" else "Calibri"
    normal.font.size = Pt(14 if slides else 10.5)

    sec = d.sections[0]
    a4w, a4h = Cm(21.0), Cm(29.7)
    if slides:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = a4h, a4w
    else:
        sec.page_width, sec.page_height = a4w, a4h
    sec.left_margin = sec.right_margin = Cm(2.0)
    sec.top_margin = Cm(2.4)
    sec.bottom_margin = Cm(2.0)
    if layout == "two-column":
        sectPr = sec._sectPr
        cols = sectPr.find(qn("w:cols"))
        if cols is None:
            cols = parse_xml(f"<w:cols {nsdecls('w')}/>")
            sectPr.append(cols)
        cols.set(qn("w:num"), "2")
        cols.set(qn("w:space"), "454")

    if meta.get("header"):
        sec.header.paragraphs[0].text = meta["header"]
    fpar = sec.footer.paragraphs[0]
    if meta.get("footer"):
        fpar.add_run(meta["footer"] + "\t")
    fpar.add_run("Page ")
    r_begin = fpar.add_run()
    r_begin._r.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="begin"/>'))
    r_instr = fpar.add_run()
    r_instr._r.append(parse_xml(f'<w:instrText {nsdecls("w")} xml:space="preserve"> PAGE </w:instrText>'))
    r_sep = fpar.add_run()
    r_sep._r.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="separate"/>'))
    fpar.add_run("1")
    r_end = fpar.add_run()
    r_end._r.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="end"/>'))

    # -- footnotes part ----------------------------------------------------
    W = nsdecls("w")
    fn_xml = [f'<w:footnotes {W}>',
              '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
              'w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>',
              '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" '
              'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>']

    def run_xml(text, bold=False, italic=False, size=None):
        rpr = ""
        if bold or italic or size:
            rpr = "<w:rPr>" + ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "") + \
                  (f'<w:sz w:val="{size}"/>' if size else "") + "</w:rPr>"
        return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'

    for fid in src.footnote_order:
        n = src.footnote_number(fid)
        runs = "".join(run_xml(s, b, i, 18) for s, b, i, f in inline_segments(" " + src.footnotes[fid]) if f is None)
        fn_xml.append(
            f'<w:footnote w:id="{n}"><w:p><w:pPr><w:spacing w:after="0"/></w:pPr>'
            f'<w:r><w:rPr><w:vertAlign w:val="superscript"/><w:sz w:val="18"/></w:rPr><w:footnoteRef/></w:r>'
            f'{runs}</w:p></w:footnote>')
    fn_xml.append("</w:footnotes>")
    if src.footnote_order:
        part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES,
                    "".join(fn_xml).encode("utf-8"), d.part.package)
        d.part.relate_to(part, RT.FOOTNOTES)

    def add_inline(par, text):
        for s, b, it, fid in inline_segments(text):
            if fid is not None:
                r = par.add_run()
                rpr = parse_xml(f'<w:rPr {W}><w:vertAlign w:val="superscript"/></w:rPr>')
                r._r.append(rpr)
                r._r.append(parse_xml(f'<w:footnoteReference {W} w:id="{src.footnote_number(fid)}"/>'))
                continue
            for k, piece in enumerate(s.split("\n")):
                if k:
                    par.add_run().add_break()
                r = par.add_run(piece)
                r.bold = b or None
                r.italic = it or None

    # -- numbering restart support ----------------------------------------
    numbering = d.part.numbering_part.element
    ln_style = d.styles["List Number"]
    ln_numpr = ln_style.element.pPr.numPr
    base_num = numbering.num_having_numId(ln_numpr.numId.val)
    abstract_id = base_num.abstractNumId.val

    first_h2 = True
    body_started = False
    prev_break = False
    for b in src.blocks:
        if b.kind == "heading":
            if slides and b.level == 2:
                if (not first_h2 or body_started) and not prev_break:
                    d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
                first_h2 = False
            p = d.add_paragraph(style=f"Heading {b.level}")
            add_inline(p, b.text)
            if b.level == 2 and slides:
                for r in p.runs:
                    r.font.size = Pt(24)
            if b.level == 1 and slides:
                for r in p.runs:
                    r.font.size = Pt(30)
        elif b.kind == "para":
            add_inline(d.add_paragraph(), b.text)
        elif b.kind == "bullets":
            for lvl, t in b.items:
                add_inline(d.add_paragraph(style="List Bullet" if lvl == 1 else "List Bullet 2"), t)
        elif b.kind == "numbers":
            num = numbering.add_num(abstract_id)
            num.add_lvlOverride(ilvl=0).add_startOverride(1)
            for lvl, t in b.items:
                if lvl == 1:
                    p = d.add_paragraph(style="List Number")
                    p._p.get_or_add_pPr().get_or_add_numPr().get_or_add_numId().val = num.numId
                    p._p.get_or_add_pPr().get_or_add_numPr().get_or_add_ilvl().val = 0
                else:
                    p = d.add_paragraph(style="List Bullet 2")
                add_inline(p, t)
        elif b.kind == "quote":
            for t in b.items:
                add_inline(d.add_paragraph(style="Quote"), t)
        elif b.kind == "table":
            rows, cols = len(b.items), len(b.items[0])
            tbl = d.add_table(rows=rows, cols=cols)
            tbl.style = d.styles["Table Grid"]
            for r, row in enumerate(b.items):
                for c, cell_text in enumerate(row):
                    cell = tbl.cell(r, c)
                    par = cell.paragraphs[0]
                    add_inline(par, cell_text)
                    if r == 0:
                        for run in par.runs:
                            run.bold = True
            d.add_paragraph()
        elif b.kind == "pagebreak":
            d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        prev_break = b.kind == "pagebreak"
        if b.kind != "heading" or b.level != 1:
            body_started = body_started or b.kind != "heading"

    cp = d.core_properties
    cp.title = meta["title"]
    cp.author = meta["vendor"]
    cp.last_modified_by = meta["vendor"]
    cp.subject = f"proposal-lint fixture {src.stem}"
    cp.keywords = ""
    cp.comments = ""
    cp.revision = 1
    cp.created = FIXED_DATE
    cp.modified = FIXED_DATE
    cp.last_printed = FIXED_DATE

    buf = io.BytesIO()
    d.save(buf)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(_normalise_zip(buf.getvalue()))


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------

def label_entry(src: Source) -> dict:
    m = src.meta
    return {
        "id": src.stem,
        "title": m["title"],
        "vendor": m["vendor"],
        "kind": m["kind"],
        "style": m["style"],
        "layout": m["layout"],
        "traps": list(m["traps"]),
        "notes": " ".join(m["notes"].split()),
        "expect": {"findings": list(m["expect"]["findings"]), "verdict": m["expect"]["verdict"]},
        "source": f"src/{src.path.name}",
        "pdf": f"pdf/{src.stem}.pdf",
        "docx": f"docx/{src.stem}.docx",
    }


def labels_yaml(sources: list[Source]) -> str:
    head = ("# Generated by scripts/render_fixtures.py from fixtures/proposals/src/*.md - do not edit.\n"
            "# Paths are relative to fixtures/proposals/. expect.findings lists the rules\n"
            "# (core PL001-PL003, extended PL004-PL008) that MUST fire; expect.verdict is the\n"
            "# expected verdict (it follows the core findings only).\n")
    body = yaml.safe_dump({"documents": [label_entry(s) for s in sources]}, sort_keys=False,
                          allow_unicode=True, width=100, default_flow_style=None)
    return head + body


# ---------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", metavar="NN", help="render only the source whose number is NN")
    ap.add_argument("--root", type=Path, default=FIXTURES,
                    help="fixture folder holding src/ (default: fixtures/proposals)")
    args = ap.parse_args(argv)
    root: Path = args.root
    try:
        sources = load_sources(root / "src")
    except SourceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    numbers = [s.number for s in sources]
    dupes = sorted({n for n in numbers if numbers.count(n) > 1})
    if dupes:
        print(f"error: duplicate source numbers {dupes}", file=sys.stderr)
        return 2
    todo = sources
    if args.only:
        todo = [s for s in sources if s.number == args.only.zfill(2)]
        if not todo:
            print(f"error: no source numbered {args.only}", file=sys.stderr)
            return 2
    for s in todo:
        pages = render_pdf(s, root / "pdf" / f"{s.stem}.pdf")
        render_docx(s, root / "docx" / f"{s.stem}.docx")
        print(f"{s.stem}: {pages} page(s)")
    (root / "labels.yaml").write_text(labels_yaml(sources), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

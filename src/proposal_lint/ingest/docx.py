"""DOCX/DOCM extraction: walk the WordprocessingML of the main part in order.

We parse the OOXML ourselves with a locked-down lxml parser instead of using
python-docx's object API: python-docx cannot open Strict OOXML, skips text
boxes, content controls and fields in its paragraph text, and gives no
control over tracked changes (it reads deleted and inserted text alike).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from proposal_lint.ingest.ooxml_safety import SafeZip, parse_xml
from proposal_lint.ingest.normalize import SectionPath
from proposal_lint.ingest.text import clean_text
from proposal_lint.model import Block, BlockKind, Document, Format, IngestError, TableRef

# Strict OOXML (ISO 29500 strict) namespaces are rewritten to their
# transitional twins right after parsing, so one walker serves both.
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
DC = "http://purl.org/dc/elements/1.1/"
_STRICT_TO_TRANSITIONAL = {
    "http://purl.oclc.org/ooxml/wordprocessingml/main": W,
    "http://purl.oclc.org/ooxml/officeDocument/relationships": R,
    "http://purl.oclc.org/ooxml/officeDocument/math": M,
}

MAX_PART_BYTES = 64 * 1024 * 1024  # any single XML part
_ODT_MIME = b"application/vnd.oasis.opendocument.text"


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def _wval(el: etree._Element | None, attr: str = "val") -> str | None:
    return None if el is None else el.get(_w(attr))


def _split(tag) -> tuple[str, str]:
    if not isinstance(tag, str):  # comments, PIs, entities
        return "", ""
    if tag[0] == "{":
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _to_transitional(root: etree._Element) -> etree._Element:
    for el in root.iter(etree.Element):
        ns, local = _split(el.tag)
        if ns in _STRICT_TO_TRANSITIONAL:
            el.tag = f"{{{_STRICT_TO_TRANSITIONAL[ns]}}}{local}"
        for key in [k for k in el.attrib if k.startswith("{")]:
            ans, alocal = _split(key)
            if ans in _STRICT_TO_TRANSITIONAL:
                el.attrib[f"{{{_STRICT_TO_TRANSITIONAL[ans]}}}{alocal}"] = el.attrib.pop(key)
    return root


# ---- numbering ----------------------------------------------------------------

_BULLETS = {"\uf0b7": "•", "\uf0a7": "▪", "\uf0d8": "➢", "\uf0fc": "✓", "\uf076": "❖", "\uf0a8": "•"}


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                       (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + sym, n - value
    return out


def _letters(n: int) -> str:
    # Word repeats the letter: a..z, aa..zz, aaa..
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""


def _format_number(n: int, fmt: str) -> str:
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1


class _Numbering:
    """Renders list prefixes ("1.", "a)", "•") from numbering.xml, counting as Word does."""

    def __init__(self, root: etree._Element | None, styles: _Styles):
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.abstract_style_link: dict[str, str] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.styles = styles
        self.counters: dict[str, list[int | None]] = {}
        self.seen_nums: set[str] = set()
        if root is None:
            return
        for absn in root.iter(_w("abstractNum")):
            levels = {}
            for lvl in absn.findall(_w("lvl")):
                level = _Level(
                    fmt=_wval(lvl.find(_w("numFmt"))) or "decimal",
                    text=_wval(lvl.find(_w("lvlText"))) or "",
                    start=_int(_wval(lvl.find(_w("start"))), 1),
                )
                levels[_int(lvl.get(_w("ilvl")), 0)] = level
            aid = absn.get(_w("abstractNumId"), "")
            self.abstract[aid] = levels
            link = _wval(absn.find(_w("numStyleLink")))
            if link:
                self.abstract_style_link[aid] = link
        for num in root.iter(_w("num")):
            overrides = {}
            for ov in num.findall(_w("lvlOverride")):
                start = _wval(ov.find(_w("startOverride")))
                if start is not None:
                    overrides[_int(ov.get(_w("ilvl")), 0)] = _int(start, 1)
            self.nums[num.get(_w("numId"), "")] = (_wval(num.find(_w("abstractNumId"))) or "", overrides)

    def _levels(self, num_id: str) -> tuple[str, dict[int, _Level]] | None:
        for _ in range(3):  # follow numStyleLink -> style -> numId, a couple of hops at most
            if num_id not in self.nums:
                return None
            aid, _ov = self.nums[num_id]
            if aid in self.abstract_style_link and not self.abstract.get(aid):
                num_id = self.styles.num_pr(self.abstract_style_link[aid])[0] or ""
                continue
            return aid, self.abstract.get(aid, {})
        return None

    def next_label(self, num_id: str, ilvl: int) -> str | None:
        found = self._levels(num_id)
        if found is None:
            return None
        aid, levels = found
        _aid, overrides = self.nums[num_id]
        key = f"num:{num_id}" if overrides else f"abs:{aid}"
        counters = self.counters.setdefault(key, [None] * 10)
        if num_id not in self.seen_nums:
            self.seen_nums.add(num_id)
            for lvl, start in overrides.items():
                if 0 <= lvl < 10:
                    counters[lvl] = start - 1
        ilvl = max(0, min(ilvl, 9))
        level = levels.get(ilvl, _Level())
        counters[ilvl] = level.start if counters[ilvl] is None else counters[ilvl] + 1
        for deeper in range(ilvl + 1, 10):
            counters[deeper] = None
        if level.fmt == "bullet":
            char = level.text.strip() or "•"
            return "".join(_BULLETS.get(c, "•" if "\ue000" <= c <= "\uf8ff" else c) for c in char)
        if level.fmt == "none":
            return level.text.strip() or ""

        def sub(m: re.Match) -> str:
            i = int(m.group(1)) - 1
            lv = levels.get(i, _Level())
            n = counters[i] if i < 10 and counters[i] is not None else lv.start
            return _format_number(n, lv.fmt if i != ilvl else level.fmt)

        return re.sub(r"%([1-9])", sub, level.text).strip()


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


# ---- styles -------------------------------------------------------------------

_HEADING_NAME = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)


@dataclass
class _Style:
    name: str = ""
    based_on: str | None = None
    outline: int | None = None
    num_id: str | None = None
    ilvl: int | None = None


class _Styles:
    def __init__(self, root: etree._Element | None):
        self.styles: dict[str, _Style] = {}
        self.default_para: str | None = None
        if root is None:
            return
        for st in root.iter(_w("style")):
            sid = st.get(_w("styleId"), "")
            ppr = st.find(_w("pPr"))
            num_pr = ppr.find(_w("numPr")) if ppr is not None else None
            outline = _wval(ppr.find(_w("outlineLvl"))) if ppr is not None else None
            self.styles[sid] = _Style(
                name=_wval(st.find(_w("name"))) or sid,
                based_on=_wval(st.find(_w("basedOn"))),
                outline=_int(outline, 9) if outline is not None else None,
                num_id=_wval(num_pr.find(_w("numId"))) if num_pr is not None else None,
                ilvl=_int(_wval(num_pr.find(_w("ilvl"))), 0) if num_pr is not None and num_pr.find(_w("ilvl")) is not None else None,
            )
            if st.get(_w("type")) == "paragraph" and st.get(_w("default")) in ("1", "true", "on"):
                self.default_para = sid

    def _chain(self, sid: str | None):
        seen = set()
        while sid and sid not in seen:
            seen.add(sid)
            style = self.styles.get(sid)
            if style is None:
                # No styles part (or a dangling reference): the id alone still
                # tells us about built-in headings ("Heading2", "Title").
                yield _Style(name=sid)
                return
            yield style
            sid = style.based_on

    def heading_level(self, sid: str | None) -> int | None:
        for style in self._chain(sid):
            name = style.name.strip()
            m = _HEADING_NAME.match(name)  # "heading 2", or the bare id "Heading2"
            if m:
                return int(m.group(1))
            if name.lower() == "title":
                return 1
            if style.outline is not None:
                return style.outline + 1 if style.outline < 9 else None
        return None

    def num_pr(self, sid: str | None) -> tuple[str | None, int | None]:
        for style in self._chain(sid):
            if style.num_id is not None:
                return style.num_id, style.ilvl
        return None, None


# ---- package ------------------------------------------------------------------


def _rel_suffix(rel_type: str) -> str:
    return rel_type.rstrip("/").rsplit("/", 1)[-1]


class _Package:
    def __init__(self, zf: SafeZip):
        self.zf = zf
        self._cache: dict[str, etree._Element | None] = {}

    def xml(self, name: str | None) -> etree._Element | None:
        """A part's parsed XML, or None if the package lacks it."""
        if not name or not self.zf.has(name):
            return None
        key = name.lower()
        if key not in self._cache:
            self._cache[key] = _to_transitional(parse_xml(self.zf.read(name, cap=MAX_PART_BYTES), name))
        return self._cache[key]

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationships of a part: id -> (type suffix, target part name)."""
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", base + ".rels"))
        out = {}
        if root is None:
            return out
        for rel in root.iter(f"{{{PKG_REL}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = unquote(rel.get("Target", ""))
            name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out[rel.get("Id", "")] = (_rel_suffix(rel.get("Type", "")), name)
        return out

    def related(self, part: str, suffixes: tuple[str, ...]) -> str | None:
        for rel_type, target in self.rels(part).values():
            if rel_type in suffixes:
                return target
        return None


# ---- the walker ---------------------------------------------------------------


@dataclass
class _Para:
    """A paragraph's visible text plus things anchored in it (notes, text boxes)."""

    text: str
    side: list[tuple[str, object]] = field(default_factory=list)


@dataclass
class _Field:
    instr: list[str] = field(default_factory=list)
    showing_result: bool = False


# Page-number fields in headers/footers hold whatever page Word last laid out;
# their cached results would only defeat header/footer de-duplication.
_PAGE_FIELDS = frozenset({"PAGE", "NUMPAGES", "SECTIONPAGES"})


@dataclass
class _Story:
    """Per-story state: complex fields can span paragraphs within one story."""

    kind: BlockKind | None  # None for the main body
    fields: list[_Field] = field(default_factory=list)  # open complex fields, outermost first

    @property
    def visible(self) -> bool:
        return all(f.showing_result for f in self.fields)

    def shows_result(self, instr: str) -> bool:
        code = instr.split()[0].upper() if instr.split() else ""
        return not (self.kind in (BlockKind.header, BlockKind.footer) and code in _PAGE_FIELDS)


class _Extractor:
    def __init__(self, pkg: _Package, main: str, root: etree._Element):
        self.pkg = pkg
        self.main = main
        self.root = root
        self.rels = pkg.rels(main)
        self.styles = _Styles(pkg.xml(self._target("styles")))
        self.numbering = _Numbering(pkg.xml(self._target("numbering")), self.styles)
        self.notes = {
            "footnote": self._notes("footnotes", "footnote"),
            "endnote": self._notes("endnotes", "endnote"),
            "comment": self._notes("comments", "comment"),
        }
        self.emitted_notes: set[tuple[str, str]] = set()
        self.blocks: list[Block] = []
        self.path = SectionPath()
        self.tables = 0
        self.seen_running: set[tuple[BlockKind, str]] = set()
        self.warnings: list[str] = []

    def _target(self, suffix: str) -> str | None:
        return self.pkg.related(self.main, (suffix,))

    def _notes(self, rel: str, tag: str) -> dict[str, etree._Element]:
        root = self.pkg.xml(self._target(rel))
        if root is None:
            return {}
        # Separator "notes" (w:type set) are layout, not text.
        return {n.get(_w("id"), ""): n for n in root.iter(_w(tag)) if tag == "comment" or not n.get(_w("type"))}

    # -- output

    def emit(self, kind: BlockKind, text: str, *, level: int | None = None, table: TableRef | None = None) -> None:
        text = clean_text(text)
        if not text:
            return
        if kind in (BlockKind.header, BlockKind.footer):
            if (kind, text) in self.seen_running:
                return
            self.seen_running.add((kind, text))
        section = [] if kind in (BlockKind.header, BlockKind.footer) else self.path.headings
        self.blocks.append(Block(index=len(self.blocks), kind=kind, text=text, section=section, level=level, table=table))

    # -- document

    def run(self) -> None:
        body = self.root.find(_w("body"))
        if body is None:
            raise IngestError("corrupt", f"{self.main} has no w:body")
        headers, footers = self._running_parts(body)
        for part in headers:
            self._running_story(part, BlockKind.header)
        self._container(body, _Story(kind=None))
        for kind in ("footnote", "endnote", "comment"):  # notes nobody references: keep, at the end
            for note_id in self.notes[kind]:
                self._note(kind, note_id)
        for part in footers:
            self._running_story(part, BlockKind.footer)
        if not any(b.kind not in (BlockKind.header, BlockKind.footer, BlockKind.comment) for b in self.blocks):
            self.warnings.append("no text found in the document body")

    def _running_parts(self, body: etree._Element) -> tuple[list[str], list[str]]:
        order = {"default": 0, "first": 1, "even": 2}
        headers, footers = [], []
        for sect in body.iter(_w("sectPr")):
            for tag, out in (("headerReference", headers), ("footerReference", footers)):
                refs = sorted(sect.findall(_w(tag)), key=lambda e: order.get(e.get(_w("type"), "default"), 3))
                for ref in refs:
                    target = self.rels.get(ref.get(f"{{{R}}}id", ""), ("", ""))[1]
                    if target and target not in out:
                        out.append(target)
        return headers, footers

    def _running_story(self, part: str, kind: BlockKind) -> None:
        root = self.pkg.xml(part)
        if root is not None:
            self._container(root, _Story(kind=kind))

    def _note(self, kind: str, note_id: str) -> None:
        if (kind, note_id) in self.emitted_notes or note_id not in self.notes[kind]:
            return
        self.emitted_notes.add((kind, note_id))
        block_kind = BlockKind.comment if kind == "comment" else BlockKind.footnote
        story = _Story(kind=block_kind)
        texts, deferred = [], []
        self._collect(self.notes[kind][note_id], story, texts, deferred)
        self.emit(block_kind, "\n".join(texts))
        self._flush(deferred, story)

    # -- block-level content

    def _block_children(self, container: etree._Element):
        """Block-level children, looking through wrappers (content controls, tracked insertions)."""
        for child in container:
            ns, local = _split(child.tag)
            if ns == W:
                if local in ("p", "tbl"):
                    yield child
                elif local in ("sdt",):
                    content = child.find(_w("sdtContent"))
                    if content is not None:
                        yield from self._block_children(content)
                elif local in ("customXml", "ins", "moveTo", "smartTag", "sdtContent"):
                    yield from self._block_children(child)
                elif local == "altChunk":
                    self.warnings.append("embedded altChunk content (imported HTML/RTF) was not extracted")
            elif ns == MC and local == "AlternateContent":
                branch = _choose_branch(child)
                if branch is not None:
                    yield from self._block_children(branch)

    def _container(self, container: etree._Element, story: _Story) -> None:
        """Emit blocks for a body, header, footer or text box, in order."""
        for child in self._block_children(container):
            if _split(child.tag)[1] == "tbl":
                self._table(child, story)
                continue
            para = self._paragraph(child, story)
            kind, level = self._classify(child, story, para)
            if kind is BlockKind.heading and clean_text(para.text):
                heading = clean_text(para.text).replace("\n", " ")
                self.path.enter(level, heading)
            self.emit(kind, para.text, level=level)
            self._flush(para.side, story)

    def _collect(self, container, story: _Story, texts: list[str], deferred: list) -> None:
        """Gather the text of a table cell or note; nested tables and anchors are deferred."""
        for child in self._block_children(container):
            if _split(child.tag)[1] == "tbl":
                deferred.append(("table", child))
                continue
            para = self._paragraph(child, story)
            self._classify(child, story, para)
            texts.append(para.text)
            deferred.extend(para.side)

    def _flush(self, side: list, story: _Story) -> None:
        for what, ref in side:
            if what == "table":
                self._table(ref, story)
            elif what == "textbox":
                kind = BlockKind.text_box if story.kind in (None, BlockKind.text_box) else story.kind
                self._text_box(ref, kind)
            else:
                self._note(what, ref)

    def _text_box(self, content: etree._Element, kind: BlockKind) -> None:
        story = _Story(kind=kind)
        texts, deferred = [], []
        self._collect(content, story, texts, deferred)
        self.emit(kind, "\n".join(texts))
        self._flush(deferred, story)

    def _classify(self, p: etree._Element, story: _Story, para: _Para) -> tuple[BlockKind, int | None]:
        """Decide heading / list item / paragraph; prefixes list numbers onto para.text."""
        ppr = p.find(_w("pPr"))
        style_id = _wval(ppr.find(_w("pStyle"))) if ppr is not None else None
        style_id = style_id or self.styles.default_para
        num_id, ilvl = self.styles.num_pr(style_id)
        num_pr = ppr.find(_w("numPr")) if ppr is not None else None
        if num_pr is not None:
            num_id = _wval(num_pr.find(_w("numId"))) or num_id
            ilvl_el = num_pr.find(_w("ilvl"))
            ilvl = _int(_wval(ilvl_el), 0) if ilvl_el is not None else ilvl
        ilvl = ilvl or 0
        label = None
        if num_id and num_id != "0":
            label = self.numbering.next_label(num_id, ilvl)
        if label and clean_text(para.text):
            para.text = f"{label} {para.text}"

        level = None
        outline = _wval(ppr.find(_w("outlineLvl"))) if ppr is not None else None
        if outline is not None:
            n = _int(outline, 9)
            level = n + 1 if n < 9 else None
        else:
            level = self.styles.heading_level(style_id)
        if story.kind is not None:
            return story.kind, None
        if level is not None:
            self.styled_heading_level = level
            return BlockKind.heading, level
        if label is not None:
            return BlockKind.list_item, ilvl + 1
        if _looks_like_bold_heading(p, para.text):
            # Many real proposals make headings by bolding a Normal paragraph.
            # Numbered ones ("2.1 Pricing") take their depth from the number;
            # others sit one below the last styled heading, as siblings.
            numbered = re.match(r"^\s*(\d+(?:\.\d+)*)\.?\s", para.text)
            depth = numbered.group(1).count(".") + 1 if numbered else (self.styled_heading_level or 0) + 1
            return BlockKind.heading, min(depth, 9)
        return BlockKind.paragraph, None

    # -- tables

    def _table(self, tbl: etree._Element, story: _Story) -> None:
        table_no = self.tables
        if story.kind is None:  # only body tables are numbered; elsewhere cells are flattened
            self.tables += 1
        origin_text: dict[int, str] = {}  # grid column -> text of the cell a vertical merge continues
        rows = [c for c in self._row_children(tbl)]
        for row_no, tr in enumerate(rows):
            trpr = tr.find(_w("trPr"))
            if trpr is not None and trpr.find(_w("del")) is not None:
                continue  # a tracked row deletion
            col = _int(_wval(trpr.find(_w("gridBefore"))) if trpr is not None else None, 0)
            for tc in self._cell_children(tr):
                tcpr = tc.find(_w("tcPr"))
                span = max(1, _int(_wval(tcpr.find(_w("gridSpan"))) if tcpr is not None else None, 1))
                vmerge = tcpr.find(_w("vMerge")) if tcpr is not None else None
                hmerge = tcpr.find(_w("hMerge")) if tcpr is not None else None
                continues = (vmerge is not None and _wval(vmerge) in (None, "continue")) or (
                    hmerge is not None and _wval(hmerge) in (None, "continue")
                )
                texts, deferred = [], []
                self._collect(tc, story, texts, deferred)
                text = clean_text("\n".join(texts))
                if continues and text in ("", origin_text.get(col, "")):
                    pass  # merged into the cell above (or to the left): already emitted
                else:
                    origin_text[col] = text
                    if story.kind is None:
                        self.emit(BlockKind.table_cell, text, table=TableRef(table=table_no, row=row_no, col=col))
                    else:
                        self.emit(story.kind, text)
                self._flush(deferred, story)
                col += span

    def _row_children(self, tbl):
        for child in tbl:
            ns, local = _split(child.tag)
            if ns == W and local == "tr":
                yield child
            elif ns == W and local in ("sdt", "customXml", "sdtContent", "ins", "moveTo"):
                yield from self._row_children(child.find(_w("sdtContent")) if local == "sdt" else child)

    def _cell_children(self, tr):
        for child in tr if tr is not None else ():
            ns, local = _split(child.tag)
            if ns == W and local == "tc":
                yield child
            elif ns == W and local in ("sdt", "customXml", "sdtContent", "ins", "moveTo"):
                yield from self._cell_children(child.find(_w("sdtContent")) if local == "sdt" else child)

    # -- inline content

    styled_heading_level: int | None = None  # level of the last heading made by a style

    def _paragraph(self, p: etree._Element, story: _Story) -> _Para:
        out: list[str] = []
        para = _Para(text="")
        self._inline(p, story, out, para.side)
        para.text = "".join(out)
        return para

    def _inline(self, el: etree._Element, story: _Story, out: list[str], side: list) -> None:
        for child in el:
            ns, local = _split(child.tag)
            if ns == W:
                if local == "t":
                    if story.visible and child.text:
                        out.append(child.text)
                elif local in ("tab", "ptab"):
                    if story.visible:
                        out.append("\t")
                elif local in ("br", "cr"):
                    if story.visible:
                        out.append("\n")
                elif local == "noBreakHyphen":
                    if story.visible:
                        out.append("-")
                elif local == "fldChar":
                    kind = child.get(_w("fldCharType"))
                    if kind == "begin":
                        story.fields.append(_Field())
                    elif kind == "separate" and story.fields:
                        top = story.fields[-1]
                        top.showing_result = story.shows_result("".join(top.instr))
                    elif kind == "end" and story.fields:
                        story.fields.pop()
                elif local == "instrText":
                    if story.fields:
                        story.fields[-1].instr.append(child.text or "")
                elif local == "fldSimple":
                    if story.shows_result(child.get(_w("instr"), "")):
                        self._inline(child, story, out, side)
                elif local in ("footnoteReference", "endnoteReference", "commentReference"):
                    side.append((local[: -len("Reference")], child.get(_w("id"), "")))
                elif local == "txbxContent":
                    side.append(("textbox", child))
                elif local in (
                    "del", "moveFrom", "delText", "delInstrText", "rPr", "pPr",
                    "sectPr", "rt", "sdtPr", "sdtEndPr", "fldData", "tblPr", "tcPr", "trPr",
                ):
                    continue
                else:
                    # r, ins, moveTo, hyperlink, smartTag, customXml, sdt, sdtContent,
                    # ruby, rubyBase, drawing, pict ...
                    self._inline(child, story, out, side)
            elif ns == MC:
                if local == "AlternateContent":
                    branch = _choose_branch(child)
                    if branch is not None:
                        self._inline(branch, story, out, side)
            elif ns == M and local == "t":
                if story.visible and child.text:
                    out.append(child.text)
            elif ns:
                # DrawingML / VML wrappers: descend to reach any w:txbxContent.
                self._inline(child, story, out, side)


_FALSE = ("0", "false", "off", "none")


def _looks_like_bold_heading(p: etree._Element, text: str) -> bool:
    """A short line whose every run of text is bold, not ending like a sentence."""
    text = " ".join(text.split())
    if not text or len(text) > 90 or len(text.split()) > 12 or text[-1] in ".,;!?" or not any(c.isalpha() for c in text):
        return False
    runs = [r for r in p.iter(_w("r")) if any((t.text or "").strip() for t in r.iter(_w("t")))]
    if not runs:
        return False
    for r in runs:
        rpr = r.find(_w("rPr"))
        b = rpr.find(_w("b")) if rpr is not None else None
        if b is None or (_wval(b) or "true").lower() in _FALSE:
            return False
    return True


def _choose_branch(alt: etree._Element) -> etree._Element | None:
    """Pick exactly one branch of mc:AlternateContent (they hold the same content twice)."""
    choice = alt.find(f"{{{MC}}}Choice")
    return choice if choice is not None else alt.find(f"{{{MC}}}Fallback")


# ---- metadata -----------------------------------------------------------------


def _metadata(pkg: _Package) -> tuple[str | None, str | None]:
    producer = title = None
    try:
        app = pkg.xml(pkg.related("", ("extended-properties", "extendedProperties")))
        if app is not None:
            for child in app:
                if _split(child.tag)[1] == "Application" and (child.text or "").strip():
                    producer = child.text.strip()
        core = pkg.xml(pkg.related("", ("core-properties",)))
        if core is not None:
            el = core.find(f"{{{DC}}}title")
            if el is not None and (el.text or "").strip():
                title = clean_text(el.text).replace("\n", " ")
    except IngestError as exc:
        if exc.code in ("unsafe-xml", "zip-bomb"):
            raise
        # Broken metadata parts should not cost us the document text.
    return producer, title


# ---- entry point --------------------------------------------------------------


def _find_main_part(pkg: _Package) -> str | None:
    main = pkg.related("", ("officeDocument",))
    if main and pkg.zf.has(main):
        return main
    return "word/document.xml" if pkg.zf.has("word/document.xml") else None


def _not_word(zf: SafeZip) -> None:
    if zf.has("mimetype"):
        mime = zf.read("mimetype", cap=256).strip()
        if mime.startswith(_ODT_MIME):
            raise IngestError(
                "legacy-format", "OpenDocument text (.odt); save it as .docx or export to PDF and lint that"
            )
    raise IngestError("unsupported-format", "zip archive that is not a Word document")


def _extract(path: Path, sha256: str, size: int, limits) -> Document:
    with SafeZip(path, max_unzipped_bytes=limits.max_unzipped_bytes, max_zip_ratio=limits.max_zip_ratio) as zf:
        pkg = _Package(zf)
        if zf.has("mimetype") and not zf.has("[Content_Types].xml"):
            _not_word(zf)
        main = _find_main_part(pkg)
        if main is None:
            _not_word(zf)
        root = pkg.xml(main)
        if root.tag != _w("document"):
            _not_word(zf)
        ex = _Extractor(pkg, main, root)
        ex.run()
        producer, title = _metadata(pkg)
        if any(n.lower().endswith("vbaproject.bin") for n in zf.names()):
            ex.warnings.append("document contains macros (VBA project); they were ignored")
    return Document(
        path=str(path),
        format=Format.docx,
        sha256=sha256,
        size=size,
        pages=None,
        producer=producer,
        title=title,
        blocks=ex.blocks,
        warnings=list(dict.fromkeys(ex.warnings)),
    )


def extract(path: str | Path, *, sha256: str, size: int, limits=None) -> Document:
    """Extract a Document from a .docx/.docm, or raise IngestError (never anything else)."""
    if limits is None:
        from proposal_lint.ingest import Limits

        limits = Limits()
    try:
        return _extract(Path(path), sha256, size, limits)
    except IngestError:
        raise
    except RecursionError:
        raise IngestError("corrupt", "document structure is nested too deeply") from None
    except MemoryError:
        raise IngestError("too-large", "document needs too much memory to extract") from None
    except Exception as exc:  # a hostile or broken file must not crash the run
        raise IngestError("corrupt", f"cannot read Word document ({type(exc).__name__}: {exc})") from None

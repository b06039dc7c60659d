"""DOCX extraction: exact output for the generated layout fixtures, targeted
synthetic documents, and the real-world corpus in ../shared/corpus/docx."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import proposal_lint
from proposal_lint.ingest import load_document
from proposal_lint.ingest.docx import _format_number
from proposal_lint.model import BlockKind, Format, IngestError

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "layout"
CORPUS = REPO.parent / "shared" / "corpus"
DOCX_CORPUS = CORPUS / "docx"


def rows(doc):
    return [
        (b.kind.value, b.text, b.level, b.section, b.table and (b.table.table, b.table.row, b.table.col))
        for b in doc.blocks
    ]


S1 = ["1. Executive summary"]
S2 = ["2. Approach", "2.1 Data preparation"]
S22 = ["2. Approach", "2.2 Timeline"]
S3 = ["3. Pricing"]
SA = ["Appendix A. Team", "A.1 Roles"]

PROPOSAL = [
    ("header", "Acme AI Ltd | Claims Triage Assistant proposal", None, [], None),
    ("header", "Appendix", None, [], None),
    ("heading", "Proposal: Claims Triage Assistant", 1, ["Proposal: Claims Triage Assistant"], None),
    ("paragraph", "Prepared for Contoso Insurance by Acme AI Ltd, version 3.", None, ["Proposal: Claims Triage Assistant"], None),
    ("heading", "1. Executive summary", 1, S1, None),
    ("paragraph", "Acme AI proposes a claims triage assistant for Contoso Insurance.", None, S1, None),
    ("footnote", "Based on the 2024 claims volume reported by Contoso.", None, S1, None),
    ("paragraph", "We will build a retrieval index over your policy documents and cite the source of every answer.", None, S1, None),
    ("paragraph", "Case studies are available at acme.example/cases.", None, S1, None),
    ("heading", "2. Approach", 1, ["2. Approach"], None),
    ("heading", "2.1 Data preparation", 2, S2, None),
    ("list_item", "1. Collect two years of historical claims.", 1, S2, None),
    ("list_item", "2. Remove personal data before indexing.", 1, S2, None),
    ("list_item", "3. Label 500 claims for evaluation.", 1, S2, None),
    ("paragraph", "Our delivery principles are summarised in the callout.", None, S2, None),
    ("text_box", "No customer data leaves the EU.", None, S2, None),
    ("heading", "2.2 Timeline", 2, S22, None),
    ("paragraph", "Phase 1 Weeks 1-4\nPhase 2 Weeks 5-12", None, S22, None),
    ("paragraph", "Delivery takes twelve weeks from contract signature.", None, S22, None),
    ("comment", "Check this timeline with engineering.", None, S22, None),
    ("paragraph", "Training for claims handlers is included.", None, S22, None),
    ("list_item", "• Weekly status reports", 1, S22, None),
    ("list_item", "• Monthly steering meeting", 1, S22, None),
    ("heading", "3. Pricing", 1, S3, None),
    ("table_cell", "Item", None, S3, (0, 0, 0)),
    ("table_cell", "Cost (EUR)", None, S3, (0, 0, 1)),
    ("table_cell", "Notes", None, S3, (0, 0, 2)),
    ("table_cell", "Discovery workshop", None, S3, (0, 1, 0)),
    ("table_cell", "12,000", None, S3, (0, 1, 1)),
    ("table_cell", "Fixed price", None, S3, (0, 1, 2)),  # vertically merged over two rows
    ("table_cell", "Retrieval index build", None, S3, (0, 2, 0)),
    ("table_cell", "48,000", None, S3, (0, 2, 1)),
    ("table_cell", "Support", None, S3, (0, 3, 0)),
    ("table_cell", "See support tiers:", None, S3, (0, 3, 1)),
    ("table_cell", "Tier", None, S3, (1, 0, 0)),  # the nested table, right after its cell
    ("table_cell", "Hours", None, S3, (1, 0, 1)),
    ("table_cell", "Gold", None, S3, (1, 1, 0)),
    ("table_cell", "24/7", None, S3, (1, 1, 1)),
    ("table_cell", "Optional", None, S3, (0, 3, 2)),
    ("table_cell", "Total: 60,000 EUR excluding support", None, S3, (0, 4, 0)),  # gridSpan=3
    ("paragraph", "Prices exclude VAT.", None, S3, None),
    ("heading", "Appendix A. Team", 1, ["Appendix A. Team"], None),
    ("heading", "A.1 Roles", 2, SA, None),  # w:outlineLvl on a Normal paragraph
    ("paragraph", "Dr. Ada Smith leads the project and is the single point of contact.", None, SA, None),
    ("paragraph", "Go-live is planned for March.", None, SA, None),  # moveTo
    ("paragraph", "Prepared by Jane Doe.", None, SA, None),  # fldSimple result
    ("footer", "Confidential", None, [], None),  # two identical footers, PAGE result dropped
]


@pytest.fixture(scope="module")
def proposal():
    return load_document(FIXTURES / "proposal.docx")


def test_proposal_blocks_exact(proposal):
    assert rows(proposal) == PROPOSAL
    assert [b.index for b in proposal.blocks] == list(range(len(PROPOSAL)))


def test_proposal_document_fields(proposal):
    assert proposal.format is Format.docx
    assert proposal.title == "Claims Triage Assistant - Proposal"
    assert proposal.producer == "Microsoft Macintosh Word"  # python-docx's template app.xml
    assert proposal.pages is None
    assert all(b.page is None for b in proposal.blocks)
    assert proposal.warnings == []


def test_tracked_changes_fields_and_moves(proposal):
    text = "\n".join(b.text for b in proposal.blocks)
    assert "fine-tune a custom model" not in text  # w:del
    assert "We will build a retrieval index" in text  # w:ins
    assert text.count("Go-live is planned for March.") == 1  # moveFrom dropped, moveTo kept
    for instruction in ("DOCPROPERTY", "MERGEFORMAT", "AUTHOR", "PAGE"):
        assert instruction not in text


def test_strict_namespaces_and_renamed_main_part_give_the_same_blocks(proposal):
    with zipfile.ZipFile(FIXTURES / "proposal-strict-renamed.docx") as zf:
        assert "word/document.xml" not in zf.namelist()
        assert b"purl.oclc.org/ooxml/wordprocessingml/main" in zf.read("word/main-part.xml")
    strict = load_document(FIXTURES / "proposal-strict-renamed.docx")
    assert rows(strict) == PROPOSAL
    assert strict.title == proposal.title


def test_generator_is_deterministic_and_matches_committed_fixture():
    spec = importlib.util.spec_from_file_location("make_layout_docx", REPO / "scripts" / "make_layout_docx.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    first, second = gen.build_proposal(), gen.build_proposal()
    assert first == second
    # Byte equality with the committed file would tie the test to one
    # python-docx version; the extracted content must match, though.
    fresh = Path(os.environ.get("TMPDIR", "/tmp")) / f"proposal-fresh-{os.getpid()}.docx"
    fresh.write_bytes(first)
    try:
        assert rows(load_document(fresh)) == PROPOSAL
    finally:
        fresh.unlink()


# ---- synthetic documents ------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)


def make_docx(path: Path, body: str, parts: dict[str, str] | None = None, rels: str = "") -> Path:
    """A minimal package: body XML plus optional parts related from the main part."""
    doc = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CT)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("word/document.xml", doc)
        if rels:
            zf.writestr(
                "word/_rels/document.xml.rels",
                '<?xml version="1.0" encoding="UTF-8"?><Relationships '
                f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
            )
        for name, xml in (parts or {}).items():
            zf.writestr(name, xml)
    path.write_bytes(buf.getvalue())
    return path


def rel(rid: str, kind: str, target: str) -> str:
    return (
        f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}" '
        f'Target="{target}"/>'
    )


def p(inner: str, ppr: str = "") -> str:
    return f"<w:p>{f'<w:pPr>{ppr}</w:pPr>' if ppr else ''}{inner}</w:p>"


def r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def fld(kind: str) -> str:
    return f'<w:r><w:fldChar w:fldCharType="{kind}"/></w:r>'


def instr(code: str) -> str:
    return f"<w:r><w:instrText>{code}</w:instrText></w:r>"


def test_nested_complex_fields_and_fields_spanning_paragraphs(tmp_path):
    body = (
        # IF field whose condition holds a nested field: only the outer result shows.
        p(r("Term: ") + fld("begin") + instr(" IF ") + fld("begin") + instr(" MERGEFIELD term ") + fld("separate")
          + r("SECRET-NESTED") + fld("end") + instr(' = 1 "one year" ') + fld("separate") + r("one year")
          + fld("end") + r("."))
        # A TOC-like field whose result spans two paragraphs.
        + p(fld("begin") + instr(" TOC \\o ") + fld("separate") + r("Scope 1"))
        + p(r("Pricing 2") + fld("end"))
        + p(r("Deleted instruction: ") + '<w:del><w:r><w:delInstrText>HYPERLINK x</w:delInstrText></w:r></w:del>' + r("none."))
    )
    doc = load_document(make_docx(tmp_path / "f.docx", body))
    assert [b.text for b in doc.blocks] == ["Term: one year.", "Scope 1", "Pricing 2", "Deleted instruction: none."]


def test_inline_wrappers_breaks_and_symbols(tmp_path):
    body = p(
        '<w:hyperlink w:anchor="x">' + r("linked") + "</w:hyperlink>"
        + '<w:smartTag w:uri="u" w:element="e">' + r(" smart") + "</w:smartTag>"
        + "<w:sdt><w:sdtPr><w:alias w:val='a'/></w:sdtPr><w:sdtContent>" + r(" control") + "</w:sdtContent></w:sdt>"
        + '<w:r><w:t xml:space="preserve"> e</w:t><w:noBreakHyphen/><w:t>mail</w:t><w:br w:type="textWrapping"/><w:t>next\u00a0line</w:t></w:r>'
        + "<w:r><w:ruby><w:rt><w:r><w:t>RUBY</w:t></w:r></w:rt><w:rubyBase><w:r><w:t> base</w:t></w:r></w:rubyBase></w:ruby></w:r>"
    )
    doc = load_document(make_docx(tmp_path / "i.docx", body))
    assert [b.text for b in doc.blocks] == ["linked smart control e-mail\nnext line base"]


def test_merged_cells_are_not_repeated(tmp_path):
    def tc(text: str, tcpr: str = "") -> str:
        return f"<w:tc>{f'<w:tcPr>{tcpr}</w:tcPr>' if tcpr else ''}{p(r(text)) if text else '<w:p/>'}</w:tc>"

    body = (
        "<w:tbl>"
        + "<w:tr>" + tc("A", '<w:vMerge w:val="restart"/>') + tc("B", '<w:gridSpan w:val="2"/>') + "</w:tr>"
        # A generator that copies the text into the continuation cell must not duplicate it.
        + "<w:tr>" + tc("A", "<w:vMerge/>") + tc("C") + tc("D") + "</w:tr>"
        + '<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>' + tc("E") + tc("") + "</w:tr>"
        + "</w:tbl>"
    )
    doc = load_document(make_docx(tmp_path / "m.docx", body))
    assert [(b.text, b.table.row, b.table.col) for b in doc.blocks] == [
        ("A", 0, 0), ("B", 0, 1), ("C", 1, 1), ("D", 1, 2), ("E", 2, 1),
    ]


NUMBERING = f"""<?xml version="1.0" encoding="UTF-8"?><w:numbering xmlns:w="{W_NS}">
<w:abstractNum w:abstractNumId="0">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%1.%2)"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%3."/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="1">
  <w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="\uf0b7"/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
<w:num w:numId="3"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>
</w:numbering>"""

STYLES = f"""<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="{W_NS}">
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Kop1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="SectionTitle"><w:name w:val="Section Title"/>
  <w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="SubSectionTitle"><w:name w:val="Sub Section Title"/><w:basedOn w:val="SectionTitle"/>
  <w:pPr><w:outlineLvl w:val="2"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Steps"><w:name w:val="Steps"/><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>
</w:styles>"""


def numbered(text: str, num_id: int, ilvl: int = 0) -> str:
    return p(r(text), f'<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>')


def test_numbering_headings_and_section_paths(tmp_path):
    body = (
        p(r("Scope"), '<w:pStyle w:val="Kop1"/>')  # localized style id, English built-in name
        + numbered("Collect claims", 1)
        + numbered("historic", 1, 1)
        + numbered("recent", 1, 1)
        + numbered("deep", 1, 2)
        + numbered("Clean claims", 1)
        + numbered("again", 1, 1)  # deeper counter restarts after a shallower item
        + numbered("Bullet point", 2)
        + p(r("Style numbered"), '<w:pStyle w:val="Steps"/>')  # numbering inherited from the style
        + numbered("Restarted", 3)
        + p(r("Outline via style"), '<w:pStyle w:val="SectionTitle"/>')
        + p(r("Outline via based-on"), '<w:pStyle w:val="SubSectionTitle"/>')
        + p(r("Body text"))
        + p(r("Not a heading"), '<w:pStyle w:val="SectionTitle"/><w:outlineLvl w:val="9"/>')
        + numbered("", 2)  # empty numbered paragraph: no block
    )
    parts = {"word/numbering.xml": NUMBERING, "word/styles.xml": STYLES}
    rels = rel("rId1", "numbering", "numbering.xml") + rel("rId2", "styles", "styles.xml")
    doc = load_document(make_docx(tmp_path / "n.docx", body, parts, rels))
    assert rows(doc) == [
        ("heading", "Scope", 1, ["Scope"], None),
        ("list_item", "1. Collect claims", 1, ["Scope"], None),
        ("list_item", "1.a) historic", 2, ["Scope"], None),
        ("list_item", "1.b) recent", 2, ["Scope"], None),
        ("list_item", "I. deep", 3, ["Scope"], None),
        ("list_item", "2. Clean claims", 1, ["Scope"], None),
        ("list_item", "2.a) again", 2, ["Scope"], None),
        ("list_item", "• Bullet point", 1, ["Scope"], None),
        ("list_item", "3. Style numbered", 1, ["Scope"], None),
        ("list_item", "1. Restarted", 1, ["Scope"], None),
        ("heading", "Outline via style", 2, ["Scope", "Outline via style"], None),
        ("heading", "Outline via based-on", 3, ["Scope", "Outline via style", "Outline via based-on"], None),
        ("paragraph", "Body text", None, ["Scope", "Outline via style", "Outline via based-on"], None),
        ("paragraph", "Not a heading", None, ["Scope", "Outline via style", "Outline via based-on"], None),
    ]


def test_number_formats():
    assert [_format_number(n, "lowerRoman") for n in (1, 4, 9, 14, 40, 1994)] == ["i", "iv", "ix", "xiv", "xl", "mcmxciv"]
    assert [_format_number(n, "upperLetter") for n in (1, 26, 27, 53)] == ["A", "Z", "AA", "AAA"]
    assert _format_number(7, "decimalZero") == "07"
    assert _format_number(7, "ordinalText") == "7"  # unknown formats fall back to decimal


def test_notes_comments_and_text_boxes_become_their_own_blocks(tmp_path):
    notes = lambda tag: (  # noqa: E731
        f'<?xml version="1.0" encoding="UTF-8"?><w:{tag}s xmlns:w="{W_NS}">'
        f'<w:{tag} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{tag}>'
        f'<w:{tag} w:id="1"><w:p><w:r><w:{tag}Ref/></w:r>{r(" A " + tag + " text.")}</w:p></w:{tag}>'
        f'<w:{tag} w:id="2"><w:p>{r("Unreferenced " + tag + ".")}</w:p></w:{tag}></w:{tag}s>'
    )
    comments = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:comments xmlns:w="{W_NS}">'
        f'<w:comment w:id="5" w:author="R"><w:p>{r("Is this priced?")}</w:p></w:comment></w:comments>'
    )
    body = (
        p(r("Claim.") + '<w:r><w:footnoteReference w:id="1"/></w:r>' + '<w:r><w:endnoteReference w:id="1"/></w:r>'
          + '<w:commentRangeStart w:id="5"/>' + r(" Priced.") + '<w:commentRangeEnd w:id="5"/>'
          + '<w:r><w:commentReference w:id="5"/></w:r>')
        + p('<w:r><w:footnoteReference w:id="1"/></w:r>' + r("Again."))  # a second reference: note once
        + p('<w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox><w:txbxContent>'
            + p(r("VML box")) + "<w:tbl><w:tr><w:tc>" + p(r("box cell")) + "</w:tc></w:tr></w:tbl>"
            + "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>")
    )
    parts = {"word/footnotes.xml": notes("footnote"), "word/endnotes.xml": notes("endnote"), "word/comments.xml": comments}
    rels = rel("rId1", "footnotes", "footnotes.xml") + rel("rId2", "endnotes", "endnotes.xml") + rel("rId3", "comments", "comments.xml")
    doc = load_document(make_docx(tmp_path / "c.docx", body, parts, rels))
    assert [(b.kind.value, b.text) for b in doc.blocks] == [
        ("paragraph", "Claim. Priced."),
        ("footnote", "A footnote text."),
        ("footnote", "A endnote text."),
        ("comment", "Is this priced?"),
        ("paragraph", "Again."),
        ("text_box", "VML box"),  # a table inside a text box is flattened into text-box blocks
        ("text_box", "box cell"),
        ("footnote", "Unreferenced footnote."),
        ("footnote", "Unreferenced endnote."),
    ]


def test_missing_optional_parts_and_no_body_text(tmp_path):
    doc = load_document(make_docx(tmp_path / "e.docx", "<w:p/>", rels=rel("rId1", "styles", "missing.xml")))
    assert doc.blocks == [] and doc.title is None and doc.producer is None
    assert doc.warnings == ["no text found in the document body"]


def test_main_part_found_through_relationship_with_odd_name(tmp_path):
    path = make_docx(tmp_path / "odd.docx", p(r("Found.")))
    data = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w") as dst:
        for info in src.infolist():
            blob = src.read(info)
            name = {"word/document.xml": "content/Main Part.xml"}.get(info.filename, info.filename)
            if name == "_rels/.rels":
                blob = blob.replace(b"word/document.xml", b"/content/Main%20Part.xml")
            dst.writestr(name, blob)
    path.write_bytes(data.getvalue())
    assert [b.text for b in load_document(path).blocks] == ["Found."]


def test_docm_with_macros_warns(tmp_path):
    path = make_docx(tmp_path / "m.docm", p(r("Macro doc.")), {"word/vbaProject.bin": "\x00" * 10})
    doc = load_document(path)
    assert [b.text for b in doc.blocks] == ["Macro doc."]
    assert doc.warnings == ["document contains macros (VBA project); they were ignored"]


# ---- the real-world corpus -----------------------------------------------------------

_WALK = """
import json, sys
from pathlib import Path
from proposal_lint.ingest import load_document
from proposal_lint.model import IngestError
for f in sorted(Path(sys.argv[1]).glob("*.docx")):
    try:
        d = load_document(f)
        res = {"ok": len(d.blocks)}
    except IngestError as e:
        res = {"error": e.code}
    except BaseException as e:
        res = {"crash": f"{type(e).__name__}: {e}"}
    print(json.dumps({"file": f.name, **res}), flush=True)
"""


def test_every_corpus_docx_gives_a_document_or_an_ingest_error():
    files = sorted(DOCX_CORPUS.glob("*.docx"))
    assert len(files) >= 20, f"corpus missing at {DOCX_CORPUS}"
    env = {**os.environ, "PYTHONPATH": str(Path(proposal_lint.__file__).resolve().parents[1])}
    proc = subprocess.run(
        [sys.executable, "-c", _WALK, str(DOCX_CORPUS)], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["file"] for r in results] == [f.name for f in files]
    assert [r for r in results if "crash" in r] == []
    # Every file in this corpus is a readable Word document.
    assert [r for r in results if "error" in r] == []


def corpus(name: str):
    return load_document(DOCX_CORPUS / name)


def body_text(doc) -> str:
    return "\n".join(b.text for b in doc.blocks if b.kind not in (BlockKind.header, BlockKind.footer, BlockKind.comment))


def test_corpus_strict_ooxml_now_gives_text():
    doc = corpus("docx2python-strict.docx")
    assert rows(doc) == [
        ("list_item", "• Bullet1", 1, [], None),
        ("list_item", "• Bullet2", 1, [], None),
        ("list_item", "1. Number1", 1, [], None),
        ("list_item", "2. Number2", 1, [], None),
        ("table_cell", "Cellaa", None, [], (0, 0, 0)),
        ("table_cell", "Cellab", None, [], (0, 0, 1)),
        ("table_cell", "Cellba", None, [], (0, 1, 0)),
        ("table_cell", "Cellbb", None, [], (0, 1, 1)),
    ]


def test_corpus_nested_table_cells_appear_once():
    doc = corpus("python-docx-blk-paras-and-tables.docx")
    cells = [(b.text, b.table.table, b.table.row, b.table.col) for b in doc.blocks if b.kind is BlockKind.table_cell]
    assert cells == [("Text before\nText after", 1, 0, 0), ("Table", 2, 0, 0), ("Between", 2, 1, 0)]
    everything = "\n".join(b.text for b in doc.blocks)
    assert everything.count("Table") == 1 and everything.count("Between") == 1
    assert [(b.kind.value, b.text) for b in doc.blocks if b.kind in (BlockKind.header, BlockKind.footer)] == [
        ("header", "Left-side"), ("header", "Right-side"), ("footer", "Copyright"), ("footer", "Page-number"),
    ]


def test_corpus_odd_even_first_headers_once_each():
    doc = corpus("python-docx-doc-odd-even-hdrs.docx")
    assert [(b.kind.value, b.text) for b in doc.blocks] == [
        ("header", "Odd page header."),
        ("header", "Even page header."),
        ("paragraph", "First Page."),
        ("paragraph", "Second Page."),
    ]


def test_corpus_two_sections_header_once():
    doc = corpus("python-docx-hdr-header-footer.docx")
    assert [(b.kind.value, b.text) for b in doc.blocks] == [
        ("header", "Header for section-1"),
        ("paragraph", "section with header"),
        ("paragraph", "section without header of its own."),
        ("footer", "Footer for section 1"),
    ]


def test_corpus_comments_are_comment_blocks_not_body():
    doc = corpus("docx2python-test_file_with_comments.docx")
    comments = [b.text for b in doc.blocks if b.kind is BlockKind.comment]
    assert len(comments) == 12
    assert comments[:3] == ["Comment 1", "Comment 2", "Comment 3"]
    assert "Comment in a table" in comments and "Comment on a picture" in comments
    body = body_text(doc)
    for text in ("Comment 1", "Comment in a table", "With a response"):
        assert text not in body
    # Each comment follows the paragraph (or cell) it annotates.
    i = next(b.index for b in doc.blocks if b.text == "Comment in a table")
    assert doc.blocks[i - 1].text == "R1C1" and doc.blocks[i - 1].kind is BlockKind.table_cell


def test_corpus_text_box_in_alternate_content_appears_once():
    doc = corpus("docx2python-nested_paragraphs.docx")
    quote = "[Grab your reader’s attention with a great quote from the document"
    hits = [b for b in doc.blocks if quote in b.text]
    assert len(hits) == 1 and hits[0].kind is BlockKind.text_box
    assert sum(b.text.count(quote) for b in doc.blocks) == 1


def test_corpus_renamed_main_part_and_missing_parts():
    assert [b.text for b in corpus("docx2python-renamed_document_xml.docx").blocks] == ["This is a link to my website."]
    for name in (
        "python-docx-sty-having-no-styles-part.docx",
        "python-docx-set-no-settings-part.docx",
        "python-docx-doc-no-coreprops.docx",
    ):
        doc = corpus(name)
        assert doc.format is Format.docx and doc.title is None


def test_corpus_list_number_style_and_merged_cells():
    doc = corpus("python-docx-num-having-numbering-part.docx")
    assert rows(doc) == [("list_item", "1. Paragraph having List Number style.", 1, [], None)]
    doc = corpus("python-docx-tbl-cell-access.docx")
    per_table: dict[int, list[str]] = {}
    for b in doc.blocks:
        per_table.setdefault(b.table.table, []).append(b.text)
    assert per_table[0] == [str(n) for n in range(1, 10)]
    for texts in per_table.values():
        assert len(texts) == len(set(texts)), texts  # merged cells never repeat text


def test_ingest_error_is_the_only_failure(tmp_path, monkeypatch):
    from proposal_lint.ingest import docx as docx_mod

    path = make_docx(tmp_path / "x.docx", p(r("x")))

    def boom(self):
        raise KeyError("internal bug")

    monkeypatch.setattr(docx_mod._Extractor, "run", boom)
    with pytest.raises(IngestError) as err:
        load_document(path)
    assert err.value.code == "corrupt" and "KeyError" in err.value.message

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(docx_mod._Extractor, "run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_document(path)


def test_bold_normal_paragraphs_are_headings(tmp_path):
    """Real proposals often make headings by bolding a Normal paragraph; the
    section path (which decides e.g. "rejected alternative") must see them."""
    import docx as pydocx

    from proposal_lint.ingest import load_document
    from proposal_lint.lint import Linter

    d = pydocx.Document()
    d.add_heading("Proposal", level=1)
    for text, bold in [
        ("Our approach", True),
        ("We build a retrieval assistant over your handbook with a tuned system prompt.", False),
        ("4.2 Alternatives considered", True),
        ("Option C: fine-tune Llama 3 on your HR policies. This takes eight weeks and goes stale.", False),
        ("This bold sentence is a statement, not a heading.", True),
    ]:
        d.add_paragraph().add_run(text).bold = bold
    path = tmp_path / "bold-headings.docx"
    d.save(path)

    doc = load_document(path)
    kinds = [(b.kind.value, b.text, b.section) for b in doc.blocks]
    assert ("heading", "Our approach", ["Proposal", "Our approach"]) in kinds
    assert ("heading", "4.2 Alternatives considered", ["Proposal", "4.2 Alternatives considered"]) in kinds
    option = next(b for b in doc.blocks if b.text.startswith("Option C"))
    assert option.kind.value == "paragraph" and option.section[-1] == "4.2 Alternatives considered"
    statement = next(b for b in doc.blocks if b.text.startswith("This bold sentence"))
    assert statement.kind.value == "paragraph"
    assert Linter().lint_one(doc).verdict.recommendation.value == "no-fine-tuning"


def test_sibling_headings_without_a_title(tmp_path):
    """"Heading 2" after "Heading 2" closes the first section, also with no
    "Heading 1" above (a section path that kept "1. Background" over the
    proposal would read the whole plan as background)."""
    import docx as pydocx

    d = pydocx.Document()
    for text, level in [("1. Background", 2), ("Old.", None), ("2. Proposal", 2), ("2.1 Deep", 4),
                        ("New.", None), ("3 Up", 3), ("x", None)]:
        d.add_heading(text, level=level) if level else d.add_paragraph(text)
    path = tmp_path / "siblings.docx"
    d.save(path)
    assert [(b.text, b.section) for b in load_document(path).blocks] == [
        ("1. Background", ["1. Background"]),
        ("Old.", ["1. Background"]),
        ("2. Proposal", ["2. Proposal"]),
        ("2.1 Deep", ["2. Proposal", "2.1 Deep"]),
        ("New.", ["2. Proposal", "2.1 Deep"]),
        ("3 Up", ["2. Proposal", "3 Up"]),
        ("x", ["2. Proposal", "3 Up"]),
    ]

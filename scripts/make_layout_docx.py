"""Generate the DOCX layout fixtures in fixtures/layout/.

    python scripts/make_layout_docx.py [OUT_DIR]

proposal.docx is a small AI-vendor proposal built with python-docx, plus raw
WordprocessingML for what python-docx cannot write: tracked changes, moves,
fields, a text box (mc:AlternateContent with a DrawingML choice and a VML
fallback), a content control, an outline-level heading, merged and nested
table cells, footnotes. proposal-strict-renamed.docx is the same document
rewritten to ISO 29500 Strict namespaces with its main part renamed, which
python-docx itself cannot open.

Output is byte-for-byte reproducible: fixed core-property dates, fixed zip
timestamps and a fixed member order.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

FIXED_TIME = dt.datetime(2024, 5, 6, 9, 30, 0)
ZIP_TIME = (2024, 5, 6, 9, 30, 0)


_NAMESPACES = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "v": "urn:schemas-microsoft-com:vml",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
}
_NSDECLS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in _NAMESPACES.items())


def _xml(fragment: str):
    return parse_xml(fragment.replace("<NS>", _NSDECLS))


def _run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def _field(instr: str, result: str) -> str:
    """A complex field: begin, instruction, separate, cached result, end."""
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"{_run(result)}"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def _append_raw(paragraph, fragment: str) -> None:
    for child in _xml(f"<w:p <NS>>{fragment}</w:p>"):
        paragraph._p.append(child)


def _text_box(text: str) -> str:
    """A floating text box as Word writes it: a DrawingML choice with a VML fallback."""
    content = f"<w:txbxContent><w:p>{_run(text)}</w:p></w:txbxContent>"
    return (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="1" '
        'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="2743200" cy="457200"/><wp:wrapSquare wrapText="bothSides"/>'
        '<wp:docPr id="10" name="Callout"/><a:graphic><a:graphicData '
        'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        "<wps:wsp>"
        '<wps:cNvSpPr txBox="1"/><wps:spPr/>'
        f"<wps:txbx>{content}</wps:txbx><wps:bodyPr/></wps:wsp>"
        "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
        '<mc:Fallback><w:pict><v:shape id="Callout" style="width:216pt;height:36pt" type="#_x0000_t202">'
        f"<v:textbox>{content}</v:textbox></v:shape></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r>"
    )


def _cell_text(cell, text: str) -> None:
    cell.paragraphs[0].text = text


def build_proposal() -> bytes:
    doc = docx.Document()
    props = doc.core_properties
    props.title = "Claims Triage Assistant - Proposal"
    props.author = "Acme AI Ltd"
    props.last_modified_by = "Acme AI Ltd"
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.revision = 3
    props.comments = props.keywords = props.subject = props.category = ""

    doc.add_paragraph("Proposal: Claims Triage Assistant", style="Title")
    p = doc.add_paragraph("Prepared for Contoso Insurance by Acme AI Ltd, version ")
    _append_raw(p, _field('DOCPROPERTY "Version" \\* MERGEFORMAT', "3") + _run("."))

    doc.add_heading("1. Executive summary", level=1)
    p = doc.add_paragraph("Acme AI proposes a claims triage assistant for Contoso Insurance.")
    _append_raw(p, '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="1"/></w:r>')
    p = doc.add_paragraph()
    _append_raw(
        p,
        '<w:del w:id="101" w:author="Reviewer" w:date="2024-05-02T10:00:00Z"><w:r>'
        '<w:delText xml:space="preserve">We will fine-tune a custom model</w:delText></w:r></w:del>'
        '<w:ins w:id="102" w:author="Reviewer" w:date="2024-05-02T10:00:00Z">'
        + _run("We will build a retrieval index")
        + "</w:ins>"
        + _run(" over your policy documents and cite the source of every answer."),
    )
    p = doc.add_paragraph("Case studies are available at ")
    rid = doc.part.relate_to("https://acme.example/cases", RT.HYPERLINK, is_external=True)
    _append_raw(p, f'<w:hyperlink r:id="{rid}">{_run("acme.example/cases")}</w:hyperlink>{_run(".")}')

    doc.add_heading("2. Approach", level=1)
    doc.add_heading("2.1 Data preparation", level=2)
    for step in (
        "Collect two years of historical claims.",
        "Remove personal data before indexing.",
        "Label 500 claims for evaluation.",
    ):
        doc.add_paragraph(step, style="List Number")
    p = doc.add_paragraph("Our delivery principles are summarised in the callout.")
    _append_raw(p, _text_box("No customer data leaves the EU."))

    doc.add_heading("2.2 Timeline", level=2)
    p = doc.add_paragraph()
    _append_raw(
        p,
        '<w:r><w:t>Phase 1</w:t><w:tab/><w:t>Weeks 1-4</w:t><w:br/>'
        "<w:t>Phase 2</w:t><w:tab/><w:t>Weeks 5-12</w:t></w:r>",
    )
    p = doc.add_paragraph()
    run = p.add_run("Delivery takes twelve weeks from contract signature.")
    doc.add_comment(run, text="Check this timeline with engineering.", author="Reviewer", initials="RV")
    p = doc.add_paragraph("Training for claims handlers is included. ")
    _append_raw(
        p,
        '<w:moveFrom w:id="201" w:author="Reviewer" w:date="2024-05-02T10:00:00Z">'
        + _run("Go-live is planned for March.")
        + "</w:moveFrom>",
    )
    for item in ("Weekly status reports", "Monthly steering meeting"):
        doc.add_paragraph(item, style="List Bullet")

    doc.add_heading("3. Pricing", level=1)
    table = doc.add_table(rows=5, cols=3)
    for col, text in enumerate(("Item", "Cost (EUR)", "Notes")):
        _cell_text(table.cell(0, col), text)
    _cell_text(table.cell(1, 0), "Discovery workshop")
    _cell_text(table.cell(1, 1), "12,000")
    _cell_text(table.cell(1, 2), "Fixed price")
    _cell_text(table.cell(2, 0), "Retrieval index build")
    _cell_text(table.cell(2, 1), "48,000")
    table.cell(1, 2).merge(table.cell(2, 2))  # vertical merge: w:vMerge restart/continue
    _cell_text(table.cell(3, 0), "Support")
    support = table.cell(3, 1)
    _cell_text(support, "See support tiers:")
    nested = support.add_table(rows=2, cols=2)
    for (r, c), text in zip(((0, 0), (0, 1), (1, 0), (1, 1)), ("Tier", "Hours", "Gold", "24/7")):
        _cell_text(nested.cell(r, c), text)
    support.add_paragraph()  # Word requires a paragraph after a nested table
    _cell_text(table.cell(3, 2), "Optional")
    total = table.cell(4, 0).merge(table.cell(4, 2))  # horizontal merge: w:gridSpan
    _cell_text(total, "Total: 60,000 EUR excluding support")
    for extra in total.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    doc.add_paragraph("Prices exclude VAT.")

    appendix = doc.add_section()
    doc.add_heading("Appendix A. Team", level=1)
    p = doc.add_paragraph("A.1 Roles")
    p._p.get_or_add_pPr().append(_xml('<w:outlineLvl <NS> w:val="1"/>'))
    body = doc.element.body
    body.insert(
        len(body) - 1,
        _xml(
            '<w:sdt <NS>><w:sdtPr><w:alias w:val="Lead"/><w:id w:val="7"/></w:sdtPr><w:sdtContent>'
            f"<w:p>{_run('Dr. Ada Smith leads the project and is the single point of contact.')}</w:p>"
            "</w:sdtContent></w:sdt>"
        ),
    )
    p = doc.add_paragraph()
    _append_raw(
        p,
        '<w:moveTo w:id="202" w:author="Reviewer" w:date="2024-05-02T10:00:00Z">'
        + _run("Go-live is planned for March.")
        + "</w:moveTo>",
    )
    p = doc.add_paragraph("Prepared by ")
    _append_raw(p, f'<w:fldSimple w:instr=" AUTHOR ">{_run("Jane Doe")}</w:fldSimple>{_run(".")}')

    # Running heads: section 2 has its own header part with the same text (one
    # block expected), a first-page header, and an identical footer part.
    first = doc.sections[0]
    first.header.paragraphs[0].text = "Acme AI Ltd | Claims Triage Assistant proposal"
    footer_p = first.footer.paragraphs[0]
    footer_p.text = "Confidential"
    _append_raw(footer_p, "<w:r><w:tab/></w:r>" + _field("PAGE", "1"))
    appendix.header.is_linked_to_previous = False
    appendix.header.paragraphs[0].text = "Acme AI Ltd | Claims Triage Assistant proposal"
    appendix.footer.is_linked_to_previous = False
    footer_p = appendix.footer.paragraphs[0]
    footer_p.text = "Confidential"
    _append_raw(footer_p, "<w:r><w:tab/></w:r>" + _field("PAGE", "7"))
    appendix.different_first_page_header_footer = True
    appendix.first_page_header.paragraphs[0].text = "Appendix"

    _add_footnotes(doc, {1: "Based on the 2024 claims volume reported by Contoso."})

    buf = io.BytesIO()
    doc.save(buf)
    return _normalise_zip(buf.getvalue())


def _add_footnotes(doc, notes: dict[int, str]) -> None:
    separators = (
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
    )
    body = "".join(
        f'<w:footnote w:id="{n}"><w:p><w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
        f"{_run(' ' + text)}</w:p></w:footnote>"
        for n, text in notes.items()
    )
    blob = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes {nsdecls("w")}>{separators}{body}</w:footnotes>'
    part = Part(
        PackURI("/word/footnotes.xml"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
        blob.encode("utf-8"),
        doc.part.package,
    )
    doc.part.relate_to(part, RT.FOOTNOTES)


def _comments_dates(blob: bytes) -> bytes:
    # python-docx stamps new comments with the current time.
    return re.sub(rb'w:date="[^"]*"', b'w:date="2024-05-03T12:00:00Z"', blob)


def _normalise_zip(data: bytes, rename: dict[str, str] | None = None, transform=None) -> bytes:
    """Rewrite a package with fixed timestamps so the output is reproducible."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info)
            name = info.filename
            if name == "word/comments.xml":
                blob = _comments_dates(blob)
            if transform is not None:
                blob = transform(name, blob)
            name = (rename or {}).get(name, name)
            zi = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, blob)
    return out.getvalue()


# Transitional -> Strict (ISO/IEC 29500 strict) namespace URIs.
_STRICT = [
    (b"http://schemas.openxmlformats.org/wordprocessingml/2006/main", b"http://purl.oclc.org/ooxml/wordprocessingml/main"),
    (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties",
     b"http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties"),
    (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships", b"http://purl.oclc.org/ooxml/officeDocument/relationships"),
    (b"http://schemas.openxmlformats.org/officeDocument/2006/math", b"http://purl.oclc.org/ooxml/officeDocument/math"),
    (b"http://schemas.openxmlformats.org/drawingml/2006/main", b"http://purl.oclc.org/ooxml/drawingml/main"),
    (b"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
     b"http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing"),
]


def build_strict_renamed(transitional: bytes) -> bytes:
    def transform(name: str, blob: bytes) -> bytes:
        if name.endswith((".xml", ".rels")):
            for old, new in _STRICT:
                blob = blob.replace(old, new)
            blob = blob.replace(b"word/document.xml", b"word/main-part.xml")
            blob = blob.replace(b"/word/document.xml", b"/word/main-part.xml")
        return blob

    rename = {"word/document.xml": "word/main-part.xml", "word/_rels/document.xml.rels": "word/_rels/main-part.xml.rels"}
    return _normalise_zip(transitional, rename=rename, transform=transform)


def main(argv: list[str]) -> int:
    out_dir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1] / "fixtures" / "layout"
    out_dir.mkdir(parents=True, exist_ok=True)
    proposal = build_proposal()
    (out_dir / "proposal.docx").write_bytes(proposal)
    (out_dir / "proposal-strict-renamed.docx").write_bytes(build_strict_renamed(proposal))
    print(f"wrote {out_dir / 'proposal.docx'} and {out_dir / 'proposal-strict-renamed.docx'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Hostile DOCX input: zip bombs, lying zips, XXE, entity expansion, broken
files, non-Word zips. Every outcome must be a Document or an IngestError."""

from __future__ import annotations

import io
import struct
import time
import zipfile
from pathlib import Path

import pytest

from proposal_lint.ingest import Limits, load_document
from proposal_lint.ingest.ooxml_safety import parse_xml
from proposal_lint.model import Document, IngestError

REPO = Path(__file__).resolve().parents[1]
PROPOSAL = REPO / "fixtures" / "layout" / "proposal.docx"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def rels(target: str = "word/document.xml", kind: str = "officeDocument") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}" '
        f'Target="{target}"/></Relationships>'
    )


def document(body_text: str = "Hello.", prolog: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<w:document xmlns:w="{W_NS}"><w:body>'
        f"<w:p><w:r><w:t>{body_text}</w:t></w:r></w:p></w:body></w:document>"
    )


def write_zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def docx(path: Path, doc_xml: str | bytes | None = None, extra: dict[str, str | bytes] | None = None) -> Path:
    members = {"[Content_Types].xml": CT, "_rels/.rels": rels(), "word/document.xml": doc_xml or document()}
    members.update(extra or {})
    return write_zip(path, members)


def ingest_error(path: Path, limits: Limits = Limits()) -> IngestError:
    with pytest.raises(IngestError) as err:
        load_document(path, limits=limits)
    return err.value


def test_baseline_synthetic_docx_reads(tmp_path):
    assert [b.text for b in load_document(docx(tmp_path / "ok.docx")).blocks] == ["Hello."]


# ---- zip bombs -----------------------------------------------------------------------


def test_high_ratio_member_is_a_zip_bomb(tmp_path):
    path = docx(tmp_path / "bomb.docx", extra={"word/media/filler.bin": b"\0" * (8 << 20)})
    err = ingest_error(path)
    assert err.code == "zip-bomb" and "filler" in err.message and "ratio" in err.message


def test_total_declared_size_over_limit_is_a_zip_bomb(tmp_path):
    path = docx(tmp_path / "big.docx")
    err = ingest_error(path, Limits(max_unzipped_bytes=200))
    assert err.code == "zip-bomb" and "uncompressed" in err.message


def test_small_repetitive_parts_are_not_bombs(tmp_path):
    # 500 kB of highly compressible XML: ratio way above 200, but below the 1 MB floor.
    text = "We will build a retrieval index. " * 15_000
    doc = load_document(docx(tmp_path / "rep.docx", document(text)))
    assert doc.blocks[0].text.startswith("We will build")


def _patch_sizes(data: bytes, member: str, new_size: int) -> bytes:
    """Make a zip lie: declare `new_size` uncompressed bytes for one member."""
    buf = bytearray(data)
    name = member.encode()
    at = 0
    while (at := buf.find(b"PK\x03\x04", at)) != -1:  # local headers
        n, m = struct.unpack_from("<HH", buf, at + 26)
        if buf[at + 30 : at + 30 + n] == name:
            struct.pack_into("<I", buf, at + 22, new_size)
        at += 4
    at = 0
    while (at := buf.find(b"PK\x01\x02", at)) != -1:  # central directory
        n = struct.unpack_from("<H", buf, at + 28)[0]
        if buf[at + 46 : at + 46 + n] == name:
            struct.pack_into("<I", buf, at + 24, new_size)
        at += 4
    return bytes(buf)


def test_member_lying_about_its_size_is_refused(tmp_path):
    # Declares 2 kB but inflates to 4 MB of XML: never trusted, never fully inflated.
    big = document("x" * (4 << 20))
    path = docx(tmp_path / "liar.docx", big)
    path.write_bytes(_patch_sizes(path.read_bytes(), "word/document.xml", 2048))
    err = ingest_error(path)
    assert err.code in ("corrupt", "zip-bomb")


def test_encrypted_zip_member(tmp_path):
    path = docx(tmp_path / "enc.docx")
    buf = bytearray(path.read_bytes())
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = 0
        while (at := buf.find(sig, at)) != -1:
            buf[at + flag_at] |= 1
            at += 4
    path.write_bytes(bytes(buf))
    assert ingest_error(path).code in ("encrypted", "corrupt")


# ---- XML attacks ---------------------------------------------------------------------


def test_external_entity_is_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-42")
    prolog = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    path = docx(tmp_path / "xxe.docx", document("&xxe;", prolog))
    err = ingest_error(path)
    assert err.code == "unsafe-xml"
    assert "DTD" in err.message and "TOPSECRET" not in err.message


def test_external_entity_to_etc_passwd(tmp_path):
    prolog = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    err = ingest_error(docx(tmp_path / "passwd.docx", document("&xxe;", prolog)))
    assert err.code == "unsafe-xml" and "root:" not in err.message


def test_billion_laughs_is_refused_quickly(tmp_path):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)
    )
    path = docx(tmp_path / "lol.docx", document("&lol9;", f"<!DOCTYPE lolz [{entities}]>"))
    start = time.monotonic()
    err = ingest_error(path)
    assert err.code == "unsafe-xml"
    assert time.monotonic() - start < 5


def test_dtd_in_a_secondary_part_is_refused(tmp_path):
    core = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY t SYSTEM "file:///etc/hostname">]>'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&t;</dc:title></cp:coreProperties>'
    )
    root_rels = rels().replace(
        "</Relationships>",
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/></Relationships>',
    )
    path = docx(tmp_path / "core.docx", extra={"_rels/.rels": root_rels, "docProps/core.xml": core})
    assert ingest_error(path).code == "unsafe-xml"


def test_utf16_encoded_dtd_is_refused(tmp_path):
    xml = document("&xxe;", '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    xml = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert ingest_error(docx(tmp_path / "u16.docx", xml)).code == "unsafe-xml"


def test_parse_xml_without_dtd_leaves_unknown_entities_unresolved():
    with pytest.raises(IngestError) as err:
        parse_xml(b"<a>&undefined;</a>", "part.xml")
    assert err.value.code == "corrupt"
    assert parse_xml(b"<a>&amp;&#65;</a>", "part.xml").text == "&A"


# ---- broken and foreign files ---------------------------------------------------------


def test_truncated_zip_is_corrupt(tmp_path):
    data = PROPOSAL.read_bytes()
    path = tmp_path / "trunc.docx"
    path.write_bytes(data[: len(data) // 2])
    assert ingest_error(path).code == "corrupt"


def test_malformed_xml_is_corrupt(tmp_path):
    err = ingest_error(docx(tmp_path / "bad.docx", "<w:document><w:body><w:p>"))
    assert err.code == "corrupt" and "word/document.xml" in err.message


def test_odt_is_a_legacy_format(tmp_path):
    path = write_zip(
        tmp_path / "proposal.odt",
        {"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<office:document-content/>"},
    )
    err = ingest_error(path)
    assert (err.code, err.message) == (
        "legacy-format",
        "OpenDocument text (.odt); save it as .docx or export to PDF and lint that",
    )


@pytest.mark.parametrize(
    "members",
    [
        {"hello.txt": "just a zip"},
        {"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"},
        # An Excel workbook: an OOXML package whose main part is not a Word document.
        {"[Content_Types].xml": CT, "_rels/.rels": rels("xl/workbook.xml"), "xl/workbook.xml": "<workbook/>"},
    ],
    ids=["plain-zip", "ods", "xlsx"],
)
def test_other_zips_are_unsupported(tmp_path, members):
    err = ingest_error(write_zip(tmp_path / "x.docx", members))
    assert (err.code, err.message) == ("unsupported-format", "zip archive that is not a Word document")


def test_deep_nesting_does_not_escape_as_recursion_error(tmp_path):
    cell = "<w:p><w:r><w:t>deep</w:t></w:r></w:p>"
    for _ in range(120):
        cell = f"<w:tbl><w:tr><w:tc>{cell}</w:tc></w:tr></w:tbl><w:p/>"
    xml = f'<?xml version="1.0"?><w:document xmlns:w="{W_NS}"><w:body>{cell}</w:body></w:document>'
    try:
        load_document(docx(tmp_path / "deep.docx", xml))
    except IngestError as err:
        assert err.code == "corrupt"


def test_damaged_copies_of_a_real_docx_never_crash(tmp_path):
    data = PROPOSAL.read_bytes()
    variants = [data[:cut] for cut in range(100, len(data), len(data) // 12)]
    for seed in range(24):  # deterministic byte flips spread over the file
        buf = bytearray(data)
        for k in range(8):
            pos = (seed * 7919 + k * 104729) % len(buf)
            buf[pos] ^= 0x5A
        variants.append(bytes(buf))
    outcomes = []
    for i, blob in enumerate(variants):
        path = tmp_path / f"v{i}.docx"
        path.write_bytes(blob)
        try:
            outcomes.append(type(load_document(path)))
        except IngestError as err:
            outcomes.append(err.code)
    assert all(o is Document or isinstance(o, str) for o in outcomes)
    assert "corrupt" in outcomes


def test_member_reads_are_capped_whatever_the_zip_declares(tmp_path):
    from proposal_lint.ingest.ooxml_safety import SafeZip

    path = write_zip(tmp_path / "z.zip", {"a.xml": "<a>" + "x" * 5000 + "</a>", "b.xml": "<b/>"})
    with SafeZip(path, max_unzipped_bytes=6000, max_zip_ratio=200) as zf:
        with pytest.raises(IngestError) as err:
            zf.read("a.xml", cap=1000)
        assert err.value.code == "zip-bomb"
        assert len(zf.read("a.xml")) == 5007
        with pytest.raises(IngestError):  # the package-wide budget is spent
            zf.read("a.xml")

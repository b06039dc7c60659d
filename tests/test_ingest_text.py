"""Plain-text and Markdown extraction."""

from __future__ import annotations

from pathlib import Path

import pytest

from proposal_lint.ingest import load_document
from proposal_lint.ingest import text as text_mod
from proposal_lint.model import Format, IngestError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "layout"


def rows(doc):
    return [
        (b.kind.value, b.text, b.level, b.section, b.table and (b.table.table, b.table.row, b.table.col))
        for b in doc.blocks
    ]


def load(tmp_path: Path, content: str | bytes, name: str = "p.txt"):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return load_document(path)


T = ["Proposal: Claims Triage Assistant"]


def test_markdown_fixture_exact():
    doc = load_document(FIXTURES / "proposal.md")
    assert doc.format is Format.markdown
    assert doc.title == "Claims Triage Assistant - Proposal"  # from the front matter
    assert doc.pages is None and doc.warnings == []
    assert rows(doc) == [
        ("heading", "Proposal: Claims Triage Assistant", 1, T, None),
        ("paragraph", "Prepared for Contoso Insurance by Acme AI Ltd.", None, T, None),
        ("heading", "1. Executive summary", 2, T + ["1. Executive summary"], None),
        ("paragraph", "Acme AI proposes a claims triage assistant for Contoso Insurance. "
         "We will build a retrieval index over your policy documents.", None, T + ["1. Executive summary"], None),
        ("paragraph", "We do not need to fine-tune a model for this use case.", None, T + ["1. Executive summary"], None),
        ("heading", "2. Approach", 2, T + ["2. Approach"], None),
        ("list_item", "1. Collect two years of historical claims.", 1, T + ["2. Approach"], None),
        ("list_item", "2. Remove personal data before indexing. Names and policy numbers are masked.", 1,
         T + ["2. Approach"], None),
        ("list_item", "3. Label 500 claims for evaluation.", 1, T + ["2. Approach"], None),
        ("list_item", "• Weekly status reports", 1, T + ["2. Approach"], None),
        ("list_item", "• Monthly steering meeting", 1, T + ["2. Approach"], None),
        ("heading", "2.1 Evaluation", 3, T + ["2. Approach", "2.1 Evaluation"], None),
        ("paragraph", "precision@5 >= 0.9", None, T + ["2. Approach", "2.1 Evaluation"], None),
        ("heading", "Pricing", 2, T + ["Pricing"], None),  # setext
        ("table_cell", "Item", None, T + ["Pricing"], (0, 0, 0)),
        ("table_cell", "Cost (EUR)", None, T + ["Pricing"], (0, 0, 1)),
        ("table_cell", "Discovery workshop", None, T + ["Pricing"], (0, 1, 0)),
        ("table_cell", "12,000", None, T + ["Pricing"], (0, 1, 1)),
        ("table_cell", "Retrieval index build", None, T + ["Pricing"], (0, 2, 0)),
        ("table_cell", "48,000", None, T + ["Pricing"], (0, 2, 1)),
        ("paragraph", "Prices exclude VAT.", None, T + ["Pricing"], None),
    ]


def test_plain_text_fixture_exact():
    doc = load_document(FIXTURES / "proposal.txt")  # CRLF line endings, UTF-8 en dash
    assert doc.format is Format.text and doc.title is None and doc.warnings == []
    caps = ["ACME AI LTD - PROPOSAL FOR CONTOSO INSURANCE"]
    prep = ["2. Approach", "2.1 Data preparation"]
    assert rows(doc) == [
        ("heading", caps[0], 1, caps, None),
        ("heading", "1. Executive summary", 1, ["1. Executive summary"], None),
        ("paragraph", "Acme AI proposes a claims triage assistant for Contoso Insurance. "
         "We will build a retrieval index over your policy documents.", None, ["1. Executive summary"], None),
        ("heading", "2. Approach", 1, ["2. Approach"], None),
        ("heading", "2.1 Data preparation", 2, prep, None),
        ("list_item", "• Collect two years of historical claims.", 1, prep, None),
        ("list_item", "• Remove personal data before indexing.", 1, prep, None),
        ("paragraph", "The assistant suggests a triage queue; a claims handler decides.", None, prep, None),
        ("heading", "APPENDIX B – PRICING", 1, ["APPENDIX B – PRICING"], None),
        ("paragraph", "Discovery workshop: 12,000 EUR. Retrieval index build: 48,000 EUR.", None,
         ["APPENDIX B – PRICING"], None),
    ]


@pytest.mark.parametrize(
    "data, warning",
    [
        ("Café – naïve résumé".encode("utf-8"), None),
        (b"\xef\xbb\xbf" + "Café – naïve résumé".encode("utf-8"), None),
        ("\ufeffCafé – naïve résumé".encode("utf-16-le"), None),
        ("\ufeffCafé – naïve résumé".encode("utf-16-be"), None),
        ("Café – naïve résumé".encode("cp1252"), "file is not UTF-8; decoded as Windows-1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16le", "utf16be", "cp1252"],
)
def test_encodings(tmp_path, data, warning):
    doc = load(tmp_path, data)
    assert [b.text for b in doc.blocks] == ["Café – naïve résumé"]
    assert doc.warnings == ([warning] if warning else [])


def test_latin1_fallback_for_bytes_cp1252_lacks():
    assert text_mod.decode(b"Fee \x81 caf\xe9") == ("Fee \x81 café", "file is not UTF-8; decoded as Latin-1")


def test_markdown_chosen_by_content_or_suffix(tmp_path):
    assert load(tmp_path, "# Scope\n\nText.", "a.txt").format is Format.markdown
    assert load(tmp_path, "Scope\n=====\n\nText.", "b.txt").format is Format.markdown
    plain_md = load(tmp_path, "Just a line.\n", "c.md")
    assert plain_md.format is Format.markdown
    assert load(tmp_path, "Just a line.\n", "d.txt").format is Format.text


def test_suffix_never_makes_binary_acceptable(tmp_path):
    path = tmp_path / "evil.md"
    path.write_bytes(b"\x00\x01\x02\x03binary\x00\xff" * 50)
    with pytest.raises(IngestError) as err:
        load_document(path)
    assert err.value.code == "unsupported-format"
    # Called directly, the text extractor refuses NULs too.
    with pytest.raises(IngestError) as err:
        text_mod.extract(path, sha256="x", size=path.stat().st_size)
    assert err.value.code == "unsupported-format"


def test_markdown_details(tmp_path):
    md = (
        "Intro with `code`, *emphasis*, __strong__ and ![logo](l.png) image; snake_case stays.\n\n"
        "> > Nested quote\n> continues.\n\n"
        "~~~python\nmodel.fit(x)\n  indented\n~~~\n\n"
        "* top\n  * nested bullet\n\n"
        "| Tier | Note |\n| :--- | --- |\n| Gold | a \\| b |\n| | empty first |\n\n"
        "Para one\n***\nPara two\n"
        "## Closing ##\n"
    )
    doc = load(tmp_path, md, "d.md")
    assert rows(doc) == [
        ("paragraph", "Intro with code, emphasis, strong and logo image; snake_case stays.", None, [], None),
        ("paragraph", "Nested quote continues.", None, [], None),
        ("paragraph", "model.fit(x)\nindented", None, [], None),
        ("list_item", "• top", 1, [], None),
        ("list_item", "• nested bullet", 2, [], None),
        ("table_cell", "Tier", None, [], (0, 0, 0)),
        ("table_cell", "Note", None, [], (0, 0, 1)),
        ("table_cell", "Gold", None, [], (0, 1, 0)),
        ("table_cell", "a | b", None, [], (0, 1, 1)),
        ("table_cell", "empty first", None, [], (0, 2, 1)),
        ("paragraph", "Para one", None, [], None),
        ("paragraph", "Para two", None, [], None),
        ("heading", "Closing", 2, ["Closing"], None),
    ]


def test_plain_text_heading_heuristics(tmp_path):
    txt = (
        "3.2.1 Model hosting\n\n"
        "1. Collect claims.\n2. Label them.\n\n"  # a numbered list, not headings
        "1. We will fine-tune the model on your historical tickets and call logs\n\n"  # too long for a heading
        "PRICING AND PAYMENT TERMS.\n\n"  # final period: a sentence
        "THIS SECTION EXPLAINS IN GREAT DETAIL WHY WE CHOSE THIS PARTICULAR APPROACH OVER THE OTHERS\n\n"
        "Summary\nThe first line is not shaped like a heading.\n\n"
        "4 Risks\nModel drift is monitored monthly.\n"
    )
    doc = load(tmp_path, txt)
    assert rows(doc) == [
        ("heading", "3.2.1 Model hosting", 3, ["3.2.1 Model hosting"], None),
        ("list_item", "1. Collect claims.", 1, ["3.2.1 Model hosting"], None),
        ("list_item", "2. Label them.", 1, ["3.2.1 Model hosting"], None),
        ("list_item", "1. We will fine-tune the model on your historical tickets and call logs", 1,
         ["3.2.1 Model hosting"], None),
        ("paragraph", "PRICING AND PAYMENT TERMS.", None, ["3.2.1 Model hosting"], None),
        ("paragraph", "THIS SECTION EXPLAINS IN GREAT DETAIL WHY WE CHOSE THIS PARTICULAR APPROACH OVER THE OTHERS",
         None, ["3.2.1 Model hosting"], None),
        ("paragraph", "Summary The first line is not shaped like a heading.", None, ["3.2.1 Model hosting"], None),
        ("heading", "4 Risks", 1, ["4 Risks"], None),
        ("paragraph", "Model drift is monitored monthly.", None, ["4 Risks"], None),
    ]


def test_whitespace_only_file(tmp_path):
    doc = load(tmp_path, " \n\t\n")
    assert doc.blocks == [] and doc.warnings == ["no text found"]


def test_unicode_cleanup(tmp_path):
    doc = load(tmp_path, "Zero\u200bwidth\u00a0space and ﬁne-tuning \t tabs.\n")
    assert [b.text for b in doc.blocks] == ["Zerowidth space and fine-tuning tabs."]


def test_markdown_bold_line_is_a_heading():
    from proposal_lint.ingest.text import parse_markdown

    blocks, _ = parse_markdown(
        "# Proposal\n\n**Alternatives considered**\n\nOption C: fine-tune Llama.\n\n"
        "**Client:** Foo Ltd\n\n**This bold line is a sentence.**\n"
    )
    got = [(b.kind.value, b.text, b.section) for b in blocks]
    assert got == [
        ("heading", "Proposal", ["Proposal"]),
        ("heading", "Alternatives considered", ["Proposal", "Alternatives considered"]),
        ("paragraph", "Option C: fine-tune Llama.", ["Proposal", "Alternatives considered"]),
        ("paragraph", "Client: Foo Ltd", ["Proposal", "Alternatives considered"]),
        ("paragraph", "This bold line is a sentence.", ["Proposal", "Alternatives considered"]),
    ]


def test_markdown_sibling_headings_without_a_title():
    """"## 2" after "## 1" closes section 1, also when no "#" title is above them."""
    from proposal_lint.ingest.text import parse_markdown

    blocks, _ = parse_markdown("## 1. Background\n\nOld.\n\n## 2. Proposal\n\n#### 2.1 Deep\n\nNew.\n\n### 3 Up\n\nx\n")
    assert [(b.text, b.section) for b in blocks] == [
        ("1. Background", ["1. Background"]),
        ("Old.", ["1. Background"]),
        ("2. Proposal", ["2. Proposal"]),
        ("2.1 Deep", ["2. Proposal", "2.1 Deep"]),
        ("New.", ["2. Proposal", "2.1 Deep"]),
        ("3 Up", ["2. Proposal", "3 Up"]),
        ("x", ["2. Proposal", "3 Up"]),
    ]

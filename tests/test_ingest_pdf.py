"""PDF ingest: layout fixtures (scripts/make_layout_pdfs.py) checked block by
block, and every PDF of the shared real-world corpus (../shared/corpus)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from proposal_lint.ingest import load_document
from proposal_lint.ingest.normalize import clean, join_lines, join_pair, strip_bullet
from proposal_lint.model import BlockKind, IngestError

REPO = Path(__file__).resolve().parents[1]
LAYOUT = REPO / "fixtures" / "layout"
CORPUS = REPO.parent / "shared" / "corpus"  # ../shared next to the repo, locally and in CI
PER_FILE_TIMEOUT = 60


def rows(doc, *kinds):
    return [(b.kind.value, b.page, b.section, b.text) for b in doc.blocks if not kinds or b.kind.value in kinds]


# ---- normalisation ---------------------------------------------------------------


def test_clean_ligatures_invisibles_and_cid():
    assert clean("We \ufb01ne-tune the work\ufb02ow (cid:27)and e\ufb03cient \ufb00ort") == (
        "We fine-tune the workflow and efficient ffort"
    )
    assert clean("hyper\u00adparameter\u200b search\u00a0 \t results\ufeff") == "hyperparameter search results"


def test_strip_bullet():
    assert strip_bullet("\u2022 a baseline") == (True, "a baseline")
    assert strip_bullet("\u25aaretrieval") == (True, "retrieval")
    assert strip_bullet("\u25e6 nested") == (True, "nested")
    assert strip_bullet("\uf0b7 Word symbol bullet") == (True, "Word symbol bullet")
    assert strip_bullet("\u2013 dash item") == (True, "dash item")
    assert strip_bullet("-3 dB drop") == (False, "-3 dB drop")
    assert strip_bullet("*Prices exclude VAT") == (False, "*Prices exclude VAT")


@pytest.mark.parametrize(
    "left, right, joined",
    [
        ("the imple-", "mentation", "the implementation"),
        ("we fine-", "tune it", "we fine-tune it"),
        ("a few-", "shot baseline", "a few-shot baseline"),
        ("a domain-", "specific model", "a domain-specific model"),
        ("state-of-the-", "art", "state-of-the-art"),
        ("built on GPT-", "4", "built on GPT-4"),
        ("prices in", "EUR", "prices in EUR"),
        ("a range of 5 -", "10 days", "a range of 5 - 10 days"),
        ("中文", "文本", "中文文本"),
    ],
)
def test_join_pair(left, right, joined):
    assert join_pair(left, right) == joined


def test_join_pair_document_vocabulary_overrides_prefix_list():
    assert join_pair("to re-", "trieve", {"retrieve"}) == "to retrieve"
    assert join_pair("to re-", "trieve") == "to re-trieve"
    assert join_lines(["one", "two-", "fold"], {"twofold"}) == "one twofold"


# ---- layout fixtures ---------------------------------------------------------------


def test_two_column_reads_column_by_column():
    doc = load_document(LAYOUT / "two_column.pdf")
    sec2, sec3 = ["2 Technical Approach"], ["3 Evaluation Plan"]
    assert rows(doc) == [
        ("heading", 1, ["Proposal: Ticket Triage Assistant"], "Proposal: Ticket Triage Assistant"),
        ("heading", 1, sec2, "2 Technical Approach"),
        ("paragraph", 1, sec2, "We propose to fine-tune a seven billion parameter open model on the ticket history "
         "of the last two years, because the categories used by the support team are specific to the company and "
         "change rarely."),
        ("paragraph", 1, sec2, "Before any training starts we will build a prompt-only baseline with twenty "
         "labelled examples per category and measure its accuracy on a held-out set of five hundred tickets."),
        ("paragraph", 1, sec2, "Retrieval of similar past tickets will be added to the baseline so that agents "
         "can see how earlier cases were resolved and which team handled them."),
        ("heading", 1, sec3, "3 Evaluation Plan"),
        ("paragraph", 1, sec3, "Accuracy, macro F1 and the share of tickets routed to the wrong team will be "
         "reported every week during the pilot."),
        ("paragraph", 1, sec3, "The fine-tuned model is only adopted if it beats the retrieval baseline by at "
         "least five points of macro F1 on the same held-out set; otherwise the baseline goes to production."),
        ("paragraph", 1, sec3, "All evaluation data stays in the customer's cloud tenant and is deleted at the end "
         "of the engagement."),
    ]
    left, right = doc.blocks[2].bbox, doc.blocks[6].bbox
    assert left.x0 == pytest.approx(70.9, abs=1.5) and left.x1 < 297
    assert right.x0 == pytest.approx(309.4, abs=1.5) and right.top == pytest.approx(144, abs=2)
    assert [b.level for b in doc.blocks if b.kind == BlockKind.heading] == [1, 1, 1]
    assert doc.pages == 1 and doc.title == "Two-column proposal page"
    assert doc.producer.startswith("ReportLab")


def test_running_header_and_footer_are_kept_apart():
    doc = load_document(LAYOUT / "running_heads.pdf")
    header = "Acme AI | Proposal for Northwind Health | Confidential"
    assert rows(doc, "header", "footer") == [
        ("header", 1, [], header),
        ("footer", 1, ["3 Data Handling"], "Page 1 of 3"),
        ("header", 2, ["3 Data Handling"], header),
        ("footer", 2, ["5 Timeline"], "Page 2 of 3"),
        ("header", 3, ["5 Timeline"], header),
        ("footer", 3, ["5 Timeline"], "Page 3 of 3"),
    ]
    assert rows(doc, "heading") == [
        ("heading", 1, ["1 Executive Summary"], "1 Executive Summary"),
        ("heading", 1, ["2 Scope of Work"], "2 Scope of Work"),
        ("heading", 1, ["3 Data Handling"], "3 Data Handling"),
        ("heading", 2, ["4 Team and Governance"], "4 Team and Governance"),
        ("heading", 2, ["5 Timeline"], "5 Timeline"),
    ]
    body = [b for b in doc.blocks if b.kind == BlockKind.paragraph]
    assert len(body) == 1 + 4 * 9
    assert not [b.text for b in body if "Confidential" in b.text or "Page " in b.text]
    assert (body[0].page, body[0].text) == (1, (
        "The assistant drafts a reply for every incoming ticket and shows the agent the three most similar "
        "resolved tickets. Agents stay in control: nothing is sent to a customer without their approval. Every "
        "draft records which knowledge base articles it used, so reviewers can check its sources."))
    # 3.5 is the last paragraph of page 1, 3.6 the first of page 2.
    assert [(b.page, b.section, b.text[:4]) for b in body[14:16]] == [
        (1, ["3 Data Handling"], "3.5 "), (2, ["3 Data Handling"], "3.6 ")]
    footer = doc.blocks[[b.text for b in doc.blocks].index("Page 2 of 3")].bbox
    assert footer.top == pytest.approx(794, abs=2) and footer.x1 == pytest.approx(524, abs=2)


def test_paragraph_continues_over_a_page_break():
    """The last line of a paragraph lands on page 2, after the footer and the next
    page's header: it is still one paragraph (its sentence keeps its "no")."""
    doc = load_document(LAYOUT / "page_break.pdf")
    para = next(b for b in doc.blocks if b.text.startswith("Each morning"))
    assert para.page == 1 and para.section == ["2 Scope of supply"]
    assert para.text.endswith(
        "and no building data is used to train or fine-tune any language model.")
    assert [b.kind.value for b in doc.blocks if b.page == 2] == ["header", "heading", "paragraph", "footer"]
    assert not any(b.text[:1].islower() for b in doc.blocks)


def test_wrapped_bullet_keeps_its_indented_second_line():
    """A bullet's second line, indented under its text after a line that stops
    short, is the same list item (not a new paragraph by "first-line indent")."""
    doc = load_document(REPO / "fixtures" / "holdout" / "pdf" / "75-invoice-gl-coding-lora-sow.pdf")
    item = next(b for b in doc.blocks if b.text.startswith("18,000 of these were re-checked"))
    assert item.kind == BlockKind.list_item and item.section == ["4. Data (in hand)"]
    assert item.text.endswith("by the internal audit sample in FY2025; corrected codes are recorded.")
    assert not any(b.text.startswith("audit sample") for b in doc.blocks)


def test_table_with_ruling_lines_becomes_cells():
    doc = load_document(LAYOUT / "table.pdf")
    sec = ["4 Pricing"]
    assert rows(doc, "heading", "paragraph") == [
        ("heading", 1, sec, "4 Pricing"),
        ("paragraph", 1, sec, "The fixed price covers the three work packages below; travel is billed at cost."),
        ("paragraph", 1, sec, "Fine-tuning is only started after the baseline review in week six."),
    ]
    assert [b.kind for b in doc.blocks[2:14]] == [BlockKind.table_cell] * 12  # in place, between the paragraphs
    cells = {(b.table.table, b.table.row, b.table.col): b.text for b in doc.blocks if b.table}
    assert cells == {
        (0, 0, 0): "Work package", (0, 0, 1): "Effort (days)", (0, 0, 2): "Price (EUR)",
        (0, 1, 0): "Prompt engineering baseline", (0, 1, 1): "10", (0, 1, 2): "12,000",
        (0, 2, 0): "Retrieval pipeline (RAG)", (0, 2, 1): "25", (0, 2, 2): "30,000",
        (0, 3, 0): "Fine-tuning of the base model", (0, 3, 1): "40", (0, 3, 2): "52,000",
    }
    fine = next(b for b in doc.blocks if b.text == "Fine-tuning of the base model")
    assert (fine.page, fine.section) == (1, sec)
    assert fine.bbox.x0 == pytest.approx(99, abs=2) and fine.bbox.x1 == pytest.approx(298, abs=2)


def test_hyphenated_line_breaks_are_rejoined():
    doc = load_document(LAYOUT / "hyphenation.pdf")
    sec = ["2.3 Delivery Plan"]
    assert rows(doc) == [
        ("heading", 1, sec, "2.3 Delivery Plan"),
        ("paragraph", 1, sec, "We will deliver the implementation in three phases. In the first phase we "
         "fine-tune a small open model on two thousand labelled tickets and compare it with a few-shot prompting "
         "baseline built on GPT-4 and a self-hosted retrieval index."),
        ("paragraph", 1, sec, "The second phase moves the winning configuration into production behind a "
         "feature flag."),
    ]
    assert doc.blocks[0].level == 2  # from the numbering depth


def test_numbered_headings_and_levels():
    doc = load_document(LAYOUT / "headings.pdf")
    title, s1, s2 = "Proposal for a Claims Assistant", "1 Executive Summary", "2 Technical Approach"
    s21, s211, s22, app = "2.1 Approach", "2.1.1 Data Preparation", "2.2 Evaluation", "Appendix B Pricing Assumptions"
    assert [(b.kind.value, b.level, b.section, b.text) for b in doc.blocks] == [
        ("heading", 1, [title], title),
        ("heading", 1, [s1], s1),
        ("paragraph", None, [s1], "Acme AI proposes a claims assistant that answers adjusters' questions from the "
         "policy documents."),
        ("heading", 1, [s2], s2),
        ("paragraph", None, [s2], "The solution combines document retrieval with a hosted language model."),
        ("heading", 2, [s2, s21], s21),
        ("paragraph", None, [s2, s21], "We propose to fine-tune the model on ten thousand historical claims so that "
         "it learns the insurer's terminology."),
        ("heading", 3, [s2, s21, s211], s211),
        ("paragraph", None, [s2, s21, s211], "Claims are de-identified before they leave the insurer's network."),
        ("heading", 2, [s2, s22], s22),
        ("paragraph", None, [s2, s22], "Answers are scored by two senior adjusters against a rubric agreed in week "
         "one."),
        ("heading", 1, [app], app),
        ("paragraph", None, [app], "Prices assume at most two hundred active users during the pilot."),
    ]
    assert {b.page for b in doc.blocks} == {1}


def test_numbered_clauses_are_paragraphs_not_headings():
    """In a narrow column a clause's first line ("7.1 The Supplier shall notify the
    Client within twenty") is as short as a title; it runs on into the next line,
    so it is body text, and each clause is its own paragraph. A clause that leads
    into a list ("... on the held-back set:") is no title either."""
    doc = load_document(LAYOUT / "clauses.pdf")
    h7, h73, h76 = "7. Base Model Changes", "7.3 Charges", "7.6 Stage 2: Model specialisation (weeks 5–9)"
    assert rows(doc) == [
        ("heading", 1, [h7], h7),
        ("paragraph", 1, [h7], "7.1 The Supplier shall notify the Client within twenty working days of becoming "
         "aware that the base model is deprecated, withdrawn from support or superseded by a successor."),
        ("paragraph", 1, [h7], "7.2 Upon such notification the Supplier shall retrain the adapters on the agreed "
         "successor; one such retraining per contract year is included in the annual support charge."),
        ("heading", 1, [h7, h73], h73),
        ("paragraph", 1, [h7, h73], "Further retrainings are charged at GBP 3,200 each."),
        ("paragraph", 1, [h7, h73], "7.4 Acceptance follows if, on the held-back set:"),
        ("list_item", 1, [h7, h73], "field accuracy is at least 96%."),
        # A line opening with a wrapped reference ("Annex C), the ...") is no title,
        ("paragraph", 1, [h7, h73], "7.5 In the pilot under the first statement of work (see Annex C), the "
         "Supplier tested a prompt with three example letters."),
        # and a title wrapped inside its parentheses goes on.
        ("heading", 1, [h7, h76], h76),
        ("paragraph", 1, [h7, h76], "The adapters are trained on the letter pairs."),
    ]


def test_bullets_nesting_and_ligatures():
    doc = load_document(LAYOUT / "bullets.pdf")
    sec = ["3 Deliverables"]
    assert [(b.kind.value, b.level, b.section, b.text) for b in doc.blocks] == [
        ("heading", 1, sec, "3 Deliverables"),
        ("paragraph", None, sec, "At the end of the pilot the customer receives:"),
        ("list_item", 1, sec, "a fine-tuned classification model for routing tickets to the right team;"),
        ("list_item", 1, sec, "a workflow dashboard that shows, for every ticket, the predicted team, the "
         "confidence of the prediction and the agent who accepted or corrected it;"),
        ("list_item", 1, sec, "weekly accuracy reports, split into:"),
        ("list_item", 2, sec, "routing accuracy per team"),
        ("list_item", 2, sec, "time saved per ticket"),
        ("paragraph", None, sec, "Ownership of the fine-tuned weights passes to the customer on final payment."),
    ]
    wrapped = doc.blocks[3].bbox  # two lines
    assert wrapped.bottom - wrapped.top == pytest.approx(23, abs=3)


def test_page_without_text_layer_is_a_warning():
    doc = load_document(LAYOUT / "partly_scanned.pdf")
    assert doc.pages == 2
    assert rows(doc) == [("paragraph", 1, [], "The signed acceptance page follows.")]
    assert doc.warnings == ["page 2 has no text layer (scanned?); run OCR (e.g. ocrmypdf) to lint it"]


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\nthis is not really a PDF\n", (LAYOUT / "table.pdf").read_bytes()[:400]],
    ids=["not-a-pdf", "truncated"],
)
def test_corrupt_pdf(tmp_path, data):
    path = tmp_path / "broken.pdf"
    path.write_bytes(data)
    with pytest.raises(IngestError) as err:
        load_document(path)
    assert err.value.code == "corrupt"


def test_unexpected_errors_become_corrupt(monkeypatch):
    from proposal_lint.ingest import pdf

    def boom(*a, **k):
        raise ValueError("bad xref")

    monkeypatch.setattr(pdf, "_read_page", boom)
    with pytest.raises(IngestError) as err:
        load_document(LAYOUT / "table.pdf")
    assert (err.value.code, err.value.message) == ("corrupt", "cannot read PDF (ValueError: bad xref)")

    def interrupt(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(pdf, "_read_page", interrupt)
    with pytest.raises(KeyboardInterrupt):
        load_document(LAYOUT / "table.pdf")


# ---- real-world corpus ----------------------------------------------------------------

_WORKER = """
import json, sys
from proposal_lint.ingest import load_document
from proposal_lint.model import IngestError
try:
    d = load_document(sys.argv[1], password=sys.argv[2] or None)
    out = {"pages": d.pages, "blocks": len(d.blocks), "chars": sum(len(b.text) for b in d.blocks)}
except IngestError as e:
    out = {"error": e.code}
print(json.dumps(out))
"""


def _manifest() -> dict[str, str]:
    with (CORPUS / "MANIFEST.tsv").open(newline="") as fh:
        return {r["file"]: r["what_is_special"] for r in csv.DictReader(fh, delimiter="\t") if r["file"].endswith(".pdf")}


def _run(path: Path, password: str = "") -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]))
    try:
        proc = subprocess.run([sys.executable, "-c", _WORKER, str(path), password], capture_output=True, text=True,
                              timeout=PER_FILE_TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        return {"crash": f"no result within {PER_FILE_TIMEOUT} s"}
    if proc.returncode != 0:
        return {"crash": proc.stderr.strip().splitlines()[-1:] or f"exit {proc.returncode}"}
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def corpus_results() -> dict[str, dict]:
    files = sorted((CORPUS / "pdf").glob("*.pdf"))
    assert len(files) >= 40, f"corpus not found at {CORPUS}"
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(zip((f.name for f in files), pool.map(_run, files)))


def test_corpus_every_pdf_gives_document_or_ingest_error(corpus_results):
    crashed = {name: r["crash"] for name, r in corpus_results.items() if "crash" in r}
    assert not crashed
    assert set(_manifest()) == {f"pdf/{name}" for name in corpus_results}
    documents = [name for name, r in corpus_results.items() if "error" not in r]
    assert len(documents) >= 30
    # Ordinary text PDFs must give text, not just an empty Document.
    for name in ("pdfminer-naacl06-shinyama.pdf", "pdfplumber-federal-register-2020-17221.pdf",
                 "pdfplumber-issue-67-example.pdf", "pdfminer-zen_of_python_corrupted.pdf",
                 "pdfplumber-issue-848.pdf", "pdfplumber-WARN-Report-for-7-1-2015-to-03-25-2016.pdf"):
        assert corpus_results[name]["chars"] > 500, name


def test_corpus_manifest_expectations(corpus_results):
    errors = {name: r.get("error") for name, r in corpus_results.items()}
    for name in ("pdfplumber-password-example.pdf", "pdfminer-rc4-40.pdf", "pdfminer-aes-256-r6.pdf"):
        assert errors[name] == "encrypted", name
    for name in ("pdfplumber-issue-203-decimalize.pdf", "pdfminer-pdf-with-jbig2.pdf", "pdfminer-175.pdf",
                 "pdfminer-encrypted_doc_no_id.pdf"):  # the last: empty user password, image pages
        assert errors[name] == "no-text-layer", name
    # Encrypted with an empty user password: opens without one.
    assert corpus_results["pdfminer-kampo.pdf"]["blocks"] > 0
    assert errors["pdfplumber-empty.pdf"] == "empty"
    blank = corpus_results["pdfplumber-issue-297-example.pdf"]  # one page, nothing on it
    assert (blank["pages"], blank["blocks"]) == (1, 0)
    plain = corpus_results["pdfplumber-nics-background-checks-2015-11.pdf"]
    rotated = corpus_results["pdfplumber-nics-background-checks-2015-11-rotated.pdf"]
    assert rotated["chars"] > 4000 and rotated["blocks"] == plain["blocks"]


@pytest.mark.parametrize(
    "name, password, first_words",
    [
        ("pdfplumber-password-example.pdf", "test", "Backup4all"),
        ("pdfminer-rc4-40.pdf", "foo", None),
        ("pdfminer-aes-256-r6.pdf", "usersecret", None),
    ],
)
def test_corpus_encrypted_open_with_password(name, password, first_words):
    path = CORPUS / "pdf" / name
    doc = load_document(path, password=password)
    assert doc.pages >= 1 and doc.blocks
    if first_words:
        assert doc.blocks[0].text.startswith(first_words)
    with pytest.raises(IngestError) as err:
        load_document(path, password=password + "-wrong")
    assert err.value.code == "wrong-password"
    with pytest.raises(IngestError) as err:
        load_document(path)
    assert err.value.code == "encrypted" and "--password" in err.value.message


def test_corpus_two_column_paper_reads_column_wise():
    doc = load_document(CORPUS / "pdf" / "pdfminer-naacl06-shinyama.pdf")
    # Both sentences run over line breaks (one with a hyphenated "cre-ated") in the
    # left column of page 1; the paragraph then runs on into the right column,
    # whose first line is "cles and adjust its patterns" after "arti-".
    para = next(b for b in doc.blocks if b.text.startswith("Every day"))
    assert para.page == 1 and para.section == ["1 Background"] and para.bbox.x1 < 300
    assert para.text.startswith(
        "Every day, a large number of news articles are created and reported, many of which are unique. But "
        "certain types of events, such as hurricanes or murders, are reported again and again throughout a year."
    )
    assert "articles and adjust its patterns" in para.text
    assert not any(b.text.startswith("cles and adjust") for b in doc.blocks)


def test_corpus_ligatures_are_split():
    doc = load_document(CORPUS / "pdf" / "pdfplumber-issue-598-example.pdf")
    text = "\n".join(b.text for b in doc.blocks)
    assert "Think of your favorite science fiction movie." in text
    assert not any(ch in text for ch in "\ufb00\ufb01\ufb02\ufb03\ufb04")


def test_corpus_no_text_layer_message():
    with pytest.raises(IngestError) as err:
        load_document(CORPUS / "pdf" / "pdfplumber-issue-203-decimalize.pdf")
    assert err.value.code == "no-text-layer" and "ocrmypdf" in err.value.message

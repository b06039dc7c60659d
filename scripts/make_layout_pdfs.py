"""Generate the layout fixtures in fixtures/layout/ (run from anywhere).

Each PDF isolates one layout problem for the PDF reader; the prose is an AI
vendor proposal so the rules engine can use the files too. Output is
byte-for-byte reproducible (reportlab invariant mode, fonts shipped with
reportlab). tests/test_ingest_pdf.py holds the expected extraction.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import reportlab
from reportlab import rl_config

rl_config.invariant = 1

from reportlab.lib import colors  # noqa: E402
from reportlab.lib.enums import TA_CENTER  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import cm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402
from reportlab.platypus import Frame, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "layout"
_FONTS = Path(reportlab.__file__).parent / "fonts"
pdfmetrics.registerFont(TTFont("Vera", str(_FONTS / "Vera.ttf")))  # has the fi/fl ligature glyphs
pdfmetrics.registerFont(TTFont("Vera-Bold", str(_FONTS / "VeraBd.ttf")))

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13, spaceAfter=8)
H1 = ParagraphStyle("h1", fontName="Helvetica-Bold", fontSize=16, leading=20, spaceBefore=6, spaceAfter=8)
H2 = ParagraphStyle("h2", fontName="Helvetica-Bold", fontSize=13, leading=16, spaceBefore=4, spaceAfter=6)
H3 = ParagraphStyle("h3", fontName="Helvetica-Bold", fontSize=11, leading=14, spaceBefore=2, spaceAfter=4)
TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=20, leading=24, spaceAfter=12, alignment=TA_CENTER)


def _doc(name: str, **kw) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        str(OUT / name), pagesize=A4, leftMargin=2.5 * cm, rightMargin=2.5 * cm,
        topMargin=2.5 * cm, bottomMargin=2.5 * cm, title=kw.pop("title", name), author="Acme AI",
        **kw,
    )


def two_column() -> None:
    """Title across the page, then two text columns."""
    c = canvas.Canvas(str(OUT / "two_column.pdf"), pagesize=A4)
    c.setTitle("Two-column proposal page")
    w, h = A4
    title = Paragraph("Proposal: Ticket Triage Assistant", TITLE)
    title.wrapOn(c, w - 5 * cm, 3 * cm)
    title.drawOn(c, 2.5 * cm, h - 3.5 * cm)
    story = [
        Paragraph("2 Technical Approach", H2),
        Paragraph(
            "We propose to fine-tune a seven billion parameter open model on the ticket history of the last two "
            "years, because the categories used by the support team are specific to the company and change "
            "rarely.", BODY),
        Paragraph(
            "Before any training starts we will build a prompt-only baseline with twenty labelled examples per "
            "category and measure its accuracy on a held-out set of five hundred tickets.", BODY),
        Paragraph(
            "Retrieval of similar past tickets will be added to the baseline so that agents can see how earlier "
            "cases were resolved and which team handled them.", BODY),
        Paragraph("3 Evaluation Plan", H2),
        Paragraph(
            "Accuracy, macro F1 and the share of tickets routed to the wrong team will be reported every week "
            "during the pilot.", BODY),
        Paragraph(
            "The fine-tuned model is only adopted if it beats the retrieval baseline by at least five points of "
            "macro F1 on the same held-out set; otherwise the baseline goes to production.", BODY),
        Paragraph(
            "All evaluation data stays in the customer's cloud tenant and is deleted at the end of the "
            "engagement.", BODY),
    ]
    gap = 0.8 * cm
    col = (w - 5 * cm - gap) / 2
    for x in (2.5 * cm, 2.5 * cm + col + gap):
        # Tall enough for section 2 only, so section 3 starts the right column.
        Frame(x, h - 4 * cm - 232, col, 232, leftPadding=0, rightPadding=0, showBoundary=0).addFromList(story, c)
    assert not story, "two_column.pdf: text did not fit the two columns"
    c.showPage()
    c.save()


RUNNING_HEADER = "Acme AI | Proposal for Northwind Health | Confidential"


def _running_heads(header: str, footer: str):
    """An onPage callback: `header` top left, `footer` ("Page {page}") bottom right."""

    def decorate(c: canvas.Canvas, doc) -> None:
        w, h = A4
        c.saveState()
        c.setFont("Helvetica", 8)
        c.drawString(2.5 * cm, h - 1.5 * cm, header)
        c.drawRightString(w - 2.5 * cm, 1.5 * cm, footer.format(page=doc.page))
        c.restoreState()

    return decorate


def running_heads() -> None:
    """Three pages with a running header and a 'Page N of 3' footer."""

    decorate = _running_heads(RUNNING_HEADER, "Page {page} of 3")
    points = [
        "The assistant drafts a reply for every incoming ticket and shows the agent the three most similar "
        "resolved tickets.",
        "Agents stay in control: nothing is sent to a customer without their approval.",
        "Every draft records which knowledge base articles it used, so reviewers can check its sources.",
        "Drafts in languages other than English are translated for the agent and back for the customer.",
        "Tickets that mention a legal claim or a data breach are never drafted and go straight to a supervisor.",
        "The knowledge base is re-indexed every night; articles marked as outdated drop out of the index.",
        "Response times are logged per ticket so that the time saved can be measured against last year.",
        "Agents can flag a poor draft with one click; flagged drafts are reviewed weekly with the vendor.",
        "The service runs in the customer's own cloud tenant and keeps no copy of ticket data.",
    ]
    story = [Paragraph("1 Executive Summary", H1), Paragraph(" ".join(points[:3]), BODY)]
    sections = ["2 Scope of Work", "3 Data Handling", "4 Team and Governance", "5 Timeline"]
    for i, head in enumerate(sections):
        story.append(Paragraph(head, H1))
        for k in range(9):
            story.append(Paragraph(f"{i + 2}.{k + 1} {points[k]} {points[(k + i + 1) % 9]}", BODY))
    doc = _doc("running_heads.pdf", title="Support assistant proposal")
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    assert doc.page == 3, f"running_heads.pdf has {doc.page} pages, footer says 3"


def page_break() -> None:
    """A paragraph that runs over a page break, past the footer and the next header."""

    decorate = _running_heads("Acme AI - Energy dashboard - Statement of work", "Page {page}")
    filler = ("The sensors report temperature, humidity, carbon dioxide and occupancy every five minutes, and "
              "the gateways forward the readings to the network server in the client's own cloud tenant. ")
    story = [Paragraph("2 Scope of supply", H1)]
    # Just enough text before it that the paragraph's last line goes to page 2.
    story += [Paragraph(f"2.{k + 1} " + filler * 2, BODY) for k in range(10)]
    story.append(Paragraph("Gateways are checked every month.", BODY))
    story.append(Paragraph(
        "Each morning a short written summary is produced for the facilities manager by a hosted language "
        "model from a fixed prompt template that receives the previous day's figures as a table. The prompt "
        "template is versioned in the client's repository, and no building data is used to train or fine-tune "
        "any language model.", BODY))
    story.append(Paragraph("3 Timeline", H1))
    story.append(Paragraph("Installation takes six weeks per block.", BODY))
    _doc("page_break.pdf", title="Energy dashboard statement of work").build(
        story, onFirstPage=decorate, onLaterPages=decorate)


def table() -> None:
    """A price table drawn with ruling lines between two paragraphs."""
    rows = [
        ["Work package", "Effort (days)", "Price (EUR)"],
        ["Prompt engineering baseline", "10", "12,000"],
        ["Retrieval pipeline (RAG)", "25", "30,000"],
        ["Fine-tuning of the base model", "40", "52,000"],
    ]
    t = Table(rows, colWidths=[7 * cm, 3.5 * cm, 3.5 * cm])
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 10),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 10),
    ]))
    story = [
        Paragraph("4 Pricing", H1),
        Paragraph("The fixed price covers the three work packages below; travel is billed at cost.", BODY),
        t,
        Spacer(1, 12),
        Paragraph("Fine-tuning is only started after the baseline review in week six.", BODY),
    ]
    _doc("table.pdf", title="Pricing").build(story)


def hyphenation() -> None:
    """Words hyphenated across line breaks, drawn line by line."""
    c = canvas.Canvas(str(OUT / "hyphenation.pdf"), pagesize=A4)
    c.setTitle("Hyphenation")
    _, h = A4
    c.setFont("Helvetica-Bold", 13)
    c.drawString(72, h - 72, "2.3 Delivery Plan")
    lines = [
        "We will deliver the imple-",
        "mentation in three phases. In the first phase we fine-",
        "tune a small open model on two thousand labelled tickets and com-",
        "pare it with a few-",
        "shot prompting baseline built on GPT-",
        "4 and a self-",
        "hosted retrieval index.",
        "",
        "The second phase moves the winning configu-",
        "ration into production behind a feature flag.",
    ]
    c.setFont("Helvetica", 10)
    y = h - 100
    for line in lines:
        c.drawString(72, y, line)
        y -= 13 if line else 20
    c.showPage()
    c.save()


def headings() -> None:
    """Numbered headings at three sizes, an unnumbered title and an appendix."""
    story = [
        Paragraph("Proposal for a Claims Assistant", TITLE),
        Paragraph("1 Executive Summary", H1),
        Paragraph("Acme AI proposes a claims assistant that answers adjusters' questions from the policy "
                  "documents.", BODY),
        Paragraph("2 Technical Approach", H1),
        Paragraph("The solution combines document retrieval with a hosted language model.", BODY),
        Paragraph("2.1 Approach", H2),
        Paragraph("We propose to fine-tune the model on ten thousand historical claims so that it learns the "
                  "insurer's terminology.", BODY),
        Paragraph("2.1.1 Data Preparation", H3),
        Paragraph("Claims are de-identified before they leave the insurer's network.", BODY),
        Paragraph("2.2 Evaluation", H2),
        Paragraph("Answers are scored by two senior adjusters against a rubric agreed in week one.", BODY),
        Paragraph("Appendix B Pricing Assumptions", H1),
        Paragraph("Prices assume at most two hundred active users during the pilot.", BODY),
    ]
    _doc("headings.pdf", title="Claims assistant proposal").build(story)


def clauses() -> None:
    """Numbered clauses of a statement of work: "7.1 The Supplier shall ..." wraps
    onto a second line and is body text, as is "7.4 ... if, on the held-back
    set:" leading into a bullet, while the bold "7. Base model changes" and the
    short plain "7.3 Charges" are headings."""
    story = [
        Paragraph("7. Base Model Changes", H1),
        Paragraph("7.1 The Supplier shall notify the Client within twenty working days of becoming aware that "
                  "the base model is deprecated, withdrawn from support or superseded by a successor.", BODY),
        Paragraph("7.2 Upon such notification the Supplier shall retrain the adapters on the agreed successor; "
                  "one such retraining per contract year is included in the annual support charge.", BODY),
        Paragraph("7.3 Charges", BODY),
        Paragraph("Further retrainings are charged at GBP 3,200 each.", BODY),
        Paragraph("7.4 Acceptance follows if, on the held-back set:", BODY),
        Paragraph("\u2022 field accuracy is at least 96%.", BODY),
        # A line that opens with a reference is no "Annex C" title, and a title
        # wrapped inside its parentheses goes on.
        Paragraph("7.5 In the pilot under the first statement of work (see<br/>Annex C), the Supplier "
                  "tested a prompt with three example letters.", BODY),
        Paragraph("7.6 Stage 2: Model specialisation (weeks<br/>5\u20139)", H1),
        Paragraph("The adapters are trained on the letter pairs.", BODY),
    ]
    # A narrow column, as in two-column contracts: a clause's first line is as
    # short as a title.
    SimpleDocTemplate(str(OUT / "clauses.pdf"), pagesize=A4, leftMargin=6 * cm, rightMargin=6 * cm,
                      topMargin=2.5 * cm, bottomMargin=2.5 * cm, title="Statement of work",
                      author="Acme AI").build(story)


def bullets() -> None:
    """Bullet lists with glyph bullets, a nested level and ligature glyphs."""
    body = ParagraphStyle("vera", parent=BODY, fontName="Vera")
    item = ParagraphStyle("item", parent=body, leftIndent=18, bulletIndent=6, bulletFontName="Vera", spaceAfter=3)
    sub = ParagraphStyle("sub", parent=item, leftIndent=36, bulletIndent=24)
    story = [
        Paragraph("3 Deliverables", ParagraphStyle("vh", parent=H1, fontName="Vera-Bold")),
        Paragraph("At the end of the pilot the customer receives:", body),
        # U+FB01/U+FB02 are the ligature glyphs a typesetter would emit.
        Paragraph("a \ufb01ne-tuned classi\ufb01cation model for routing tickets to the right team;", item,
                  bulletText="\u2022"),
        Paragraph("a work\ufb02ow dashboard that shows, for every ticket, the predicted team, the con\ufb01dence "
                  "of the prediction and the agent who accepted or corrected it;", item, bulletText="\u2022"),
        Paragraph("weekly accuracy reports, split into:", item, bulletText="\u2022"),
        Paragraph("routing accuracy per team", sub, bulletText="\u2013"),
        Paragraph("time saved per ticket", sub, bulletText="\u2013"),
        Paragraph("Ownership of the \ufb01ne-tuned weights passes to the customer on \ufb01nal payment.", body),
    ]
    _doc("bullets.pdf", title="Deliverables").build(story)


def partly_scanned() -> None:
    """Page 1 has text, page 2 is only an image (a scanned signature page)."""
    from PIL import Image

    c = canvas.Canvas(str(OUT / "partly_scanned.pdf"), pagesize=A4)
    c.setTitle("Signed proposal")
    _, h = A4
    c.setFont("Helvetica", 10)
    c.drawString(72, h - 72, "The signed acceptance page follows.")
    c.showPage()
    img = Image.new("L", (64, 32), 255)
    for x in range(8, 56):
        img.putpixel((x, 16 + (x % 5) - 2), 0)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    from reportlab.lib.utils import ImageReader

    c.drawImage(ImageReader(buf), 72, h - 300, width=256, height=128)
    c.showPage()
    c.save()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for make in (two_column, running_heads, page_break, table, hyphenation, headings, clauses, bullets,
                 partly_scanned):
        make()
    print("\n".join(sorted(os.listdir(OUT))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

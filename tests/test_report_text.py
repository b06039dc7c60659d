"""The text report a buyer reads: verdict, findings with quotes, the question to ask."""

from __future__ import annotations

from proposal_lint.model import DocumentResult, ErrorInfo, Evidence, Finding, Severity, Verdict
from proposal_lint.report import ReportOptions, render

LONG_QUOTE = (
    "Our team will fine-tune a proprietary large language model on your complete library of HR "
    "policies so that it always knows your business and answers every employee question."
)


def results():
    finding = Finding(
        rule_id="PL003",
        name="fine-tuning-for-knowledge",
        severity=Severity.error,
        message="Fine-tuning is aimed at answering from your documents.",
        why="A fine-tune does not stay current when a policy changes and cannot cite it; retrieval can.",
        question="Why will retrieval over the policy documents plus a good prompt not do this?",
        evidence=[Evidence(quote=LONG_QUOTE, page=3, section="2.1 Approach")],
    )
    return [
        DocumentResult(
            path="quotes/acme.pdf", sha256="0" * 64, format="pdf", pages=12,
            verdict=Verdict(recommendation="rag", reasons=["the fine-tune is meant to teach policy facts"]),
            findings=[finding],
        ),
        DocumentResult(
            path="quotes/clean.docx", sha256="1" * 64, format="docx",
            verdict=Verdict(recommendation="no-fine-tuning", reasons=["no weight updates proposed"]),
        ),
        DocumentResult(path="quotes/locked.pdf", error=ErrorInfo(code="encrypted", message="PDF is password-protected; pass --password")),
    ]


def test_document_verdict_finding_and_summary():
    out = render("text", results())
    assert "quotes/acme.pdf  (PDF, 12 pages)" in out
    assert "Use retrieval (RAG)" in out and "[rag]" in out
    assert "the fine-tune is meant to teach policy facts" in out
    assert "PL003 error" in out
    assert "question.\u201d  (p3 §2.1 Approach)" in out
    assert "Why it matters:" in out
    assert "Ask the vendor: Why will retrieval" in out
    assert "quotes/clean.docx  (DOCX)" in out and "No findings." in out
    assert out.rstrip().splitlines()[-1] == "3 files: 1 finding in 1 file, 1 unreadable"


def test_fits_80_columns_and_keeps_the_quote_whole():
    out = render("text", results(), ReportOptions(width=80))
    assert max(len(line) for line in out.splitlines()) <= 80
    assert all(line == line.rstrip() for line in out.splitlines())
    assert " ".join(out.split()).count(" ".join(LONG_QUOTE.split())) == 1


def test_colour_only_when_asked():
    assert "\x1b[" not in render("text", results(), ReportOptions(color=False))
    assert "\x1b[" in render("text", results(), ReportOptions(color=True))


def test_errors_shown_in_body_only_when_asked_and_quiet_hides_clean_documents():
    assert "could not be read [encrypted]" in render("text", results(), ReportOptions(show_errors=True))
    hidden = render("text", results(), ReportOptions(show_errors=False))
    assert "could not be read" not in hidden and "locked.pdf  (" not in hidden
    assert "quotes/locked.pdf   unreadable [encrypted]" in hidden  # still a row of the summary table
    quiet = render("text", results(), ReportOptions(quiet=True, show_errors=False))
    assert "acme.pdf" in quiet and "clean.docx" not in quiet and "files:" not in quiet


def test_markup_in_document_text_is_printed_literally():
    r = results()[0]
    r.findings[0].evidence[0].quote = "We use [bold]magic[/bold] :rocket: here."
    out = render("text", [r])
    assert "[bold]magic[/bold] :rocket:" in out

"""Small real reports for the ticket tests, rendered from a fixed result
(no spaCy needed)."""

from __future__ import annotations

from pathlib import Path

from proposal_lint.model import DocumentResult, Evidence, Finding, Recommendation, Severity, Verdict
from proposal_lint.report import FORMATS, ReportOptions, render

# No rule catalogue: the HTML report then does not load the built-in rules,
# so these tests do not depend on the rule files (which others edit).
OPTIONS = ReportOptions(rules=())


def sample_results() -> list[DocumentResult]:
    return [
        DocumentResult(
            path="quote.pdf",
            sha256="ab" * 32,
            format="pdf",
            pages=3,
            verdict=Verdict(recommendation=Recommendation.prompt, reasons=["No measured prompt baseline."]),
            findings=[
                Finding(
                    rule_id="PL001",
                    name="fine-tune-without-baseline",
                    severity=Severity.error,
                    message="Fine-tuning is proposed without a measured prompt baseline.",
                    why="Without a baseline nobody can tell whether fine-tuning helped.",
                    question="What did a well-built prompt score on your evaluation set?",
                    evidence=[Evidence(quote="We will fine-tune GPT on your tickets.", page=2, section="Approach")],
                )
            ],
        )
    ]


def write_reports(directory: Path, stem: str = "quote.proposal-lint") -> tuple[Path, Path]:
    """(html or text, json) report files of `sample_results()`."""
    results = sample_results()
    second = "html" if "html" in FORMATS else "text"
    html = directory / f"{stem}.{'html' if second == 'html' else 'txt'}"
    html.write_text(render(second, results, OPTIONS), encoding="utf-8")
    js = directory / f"{stem}.json"
    js.write_text(render("json", results, OPTIONS), encoding="utf-8")
    return html, js

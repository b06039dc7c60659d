"""Report formats. Each format is one module with

    render(results: list[DocumentResult], options: ReportOptions) -> str

registered in FORMATS by module name, so it is imported only when used.
Adding a format (sarif, markdown, html) = one module + one line here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

FORMATS = {
    "text": "proposal_lint.report.text_report",
    "json": "proposal_lint.report.json_report",
    "sarif": "proposal_lint.report.sarif_report",
    "markdown": "proposal_lint.report.markdown_report",
    "html": "proposal_lint.report.html_report",
}

SCHEMA_FILE = "report-v1.schema.json"  # beside this file; the JSON report's contract


@dataclass(frozen=True)
class ReportOptions:
    color: bool = False
    width: int = 80
    quiet: bool = False  # text: only documents with findings or errors, no summary
    show_errors: bool = True  # text: list unreadable files in the body too
    # The rules that ran (rules.schema.Rule objects): SARIF's tool.driver.rules,
    # HTML's passed checks. None: the formats that need them load the built-in set.
    rules: tuple | None = None


def render(fmt: str, results, options: ReportOptions = ReportOptions()) -> str:
    return importlib.import_module(FORMATS[fmt]).render(results, options)


def summarize(results) -> dict:
    """Counts shared by every format (the JSON "summary" and the text footer)."""
    errors = [r for r in results if r.error is not None]
    internal = sum(1 for r in errors if r.error.code == "internal-error")
    with_findings = [r for r in results if r.findings]
    by_severity = {"error": 0, "warning": 0, "info": 0}
    for r in results:
        for f in r.findings:
            by_severity[f.severity.value] += 1
    return {
        "files": len(results),
        "findings": sum(by_severity.values()),
        "files_with_findings": len(with_findings),
        "unreadable": len(errors) - internal,
        "internal_errors": internal,
        "by_severity": by_severity,
    }

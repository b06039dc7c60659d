"""The versioned JSON report (contract: report-v1.schema.json beside this file).

Within schema_version "1" fields are only ever added, never renamed or
removed; consumers should ignore fields they do not know.
"""

from __future__ import annotations

import json

from proposal_lint import __version__
from proposal_lint.report import ReportOptions, summarize

SCHEMA_VERSION = "1"


def to_dict(results) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "proposal-lint", "version": __version__},
        "documents": [r.model_dump(mode="json") for r in results],
        "summary": summarize(results),
    }


def render(results, options: ReportOptions = ReportOptions()) -> str:
    return json.dumps(to_dict(results), indent=2, ensure_ascii=False) + "\n"

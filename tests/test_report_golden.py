"""Snapshot tests: every report format on a frozen result set (see tests/golden/README.md).

Regenerate after an intended change: UPDATE_GOLDEN=1 pytest tests/test_report_golden.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from proposal_lint.model import DocumentResult
from proposal_lint.report import FORMATS, ReportOptions, render
from proposal_lint.report.output import EXTENSIONS
from proposal_lint.rules.loader import builtin_rules_dir, load_rule_file

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
CATALOG_IDS = ("PL001", "PL002", "PL003")


@pytest.fixture(scope="module")
def results() -> list[DocumentResult]:
    data = json.loads((GOLDEN / "results.json").read_text(encoding="utf-8"))
    return [DocumentResult.model_validate(d) for d in data["documents"]]


@pytest.fixture(scope="module")
def options() -> ReportOptions:
    return ReportOptions(color=False, width=80, rules=golden_rules())


def golden_rules() -> tuple:
    """PL001-PL003 read one file at a time, so other rules' state cannot break these tests."""
    return tuple(load_rule_file(builtin_rules_dir() / f"{rule_id}.yaml") for rule_id in CATALOG_IDS)


@pytest.mark.parametrize("which", ["single", "several"])
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_matches_golden(fmt, which, results, options):
    docs = results[:1] if which == "single" else results
    out = render(fmt, docs, options)
    assert render(fmt, docs, options) == out, "output is not deterministic"
    path = GOLDEN / "expected" / f"{which}.{EXTENSIONS[fmt]}"
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(out, encoding="utf-8", newline="")
    assert path.exists(), f"{path} missing: run UPDATE_GOLDEN=1 pytest {__file__}"
    expected = path.read_text(encoding="utf-8")
    assert out == expected, (
        f"{fmt} report differs from {path.relative_to(GOLDEN.parent.parent)}; if the change is intended, "
        f"regenerate with UPDATE_GOLDEN=1 pytest tests/test_report_golden.py and review git diff"
    )


def test_every_format_has_a_golden_file():
    names = {p.name for p in (GOLDEN / "expected").iterdir()}
    for fmt in FORMATS:
        for which in ("single", "several"):
            assert f"{which}.{EXTENSIONS[fmt]}" in names

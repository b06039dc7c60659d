"""The JSON report contract: real CLI output validates against the shipped schema,
and the schema is strict enough to reject broken reports."""

from __future__ import annotations

import copy
import json
from importlib import resources

import jsonschema
import pytest

from conftest import run_cli
from proposal_lint.model import DocumentResult, Evidence, Finding, Severity, Verdict
from proposal_lint.report import json_report


@pytest.fixture(scope="module")
def schema() -> dict:
    text = resources.files("proposal_lint.report").joinpath("report-v1.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def errors(schema, report) -> list[str]:
    v = jsonschema.Draft202012Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in v.iter_errors(report)]


@pytest.fixture(scope="module")
def real_report(tmp_path_factory) -> dict:
    """One CLI run over a text file, a PDF, a missing file and an empty file."""
    from conftest import NEUTRAL_TEXT, make_pdf

    d = tmp_path_factory.mktemp("inputs")
    txt = d / "notes.txt"
    txt.write_text(NEUTRAL_TEXT)
    pdf = make_pdf(d / "minutes.pdf", ["Minutes", "The office move is planned for March."])
    empty = d / "empty.docx"
    empty.write_bytes(b"")
    r = run_cli("--format", "json", txt, pdf, d / "missing.pdf", empty)
    assert r.returncode == 3, r.stderr
    return r.json()


def test_real_output_validates(schema, real_report):
    assert errors(schema, real_report) == []
    docs = real_report["documents"]
    assert [d["error"] is None for d in docs] == [True, True, False, False]
    assert docs[2]["error"]["code"] == "not-found" and docs[2]["verdict"] is None and docs[2]["findings"] == []
    assert real_report["summary"]["files"] == 4 and real_report["summary"]["unreadable"] == 2


def test_contract_fields(real_report):
    assert real_report["schema_version"] == "1"
    assert real_report["tool"]["name"] == "proposal-lint"
    ok = real_report["documents"][1]
    for key in ("path", "sha256", "format", "pages", "verdict", "findings", "error"):
        assert key in ok
    assert ok["format"] == "pdf" and ok["pages"] == 2 and len(ok["sha256"]) == 64


def _finding() -> Finding:
    return Finding(
        rule_id="PL003",
        name="fine-tuning-for-knowledge",
        severity=Severity.error,
        message="Fine-tuning is proposed to make the model know your policies.",
        why="A fine-tune does not keep facts current; retrieval does.",
        question="Why will retrieval over the policy documents not do this?",
        evidence=[Evidence(quote="We will fine-tune the model on your policies.", page=3, section="2.1 Approach", block=7, start=0, end=46, role="fine_tuning")],
    )


def test_findings_from_the_model_validate(schema):
    result = DocumentResult(
        path="quote.pdf", sha256="a" * 64, format="pdf", pages=12,
        verdict=Verdict(recommendation="rag", reasons=["fine-tuning aimed at knowledge"]),
        findings=[_finding()],
    )
    report = json.loads(json_report.render([result]))
    assert errors(schema, report) == []
    assert report["summary"]["by_severity"]["error"] == 1
    assert report["documents"][0]["findings"][0]["evidence"][0]["section"] == "2.1 Approach"


def _with_finding(real_report) -> dict:
    report = copy.deepcopy(real_report)
    report["documents"][1]["findings"] = [_finding().model_dump(mode="json")]
    return report


BREAKAGES = {
    "missing verdict.recommendation": lambda r: r["documents"][0]["verdict"].pop("recommendation"),
    "unknown recommendation": lambda r: r["documents"][0]["verdict"].update(recommendation="train-your-own"),
    "unknown severity": lambda r: r["documents"][1]["findings"][0].update(severity="critical"),
    "finding without question": lambda r: r["documents"][1]["findings"][0].pop("question"),
    "evidence without quote": lambda r: r["documents"][1]["findings"][0]["evidence"][0].pop("quote"),
    "wrong schema_version": lambda r: r.update(schema_version="2"),
    "missing documents": lambda r: r.pop("documents"),
    "error document with a verdict": lambda r: r["documents"][2].update(verdict={"recommendation": "rag", "reasons": []}),
    "error document with findings": lambda r: r["documents"][2]["findings"].append(r["documents"][1]["findings"][0]),
    "read document without a verdict": lambda r: r["documents"][0].update(verdict=None),
    "error without code": lambda r: r["documents"][2]["error"].pop("code"),
    "missing error key": lambda r: r["documents"][0].pop("error"),
}


@pytest.mark.parametrize("name", BREAKAGES)
def test_schema_rejects_broken_reports(schema, real_report, name):
    report = _with_finding(real_report)
    assert errors(schema, report) == []  # the unbroken version is valid
    BREAKAGES[name](report)
    assert errors(schema, report), f"schema accepted a report with {name}"

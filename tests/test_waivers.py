"""Waivers: `waive` writes the file, `check` marks the finding suppressed, and
suppressed findings never count toward the exit code."""

from __future__ import annotations

import shutil

import pytest
import yaml

from conftest import REPO_ROOT, run_cli
from proposal_lint import exitcodes
from proposal_lint.config import ConfigError
from proposal_lint.model import DocumentResult, Evidence, Finding, Severity, quote_fingerprint
from proposal_lint.waivers import Waiver, Waivers, apply_waivers, load_waivers

SMILELINE_PDF = REPO_ROOT / "fixtures/proposals/pdf/01-smileline-dental-assistant.pdf"  # PL001, PL002, PL003


def _finding(rule: str, *quotes: str) -> Finding:
    return Finding(
        rule_id=rule, name="x", severity=Severity.error, message="m", why="w", question="q",
        evidence=[Evidence(quote=q, fingerprint=quote_fingerprint(q)) for q in quotes],
    )


def test_apply_waivers_by_document_and_by_quote():
    sha = "a" * 64
    results = [
        DocumentResult(path="a.pdf", sha256=sha, findings=[_finding("PL001", "We will fine-tune."), _finding("PL002", "Train it.")]),
        DocumentResult(path="b.pdf", sha256="b" * 64, findings=[_finding("PL001", "Other."), _finding("PL002", "train  IT")]),
    ]
    waivers = Waivers(
        [
            Waiver(rule="PL001", sha256=sha, reason="baseline in the demo", by="anna", at="2026-03-04"),
            Waiver(rule="PL002", quote_fingerprint=quote_fingerprint("Train it."), reason="accepted"),
        ],
        None,
    )
    out = apply_waivers(results, waivers)
    a, b = out
    assert a.findings[0].suppressed.reason == "baseline in the demo"
    assert a.findings[0].suppressed.by == "anna" and a.findings[0].suppressed.at == "2026-03-04"
    assert a.findings[1].suppressed.reason == "accepted"
    assert b.findings[0].suppressed is None  # another document
    assert b.findings[1].suppressed.reason == "accepted"  # the same sentence, spacing and case aside
    assert results[0].findings[0].suppressed is None  # inputs untouched


@pytest.mark.parametrize(
    "text, expected",
    [
        ("waivers:\n- rule: PL001\n  reason: r\n", "give exactly one of sha256"),
        ("waivers:\n- rule: PL001\n  sha256: " + "a" * 64 + "\n  reason: r\n  who: me\n", "unknown key 'waivers.0.who'"),
        ("waivers: [\n", "invalid YAML"),
    ],
)
def test_bad_waiver_files(tmp_path, text, expected):
    p = tmp_path / "w.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=expected):
        load_waivers(p)


def test_waive_validates_the_rule_id(tmp_path):
    doc = tmp_path / "q.pdf"
    shutil.copy(SMILELINE_PDF, doc)
    r = run_cli("waive", "PL999", doc, "--reason", "x", cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE_ERROR
    assert "unknown rule 'PL999'" in r.stderr and "PL001" in r.stderr
    assert not (tmp_path / "proposal-lint-waivers.yaml").exists()
    r = run_cli("waive", "PL001", doc, "--reason", "x", "--document", "--quote-fingerprint", "0" * 16, cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE_ERROR


def test_waive_then_check(tmp_path):
    doc = tmp_path / "quote.pdf"
    shutil.copy(SMILELINE_PDF, doc)
    (tmp_path / "proposal-lint.toml").write_text('select = ["PL001", "PL002"]\n')
    work = tmp_path / "reviews"
    work.mkdir()

    # 1. waive PL001 for this document: written next to the configuration file
    r = run_cli("waive", "pl001", doc, "--reason", "Baseline shown in the 3 March demo", "--by", "anna", cwd=work)
    assert r.returncode == 0, r.stderr
    wfile = tmp_path / "proposal-lint-waivers.yaml"
    entry = yaml.safe_load(wfile.read_text())["waivers"][0]
    import hashlib

    assert entry["rule"] == "PL001" and entry["by"] == "anna"
    assert entry["sha256"] == hashlib.sha256(doc.read_bytes()).hexdigest()

    # 2. PL001 is suppressed, PL002 is not: still exit 1
    r = run_cli("--format", "json", doc, cwd=work)
    assert r.returncode == exitcodes.FINDINGS, r.stderr
    findings = {f["rule_id"]: f for f in r.json()["documents"][0]["findings"]}
    assert set(findings) == {"PL001", "PL002"}
    sup = findings["PL001"]["suppressed"]
    assert sup["reason"] == "Baseline shown in the 3 March demo" and sup["by"] == "anna"
    assert sup["source"] == str(wfile)
    assert findings["PL002"]["suppressed"] is None

    # 3. waive PL002 by one of its quotes (survives new revisions): nothing counts any more
    fp = findings["PL002"]["evidence"][0]["fingerprint"]
    r = run_cli("waive", "PL002", doc, "--quote-fingerprint", fp, "--reason", "eval plan agreed by e-mail", cwd=work)
    assert r.returncode == 0, r.stderr
    assert [w["rule"] for w in yaml.safe_load(wfile.read_text())["waivers"]] == ["PL001", "PL002"]
    r = run_cli("--format", "text", doc, cwd=work)
    assert r.returncode == exitcodes.OK, r.stdout + r.stderr
    assert "waived: Baseline shown in the 3 March demo (anna," in r.stdout
    assert "waived: eval plan agreed by e-mail" in r.stdout

    # 4. another waiver file named on the command line replaces the default one
    empty = tmp_path / "none.yaml"
    empty.write_text("waivers: []\n")
    r = run_cli("--waivers", empty, "--format", "json", doc, cwd=work)
    assert r.returncode == exitcodes.FINDINGS
    assert all(f["suppressed"] is None for f in r.json()["documents"][0]["findings"])
    r = run_cli("--waivers", tmp_path / "missing.yaml", doc, cwd=work)
    assert r.returncode == exitcodes.USAGE_ERROR and "waiver file not found" in r.stderr

"""`proposal-lint explain RULE`: the rule's docs, question and examples, from its YAML."""

from __future__ import annotations

import yaml

from conftest import REPO_ROOT, run_cli
from proposal_lint import exitcodes


def _flat(text: str) -> str:
    return " ".join(text.replace("> ", " ").split())


def test_explain_renders_the_yaml(tmp_path):
    data = yaml.safe_load((REPO_ROOT / "rules" / "PL001.yaml").read_text(encoding="utf-8"))
    r = run_cli("explain", "pl001", cwd=tmp_path)  # piped: plain Markdown
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith(f"# PL001 {data['name']}\n")
    for heading in ("## What it checks", "## Why it matters", "## What good looks like",
                    "## Question to ask the vendor", "## Flagged", "## Not flagged"):
        assert heading in out
    flat = _flat(out)
    for text in (data["documentation"]["what"], data["documentation"]["why"], data["documentation"]["good"], data["question"]):
        assert _flat(text) in flat
    for example in data["examples"]["flag"] + data["examples"]["ok"]:
        if "|" in example:  # tables are kept line by line in a code block
            assert example.strip() in out
        else:
            assert _flat(example) in flat
    assert out.index("## Flagged") < out.index(_flat(data["examples"]["flag"][0])[:40]) < out.index("## Not flagged")
    assert max(len(line) for line in out.splitlines() if not line.startswith("|")) <= 80


def test_explain_shows_the_configured_severity(tmp_path):
    (tmp_path / "proposal-lint.toml").write_text('[severity]\nPL001 = "info"\n')
    r = run_cli("explain", "PL001", cwd=tmp_path)
    assert "Severity: **info** (default error)" in r.stdout


def test_explain_unknown_rule(tmp_path):
    r = run_cli("explain", "PL999", cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE_ERROR
    assert "unknown rule 'PL999'; known rules: PL001, PL002, PL003" in r.stderr
    assert r.stdout == ""

"""Every `flag` / `ok` example of every rule file runs as a test (as Semgrep and
LanguageTool do): adding an example to a YAML file adds a test case."""

from __future__ import annotations

import pytest

from proposal_lint.lint import Linter, document_from_text
from proposal_lint.rules.loader import builtin_rules_dir, load_rule_file

RULE_FILES = sorted(builtin_rules_dir().glob("PL*.yaml"))
CASES = [
    pytest.param(path.stem, kind, text, id=f"{path.stem}-{kind}-{i}")
    for path in RULE_FILES
    for kind in ("flag", "ok")
    for i, text in enumerate(getattr(load_rule_file(path).examples, kind))
]


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter()


def test_rules_are_shipped():
    assert {p.stem for p in RULE_FILES} >= {"PL001", "PL002", "PL003"}


@pytest.mark.parametrize("rule_id,kind,text", CASES)
def test_rule_example(linter, rule_id, kind, text):
    result = linter.lint_one(document_from_text(text), rule_ids=[rule_id])
    fired = [f for f in result.findings if f.rule_id == rule_id]
    if kind == "flag":
        assert fired, f"{rule_id} should flag:\n{text}"
        # Every quote is verbatim from the passage (whitespace aside).
        flat = " ".join(text.split())
        for ev in fired[0].evidence:
            assert ev.quote and " ".join(ev.quote.split()) in flat
    else:
        assert not fired, f"{rule_id} should not flag:\n{text}\nbut said: {fired[0].message}"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_documentation_is_complete(path):
    rule = load_rule_file(path)
    assert rule.id == path.stem, "a rule file is named after its id"
    doc = rule.documentation
    for part in (doc.what, doc.why, doc.good, rule.question, rule.message):
        assert len(part.split()) >= 5
    assert rule.question.rstrip().endswith("?")
    assert rule.examples.flag and rule.examples.ok

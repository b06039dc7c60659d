"""Rule and concept files: schema errors name the file, the field and the problem;
user folders add rules and synonyms without Python."""

from __future__ import annotations

from pathlib import Path

import pytest

from proposal_lint.lint import Linter, document_from_text
from proposal_lint.rules.loader import RuleLoadError, builtin_rules_dir, load_ruleset

GOOD_RULE = (builtin_rules_dir() / "PL001.yaml").read_text(encoding="utf-8")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_ruleset_loads():
    rs = load_ruleset()
    assert [r.id for r in rs.rules][:3] == ["PL001", "PL002", "PL003"]
    assert {"fine_tuning", "prompt_baseline", "eval_plan", "knowledge_use", "narrow_task", "context"} <= set(rs.concepts)


def test_bad_severity_names_file_and_field(tmp_path):
    path = write(tmp_path, "XX901.yaml", GOOD_RULE.replace("id: PL001", "id: XX901").replace("severity: error", "severity: fatal"))
    with pytest.raises(RuleLoadError) as err:
        load_ruleset([tmp_path])
    msg = str(err.value)
    assert str(path) in msg and "severity" in msg and "error" in msg  # lists the allowed values


def test_missing_examples_fail(tmp_path):
    text = GOOD_RULE.replace("id: PL001", "id: XX902")
    text = text[: text.index("examples:")]
    write(tmp_path, "XX902.yaml", text)
    with pytest.raises(RuleLoadError, match=r"XX902.yaml: field 'examples': Field required"):
        load_ruleset([tmp_path])


def test_unknown_field_is_an_error(tmp_path):
    write(tmp_path, "XX903.yaml", GOOD_RULE.replace("id: PL001", "id: XX903") + "\nseverty: error\n")
    with pytest.raises(RuleLoadError, match="field 'severty': Extra inputs are not permitted"):
        load_ruleset([tmp_path])


def test_invalid_yaml_names_line(tmp_path):
    write(tmp_path, "XX904.yaml", "id: XX904\nname: [unclosed\n")
    with pytest.raises(RuleLoadError, match=r"XX904.yaml: line \d+ invalid YAML"):
        load_ruleset([tmp_path])


def test_duplicate_rule_id(tmp_path):
    write(tmp_path, "PL001.yaml", GOOD_RULE)
    with pytest.raises(RuleLoadError, match="duplicate rule id PL001"):
        load_ruleset([tmp_path])


def test_unknown_concept_in_check(tmp_path):
    write(tmp_path, "XX905.yaml", GOOD_RULE.replace("id: PL001", "id: XX905").replace("missing: prompt_baseline", "missing: prompt_basline"))
    with pytest.raises(RuleLoadError, match="unknown concept 'prompt_basline'"):
        load_ruleset([tmp_path])


def test_bad_phrase_pattern_names_group(tmp_path):
    write(tmp_path, "concepts/fine_tuning.yaml", "id: fine_tuning\nkind: mention\ndescription: extra synonyms here\nterms:\n  tune_forms:\n    - '* sculpt'\n")
    with pytest.raises(RuleLoadError, match=r"fine_tuning.yaml: field 'terms.tune_forms': a pattern cannot start or end with a gap"):
        Linter(extra_rule_dirs=[tmp_path])


def test_user_synonym_without_python(tmp_path):
    text = "We will apply ModelForge sculpting to your model using 4,000 past tickets."
    before = Linter().lint_one(document_from_text(text))
    assert before.verdict.recommendation.value == "no-fine-tuning"
    write(
        tmp_path,
        "concepts/fine_tuning.yaml",
        "id: fine_tuning\nkind: mention\ndescription: our house name for LoRA training\n"
        "terms:\n  weight_methods:\n    - modelforge sculpting\n",
    )
    after = Linter(extra_rule_dirs=[tmp_path]).lint_one(document_from_text(text))
    assert after.verdict.recommendation.value == "prompt"
    ids = {f.rule_id for f in after.findings}
    assert {"PL001", "PL002"} <= ids and "PL003" not in ids


def test_user_rule_folder_adds_a_rule(tmp_path):
    rule = (
        GOOD_RULE.replace("id: PL001", "id: ACME001")
        .replace("name: fine-tuning-without-prompt-baseline", "name: fine-tuning-without-rag-comparison")
        .replace("missing: prompt_baseline", "missing: retrieval")
    )
    write(tmp_path, "ACME001.yaml", rule)
    linter = Linter(extra_rule_dirs=[tmp_path])
    result = linter.lint_one(document_from_text("We will fine-tune Mistral on your tickets."))
    assert "ACME001" in {f.rule_id for f in result.findings}


def test_purpose_served_by_must_name_a_concept(tmp_path):
    rule = (builtin_rules_dir() / "PL003.yaml").read_text(encoding="utf-8")
    write(tmp_path, "XX906.yaml", rule.replace("id: PL003", "id: XX906").replace("served_by: retrieval", "served_by: retreival"))
    with pytest.raises(RuleLoadError, match="XX906.yaml: field 'check': unknown concept 'retreival'"):
        load_ruleset([tmp_path])


def test_not_inside_must_name_a_helper_group(tmp_path):
    write(tmp_path, "concepts/knowledge_use.yaml",
          "id: knowledge_use\nkind: mention\ndescription: answering from documents\nterms:\n"
          "  knowledge_task:\n    - answer questions\n  rfp:\n    - rfp questions\nnot_inside: [rfp]\n")
    with pytest.raises(RuleLoadError, match=r"knowledge_use.yaml.*not_inside must name helper groups"):
        load_ruleset([tmp_path])

"""Configuration: discovery, precedence of flags, unknown keys, selection,
severity overrides and fail-on, through the real command where it matters."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO_ROOT, run_cli
from proposal_lint import exitcodes
from proposal_lint.config import ConfigError, find_config, load_config, resolve
from proposal_lint.model import Severity

SMILELINE_PDF = REPO_ROOT / "fixtures/proposals/pdf/01-smileline-dental-assistant.pdf"  # PL001, PL002, PL003
BALTIC_DOCX = REPO_ROOT / "fixtures/proposals/docx/02-baltic-freight-exception-routing.docx"  # PL001, PL002
RETAIL_PDF = REPO_ROOT / "fixtures/proposals/pdf/20-retail-email-routing-sow.pdf"  # no findings


def _findings(doc: dict) -> dict[str, str]:
    return {f["rule_id"]: f["severity"] for f in doc["findings"]}


# ---- discovery ------------------------------------------------------------------


def test_discovery_walks_up_and_the_nearest_wins(tmp_path):
    nested = tmp_path / "a" / "b" / "c"
    nested.mkdir(parents=True)
    (tmp_path / "proposal-lint.toml").write_text('ignore = ["PL003"]\n')
    assert find_config(nested) == tmp_path / "proposal-lint.toml"
    # a pyproject.toml without our table is not a configuration: the walk goes on
    (tmp_path / "a" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config(nested) == tmp_path / "proposal-lint.toml"
    # one with it, nearer, wins
    (tmp_path / "a" / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.proposal-lint]\nignore = ["PL001"]\n')
    loaded = load_config(cwd=nested)
    assert loaded.path == tmp_path / "a" / "pyproject.toml"
    assert loaded.config.ignore == ["PL001"]
    # in one folder proposal-lint.toml wins over pyproject.toml
    (tmp_path / "a" / "proposal-lint.toml").write_text('ignore = ["PL002"]\n')
    assert load_config(cwd=nested).config.ignore == ["PL002"]


def test_no_configuration_anywhere_is_empty(tmp_path):
    loaded = load_config(cwd=tmp_path)
    assert loaded.path is None
    s = resolve(loaded)
    assert s.select is None and s.ignore == [] and s.fail_on is None and s.formats == []


def test_unknown_key_names_key_and_file(tmp_path):
    cfg = tmp_path / "proposal-lint.toml"
    cfg.write_text('extend_select = ["PL001"]\n')
    with pytest.raises(ConfigError) as exc:
        load_config(cwd=tmp_path)
    msg = str(exc.value)
    assert str(cfg) in msg and "unknown key 'extend_select'" in msg and "did you mean 'extend-select'" in msg


def test_unknown_key_through_the_cli_exits_2(tmp_path):
    nested = tmp_path / "x" / "y"
    nested.mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text('[tool.proposal-lint]\nselect = ["PL001"]\ncolour = "always"\n')
    r = run_cli("rules", cwd=nested)
    assert r.returncode == exitcodes.USAGE_ERROR
    assert "unknown key 'colour'" in r.stderr and str(tmp_path / "pyproject.toml") in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "content, expected",
    [
        ('fail-on = "fatal"\n', "key 'fail-on'"),
        ("[severity]\nPL003 = 'loud'\n", "key 'severity.PL003'"),
        ("select = [\n", "invalid TOML"),
        ('select = ["PL9"]\n', "select: 'PL9' matches no rule"),
        ("[severity]\nPL0 = 'info'\n", "severity: unknown rule 'PL0'"),
        ('format = "pdf"\n', "format: unknown format 'pdf'"),
        ('rules-dirs = ["nowhere"]\n', "rules-dirs: folder not found"),
    ],
)
def test_bad_values_are_usage_errors_naming_the_file(tmp_path, content, expected):
    cfg = tmp_path / "proposal-lint.toml"
    cfg.write_text(content)
    r = run_cli("rules", "--config", cfg, cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE_ERROR, r.stdout
    assert expected in r.stderr and str(cfg) in r.stderr, r.stderr


def test_config_flag_file_not_found(tmp_path):
    r = run_cli("rules", "--config", tmp_path / "nope.toml", cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE_ERROR
    assert "nope.toml: configuration file not found" in r.stderr


def test_rules_dirs_are_relative_to_the_config_file(tmp_path):
    from test_cli import CUSTOM_RULE

    (tmp_path / "myrules").mkdir()
    (tmp_path / "myrules" / "PL901.yaml").write_text(CUSTOM_RULE)
    (tmp_path / "sub").mkdir()
    (tmp_path / "proposal-lint.toml").write_text('rules-dirs = ["myrules"]\n')
    r = run_cli("rules", "--format", "json", cwd=tmp_path / "sub")
    assert r.returncode == 0, r.stderr
    rows = {row["id"]: row for row in r.json()["rules"]}
    assert rows["PL901"]["enabled"] and rows["PL901"]["severity"] == "info"


# ---- selection and severity (no documents needed) ----------------------------------


def test_rules_table_shows_overrides_and_selection(tmp_path):
    (tmp_path / "proposal-lint.toml").write_text('select = ["PL00"]\nignore = ["PL003"]\n[severity]\nPL002 = "warning"\n')
    r = run_cli("rules", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = {line.split()[0]: line for line in r.stdout.splitlines() if line.startswith("PL")}
    assert lines["PL001"].split()[1:] == ["fine-tuning-without-prompt-baseline", "error", "yes"]
    assert lines["PL002"].split()[1:] == ["fine-tuning-without-eval-plan", "warning", "(default", "error)", "yes"]
    assert lines["PL003"].split()[-1] == "no"
    assert r.stdout.splitlines()[0].split() == ["ID", "Name", "Severity", "Enabled"]
    assert f"configuration: {tmp_path / 'proposal-lint.toml'}" in r.stdout

    # flags replace the file's keys: --ignore PL001 replaces ignore = ["PL003"]
    r = run_cli("rules", "--format", "json", "--ignore", "PL001", "--select", "PL002,PL003", cwd=tmp_path)
    enabled = {row["id"] for row in r.json()["rules"] if row["enabled"]}
    assert enabled == {"PL002", "PL003"}


def test_settings_selection_logic():
    from proposal_lint.config import Config, LoadedConfig
    from proposal_lint.rules.loader import load_ruleset

    rules = load_ruleset().rules
    ids = [r.id for r in rules]

    def chosen(**flags):
        return resolve(LoadedConfig(Config.model_validate(flags.pop("file", {})), None), **flags).rule_ids(rules)

    assert chosen() == ids
    assert chosen(select=["PL001"]) == ["PL001"]
    assert chosen(select=["pl001, PL003"]) == ["PL001", "PL003"]  # comma-separated, any case
    assert chosen(file={"select": ["PL001"], "extend-select": ["PL003"]}) == ["PL001", "PL003"]
    assert chosen(file={"select": ["PL001"]}, extend_select=["PL002"]) == ["PL001", "PL002"]
    assert chosen(file={"ignore": ["PL00"]}) == [i for i in ids if not i.startswith("PL00")]
    assert chosen(file={"ignore": ["PL00"]}, ignore=["PL002"]) == [i for i in ids if i != "PL002"]
    assert chosen(select=["ALL"], ignore=["PL001"]) == [i for i in ids if i != "PL001"]
    with pytest.raises(ConfigError, match="the command line: ignore: 'PL77' matches no rule"):
        chosen(ignore=["PL77"])


# ---- the check command: config + flags on real documents ------------------------


@pytest.fixture
def project(tmp_path) -> Path:
    """A project whose pyproject.toml configures proposal-lint; returns a nested working folder."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "procurement"\n\n'
        "[tool.proposal-lint]\n"
        'select = ["PL001", "PL002"]\n'
        'fail-on = "error"\n'
        'format = "json"\n'
        "[tool.proposal-lint.severity]\n"
        'PL002 = "warning"\n'
    )
    nested = tmp_path / "tenders" / "2025"
    nested.mkdir(parents=True)
    return nested


def test_check_uses_the_discovered_config(project):
    r = run_cli(SMILELINE_PDF, RETAIL_PDF, cwd=project)
    assert r.returncode == exitcodes.FINDINGS, r.stderr  # PL001 is an error, fail-on error
    docs = r.json()["documents"]  # format = "json" from the file
    assert _findings(docs[0]) == {"PL001": "error", "PL002": "warning"}  # PL003 not selected; override
    assert docs[1]["findings"] == []


def test_flags_override_the_file(project):
    # --select replaces the file's select; --extend-select adds; --format text replaces json
    r = run_cli("--select", "PL002", "--extend-select", "PL003", "--format", "text", SMILELINE_PDF, cwd=project)
    assert r.returncode == exitcodes.FINDINGS
    assert "PL002 warning" in r.stdout and "PL003 error" in r.stdout and "PL001" not in r.stdout


def test_fail_on(project):
    # only a warning is left: below the file's fail-on = "error"
    r = run_cli("--select", "PL002", BALTIC_DOCX, cwd=project)
    assert r.returncode == exitcodes.OK, r.stderr
    assert _findings(r.json()["documents"][0]) == {"PL002": "warning"}
    # the flag lowers the bar
    r = run_cli("--select", "PL002", "--fail-on", "warning", BALTIC_DOCX, cwd=project)
    assert r.returncode == exitcodes.FINDINGS


def test_tickets_table_is_accepted_beside_lint_settings(tmp_path):
    """The tickets table belongs to `attach`; `check` must not reject it."""
    (tmp_path / "proposal-lint.toml").write_text(
        'select = ["PL001"]\n\n[tickets.redmine]\nurl = "http://127.0.0.1:9"\napi_key_env = "REDMINE_KEY"\n'
    )
    sample = tmp_path / "plan.md"
    sample.write_text("We will fine-tune a model on your tickets.\n")
    r = run_cli("--format", "json", str(sample), cwd=tmp_path)
    assert r.returncode == exitcodes.FINDINGS, r.stderr
    assert {f["rule_id"] for f in r.json()["documents"][0]["findings"]} == {"PL001"}

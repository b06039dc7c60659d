"""The command line as a user meets it: exit codes, errors, options, extract."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from conftest import NEUTRAL_TEXT, make_pdf, read_pty, run_cli
from proposal_lint import __version__, cli as cli_module, exitcodes
from proposal_lint.cli import cli

HEAVY = ("spacy", "pdfplumber", "pypdfium2", "pydantic", "rich", "proposal_lint.model")


# ---- help, version, imports ---------------------------------------------------


def test_version():
    r = run_cli("--version")
    assert r.returncode == 0
    assert r.stdout.strip() == f"proposal-lint {__version__}"


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["extract", "--help"]])
def test_help_lists_exit_codes(args):
    r = run_cli(*args)
    assert r.returncode == 0
    assert "Exit codes:" in r.stdout
    for code in ("0  no findings", "1  findings", "2  usage error", "3  at least one input could not be read"):
        assert code in r.stdout


def test_help_mentions_default_command_and_subcommands():
    out = run_cli("--help").stdout
    assert "FILE_OR_DIR..." in out
    assert "check" in out and "extract" in out


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["check", "--help"], ["extract", "--help"]])
def test_version_and_help_do_not_import_heavy_modules(args):
    code = (
        "import sys\n"
        f"sys.argv = ['proposal-lint', *{args!r}]\n"
        "from proposal_lint.cli import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code in (0, None), e.code\n"
        f"heavy = {HEAVY!r}\n"
        "loaded = sorted(m for m in sys.modules if m in heavy or m.split('.')[0] in heavy)\n"
        "sys.stderr.write('LOADED=' + ','.join(loaded))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().endswith("LOADED="), proc.stderr


def test_help_defaults_match_ingest_limits():
    from proposal_lint.ingest import Limits

    assert cli_module.DEFAULT_MAX_FILE_MB * cli_module.MB == Limits().max_file_bytes
    assert cli_module.DEFAULT_TIMEOUT_S == Limits().timeout_s


# ---- exit codes -----------------------------------------------------------------


def test_clean_document_exits_0(text_file):
    r = run_cli(text_file)
    assert r.returncode == exitcodes.OK, r.stderr
    assert str(text_file) in r.stdout
    assert "1 file: no findings" in r.stdout
    assert r.stderr == ""


FINE_TUNE_TEXT = "Delivery plan\n\nWe will fine-tune a model on your historic support tickets.\n"

CUSTOM_RULE = """\
id: PL901
name: fine-tuning-without-retrieval
severity: info
message: Fine-tuning is proposed and retrieval is never mentioned.
documentation:
  what: Fires when the plan fine-tunes and the document never mentions retrieval.
  why: A buyer should see that retrieval was at least considered before training.
  good: The proposal compares fine-tuning with retrieval over the client's documents.
question: Did you consider retrieval over our documents, and why was it rejected?
check:
  type: absence
  when: fine_tuning
  missing: retrieval
examples:
  flag:
    - We will fine-tune a model on your historic tickets.
  ok:
    - We will index your manuals for retrieval and fine-tune nothing.
"""


@pytest.fixture
def fine_tune_file(tmp_path):
    p = tmp_path / "quote.txt"
    p.write_text(FINE_TUNE_TEXT)
    return p


def test_findings_exit_1_and_exit_zero_turns_that_off(fine_tune_file):
    r = run_cli("--format", "json", fine_tune_file)
    assert r.returncode == exitcodes.FINDINGS, r.stderr
    assert "PL001" in [f["rule_id"] for f in r.json()["documents"][0]["findings"]]
    assert run_cli("--exit-zero", fine_tune_file).returncode == exitcodes.OK


def test_unreadable_input_wins_over_findings(fine_tune_file, tmp_path):
    r = run_cli("--exit-zero", fine_tune_file, tmp_path / "missing.pdf")
    assert r.returncode == exitcodes.UNREADABLE
    assert "1 finding" in r.stdout or "findings in 1 file" in r.stdout


def test_text_report_shows_finding_quote_and_question(fine_tune_file):
    r = run_cli(fine_tune_file)
    assert "PL001 error" in r.stdout
    assert "\u201cWe will fine-tune a model on your historic support tickets.\u201d" in r.stdout
    assert "Ask the vendor:" in r.stdout and "Why it matters:" in r.stdout


def test_rules_dir_adds_rules(fine_tune_file, tmp_path):
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "PL901.yaml").write_text(CUSTOM_RULE)
    without = [f["rule_id"] for f in run_cli("--format", "json", fine_tune_file).json()["documents"][0]["findings"]]
    r = run_cli("--format", "json", "--rules-dir", rules, fine_tune_file)
    assert r.returncode == exitcodes.FINDINGS, r.stderr
    with_rules = [f["rule_id"] for f in r.json()["documents"][0]["findings"]]
    assert "PL901" not in without and "PL901" in with_rules


def test_broken_rules_dir_is_a_usage_error_naming_the_file(fine_tune_file, tmp_path):
    rules = tmp_path / "bad-rules"
    rules.mkdir()
    (rules / "PL902.yaml").write_text("id: [\n")
    r = run_cli("--rules-dir", rules, fine_tune_file)
    assert r.returncode == exitcodes.USAGE_ERROR
    assert "PL902.yaml" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "args",
    [["--format", "xml", "x.pdf"], ["--bogus", "x.pdf"], [], ["--timeout", "0", "x.pdf"], ["--rules-dir", "/no/such/dir", "x.pdf"]],
)
def test_usage_errors_exit_2(args):
    r = run_cli(*args)
    assert r.returncode == exitcodes.USAGE_ERROR
    assert "Error:" in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_file_exits_3_with_one_line(tmp_path):
    r = run_cli(tmp_path / "nope.pdf")
    assert r.returncode == exitcodes.UNREADABLE
    assert r.stderr.splitlines() == [f"{tmp_path / 'nope.pdf'}: error[not-found]: no such file"]


def test_unwritable_output_is_a_usage_error(text_file, tmp_path):
    r = run_cli(text_file, "-o", tmp_path / "missing-dir" / "report.txt")
    assert r.returncode == exitcodes.USAGE_ERROR
    assert "cannot write report" in r.stderr


# ---- bad inputs: one clear line each, others still processed ----------------------


def _errors_by_path(report: dict) -> dict:
    return {d["path"]: d["error"] for d in report["documents"]}


def test_bad_inputs_get_clear_codes_and_good_ones_are_still_linted(tmp_path, text_file):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.pdf"
    binary.write_bytes(bytes(range(256)) * 8)
    legacy = tmp_path / "old.doc"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)
    pdf_as_docx = make_pdf(tmp_path / "renamed.docx", ["Renamed proposal", "A PDF with the wrong extension."])

    files = [empty, binary, text_file, legacy, pdf_as_docx]
    r = run_cli("--format", "json", *files)
    assert r.returncode == exitcodes.UNREADABLE
    assert "Traceback" not in r.stderr
    report = r.json()
    assert [d["path"] for d in report["documents"]] == [str(f) for f in files]

    errors = _errors_by_path(report)
    assert errors[str(empty)]["code"] == "empty"
    assert errors[str(binary)]["code"] == "unsupported-format"
    assert errors[str(legacy)]["code"] == "legacy-format"
    assert ".docx" in errors[str(legacy)]["message"] and "PDF" in errors[str(legacy)]["message"]
    assert errors[str(text_file)] is None
    assert errors[str(pdf_as_docx)] is None

    docs = {d["path"]: d for d in report["documents"]}
    assert docs[str(pdf_as_docx)]["format"] == "pdf"
    assert docs[str(pdf_as_docx)]["pages"] == 2
    assert docs[str(text_file)]["verdict"]["recommendation"]

    # exactly one stderr line per bad file, naming it and its code
    lines = r.stderr.splitlines()
    assert len(lines) == 3
    for f, code in ((empty, "empty"), (binary, "unsupported-format"), (legacy, "legacy-format")):
        assert any(line.startswith(f"{f}: error[{code}]: ") for line in lines), lines


def test_text_report_counts_unreadable_files(tmp_path, text_file):
    r = run_cli(text_file, tmp_path / "gone.docx")
    assert r.returncode == exitcodes.UNREADABLE
    assert "2 files: no findings, 1 unreadable" in r.stdout
    assert f"{tmp_path / 'gone.docx'}: error[not-found]" in r.stderr


# ---- internal errors: exit 2, one line, traceback only with --debug -------------


@pytest.fixture
def runner():
    return CliRunner()


def _break_linter(monkeypatch):
    from proposal_lint import lint

    def boom(self, *args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(lint.Linter, "lint", boom)
    monkeypatch.setattr(lint.Linter, "lint_one", boom)  # check lints one document at a time


def test_engine_crash_is_exit_2_not_1(monkeypatch, runner, text_file):
    _break_linter(monkeypatch)
    r = runner.invoke(cli, [str(text_file)])
    assert r.exit_code == exitcodes.INTERNAL_ERROR
    assert "internal error" in r.stderr and "engine exploded" in r.stderr
    assert "run with --debug" in r.stderr
    assert "Traceback" not in r.stderr


def test_debug_shows_the_traceback(monkeypatch, runner, text_file):
    _break_linter(monkeypatch)
    r = runner.invoke(cli, [str(text_file), "--debug"])
    assert r.exit_code == exitcodes.INTERNAL_ERROR
    assert "Traceback" in r.stderr and "engine exploded" in r.stderr


def test_crash_inside_the_extraction_worker_is_reported(monkeypatch, runner, text_file, tmp_path):
    from proposal_lint import ingest

    real = ingest.load_document

    def flaky(path, **kw):
        if "bug" in str(path):
            raise ValueError("parser bug")
        return real(path, **kw)

    # The worker is forked after this patch, so it runs `flaky`.
    monkeypatch.setattr(ingest, "load_document", flaky)
    bug = tmp_path / "bug.txt"
    bug.write_text(NEUTRAL_TEXT)
    r = runner.invoke(cli, ["--format", "json", str(bug), str(text_file)])
    assert r.exit_code == exitcodes.INTERNAL_ERROR
    assert "Traceback" not in r.stderr
    docs = json.loads(r.stdout)["documents"]
    assert docs[0]["error"] == {"code": "internal-error", "message": "ValueError: parser bug"}
    assert docs[1]["error"] is None

    r = runner.invoke(cli, ["--debug", str(bug)])
    assert "Traceback" in r.stderr and "ValueError: parser bug" in r.stderr


def test_crash_outside_any_document_is_one_line(monkeypatch, runner, text_file):
    from proposal_lint import runner as runner_module

    def broken(args):
        raise KeyError("walk")

    monkeypatch.setattr(runner_module, "discover", broken)
    r = runner.invoke(cli, [str(text_file)])
    assert r.exit_code == exitcodes.INTERNAL_ERROR
    assert r.stderr.strip().startswith("proposal-lint: internal error: KeyError")
    assert len(r.stderr.strip().splitlines()) == 1


# ---- time limit ------------------------------------------------------------------


def test_timeout_kills_a_hung_extraction_and_the_next_file_still_works(monkeypatch, runner, tmp_path, text_file):
    from proposal_lint import ingest

    real = ingest.load_document

    def hang(path, **kw):
        if "slow" in str(path):
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # like a C loop: only SIGKILL stops it
            time.sleep(120)
        return real(path, **kw)

    monkeypatch.setattr(ingest, "load_document", hang)
    slow = tmp_path / "slow.txt"
    slow.write_text(NEUTRAL_TEXT)
    r = runner.invoke(cli, ["--format", "json", "--timeout", "1", str(slow), str(text_file)])
    assert r.exit_code == exitcodes.UNREADABLE, r.stderr
    docs = json.loads(r.stdout)["documents"]
    assert docs[0]["error"]["code"] == "timeout"
    assert "--timeout" in docs[0]["error"]["message"]
    assert docs[1]["error"] is None  # a fresh worker took over
    assert f"{slow}: error[timeout]: extraction took longer than 1 s (raise --timeout)" in r.stderr


def test_tiny_timeout_on_a_real_pdf(tmp_path):
    pdf = make_pdf(tmp_path / "long.pdf", [f"Page {i}\n" + "Some words on a line. " * 8 for i in range(30)])
    r = run_cli("--format", "json", "--timeout", "0.001", pdf)
    assert r.returncode == exitcodes.UNREADABLE
    assert r.json()["documents"][0]["error"]["code"] == "timeout"


# ---- files and folders ------------------------------------------------------------


def test_directory_walk_is_recursive_sorted_and_skips_hidden_and_temp_files(tmp_path):
    root = tmp_path / "inbox"
    (root / "b").mkdir(parents=True)
    (root / ".git").mkdir()
    for rel in ["z.txt", "a.md", "b/c.txt", "b/skip.xyz", ".hidden.txt", "~$lock.docx", ".~lock.a.docx#", ".git/x.txt"]:
        (root / rel).write_text(NEUTRAL_TEXT)
    r = run_cli("--format", "json", root)
    assert r.returncode == exitcodes.OK, r.stderr
    paths = [d["path"] for d in r.json()["documents"]]
    assert paths == [str(root / "a.md"), str(root / "z.txt"), str(root / "b" / "c.txt")]


def test_folder_without_documents_warns(tmp_path):
    r = run_cli(tmp_path)
    assert r.returncode == exitcodes.OK
    assert "no PDF, DOCX, text or Markdown files found" in r.stderr


def test_explicit_file_with_any_extension_is_sniffed(tmp_path):
    odd = tmp_path / "proposal.tsv"
    odd.write_text(NEUTRAL_TEXT)
    r = run_cli("--format", "json", odd)
    assert r.returncode == exitcodes.OK, r.stderr
    assert r.json()["documents"][0]["format"] in ("text", "markdown")


def test_output_file(tmp_path, text_file):
    out = tmp_path / "report.json"
    r = run_cli("--format", "json", "-o", out, text_file)
    assert r.returncode == exitcodes.OK
    assert r.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["documents"][0]["path"] == str(text_file)


def _run_on_a_terminal(*args, env: dict) -> str:
    """Run the CLI with stdout on a pseudo-terminal; return what it printed."""
    import os
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "proposal_lint", *map(str, args)],
        stdout=slave, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env={**os.environ, **env},
    )
    os.close(slave)
    output = read_pty(master)
    proc.wait(timeout=120)
    os.close(master)
    return output.decode("utf-8", "replace")


def test_colour_on_a_terminal_unless_turned_off(text_file):
    plain_env = {"NO_COLOR": "", "TERM": "xterm-256color"}
    assert "\x1b[" in _run_on_a_terminal(text_file, env=plain_env)
    assert "\x1b[" not in _run_on_a_terminal(text_file, "--no-color", env=plain_env)
    assert "\x1b[" not in _run_on_a_terminal(text_file, env={**plain_env, "NO_COLOR": "1"})
    assert "\x1b[" not in run_cli(text_file, env=plain_env).stdout  # a pipe


# ---- extract ----------------------------------------------------------------------


def test_extract_text_shows_page_kind_and_text(pdf_file):
    r = run_cli("extract", pdf_file)
    assert r.returncode == exitcodes.OK, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"# {pdf_file}: pdf, 2 pages")
    body = "\n".join(lines[1:])
    assert "p2 " in body and "office move is planned for March" in body
    assert any(line.startswith("p1 ") and "[" in line for line in lines)


def test_extract_json_is_the_document(pdf_file):
    r = run_cli("extract", "--format", "json", pdf_file)
    assert r.returncode == exitcodes.OK, r.stderr
    doc = r.json()
    assert doc["format"] == "pdf" and doc["pages"] == 2
    assert any("office move" in b["text"] for b in doc["blocks"])
    assert {b["page"] for b in doc["blocks"]} == {1, 2}


def test_extract_flag_is_the_extract_command(text_file):
    assert run_cli("--extract", text_file).stdout == run_cli("extract", text_file).stdout
    assert "office move" in run_cli("--extract", text_file).stdout


def test_extract_errors_like_check(tmp_path):
    r = run_cli("extract", tmp_path / "nope.docx")
    assert r.returncode == exitcodes.UNREADABLE
    assert r.stderr.strip() == f"{tmp_path / 'nope.docx'}: error[not-found]: no such file"


# ---- README and CI stay in step ----------------------------------------------------


def test_readme_setup_commands_match_ci_and_point_at_real_files(repo_root):
    import re

    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    setup = re.search(r"## Set up\n(.*?)\n## ", readme, re.S).group(1)
    commands = re.findall(r"```sh\n(.*?)\n```", setup)
    assert len(commands) == 2
    for path in re.findall(r"proposal-lint (\S+\.pdf)", commands[0]):
        assert (repo_root / path).is_file(), path
    test_command = commands[1].split("&&")[-1].strip()
    assert test_command == ".venv/bin/python -m pytest -q"
    ci = (repo_root / ".ci" / "run").read_text()
    assert "pip install -q -e '.[dev]'" in ci
    assert ci.rstrip().splitlines()[-1] == test_command

"""SARIF, Markdown and HTML reports and --output-dir, through the real command.

The CLI is run once per session on real fixtures (a RAG-shaped PDF with
PL001-PL003, a justified fine-tune DOCX, a proposal with script text, a
missing file), writing every format into one --output-dir; the tests read
those files. The browser tests open the HTML in real headless Chromium.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from conftest import REPO_ROOT, SHARED, read_pty, run_cli
from test_report_golden import golden_rules
from proposal_lint.model import DocumentResult, Suppression
from proposal_lint.report import FORMATS, ReportOptions, render
from proposal_lint.fsutil import atomic_write as write_atomic
from proposal_lint.report.output import EXTENSIONS, report_stems

# Referenced in place: project policy forbids copying files from ../shared.
SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"
PDF = REPO_ROOT / "fixtures" / "proposals" / "pdf" / "01-smileline-dental-assistant.pdf"
DOCX = REPO_ROOT / "fixtures" / "proposals" / "docx" / "20-retail-email-routing-sow.docx"
HOSTILE = (
    "# Proposal\n\n"
    "## Plan <img src=x onerror=\"window.pwnedHeading=1\">\n\n"
    "We will fine-tune a model on your policies so staff can ask questions. <script>alert(1)</script>\n\n"
    "We will fine-tune the model <script>window.pwned=1;alert(2)</script> on your HR policies "
    "<img src=x onerror=\"window.pwnedImg=1\"> so staff can ask questions about leave.\n"
)
ALL = ["text", "json", "sarif", "markdown", "html"]


@pytest.fixture(scope="session")
def reports(tmp_path_factory) -> dict:
    """One real run: 4 inputs x 5 formats into --output-dir."""
    root = tmp_path_factory.mktemp("reports")
    hostile = root / "hostile.md"
    hostile.write_text(HOSTILE, encoding="utf-8")
    out = root / "out"
    args = [a for f in ALL for a in ("--format", f)]
    rel = [p.relative_to(REPO_ROOT) for p in (PDF, DOCX)]  # paths as a user types them
    run = run_cli(*args, "--output-dir", out, *rel, hostile, root / "missing.pdf", cwd=REPO_ROOT)
    assert run.returncode == 3, run.stderr  # the missing file wins over findings
    return {"run": run, "out": out, "hostile": hostile}


def _read(reports, name: str) -> str:
    return (reports["out"] / name).read_text(encoding="utf-8")


def _schema_validator():
    import jsonschema

    assert SARIF_SCHEMA.is_file(), f"SARIF schema missing: expected {SARIF_SCHEMA} (shared/ beside the repository)"
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def _assert_valid_sarif(doc: dict) -> None:
    errors = sorted(_schema_validator().iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


# ---- --output-dir -------------------------------------------------------------


def test_output_dir_has_one_report_per_input_per_format(reports):
    names = sorted(p.name for p in reports["out"].iterdir())
    stems = [PDF.name, DOCX.name, "hostile.md", "missing.pdf"]
    assert names == sorted(f"{s}.{EXTENSIONS[f]}" for s in stems for f in ALL)
    assert "wrote 20 reports to" in reports["run"].stderr
    assert reports["run"].stdout == ""
    assert not [p for p in reports["out"].iterdir() if p.name.startswith(".")]  # no temp files left


def test_report_names_never_collide():
    stems = report_stems(["a/quote.pdf", "b/quote.pdf", "c/Quote.PDF", "other.docx"])
    assert stems[3] == "other.docx"
    assert len(set(s.casefold() for s in stems)) == 4
    assert all(s.startswith(("quote.pdf-", "Quote.PDF-")) and len(s) == len("quote.pdf-") + 8 for s in stems[:3])
    assert report_stems(["a/quote.pdf", "b/quote.pdf"]) == stems[:2]  # stable across runs


def test_write_atomic_replaces_whole_file(tmp_path):
    target = tmp_path / "r.html"
    target.write_text("old")
    write_atomic(str(target), "new <report>")
    assert target.read_text() == "new <report>"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_every_format_is_a_cli_choice():
    from proposal_lint.cli import REPORT_FORMATS

    assert sorted(REPORT_FORMATS) == sorted(FORMATS) == sorted(EXTENSIONS)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "html", "--format", "json"], "need --output-dir"),
        (["--format", "html", "-o", "x.html", "--output-dir", "d"], "not both"),
    ],
)
def test_output_usage_errors_exit_2(args, message, tmp_path):
    run = run_cli(*args, tmp_path / "x.pdf", cwd=tmp_path)
    assert run.returncode == 2
    assert message in run.stderr


def test_single_format_to_output_file(tmp_path):
    target = tmp_path / "report.md"
    run = run_cli("--format", "markdown", "-o", target, DOCX, "--exit-zero")
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("# proposal-lint report")


# ---- SARIF ---------------------------------------------------------------------


def test_sarif_files_are_valid_against_the_oasis_schema(reports):
    for stem in (PDF.name, DOCX.name, "hostile.md", "missing.pdf"):
        _assert_valid_sarif(json.loads(_read(reports, f"{stem}.sarif")))


def test_sarif_run_rules_results_and_fingerprints(reports):
    sarif = json.loads(_read(reports, f"{PDF.name}.sarif"))
    report = json.loads(_read(reports, f"{PDF.name}.json"))
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1
    run = sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "proposal-lint"
    ids = [r["id"] for r in driver["rules"]]
    assert {"PL001", "PL002", "PL003"} <= set(ids)
    pl001 = driver["rules"][ids.index("PL001")]
    assert pl001["defaultConfiguration"]["level"] == "error"
    assert pl001["fullDescription"]["text"] and "Ask the vendor" in pl001["help"]["markdown"]
    assert run["invocations"][0]["executionSuccessful"] is True
    assert run["artifacts"][0]["location"]["uri"] == "fixtures/proposals/pdf/01-smileline-dental-assistant.pdf"
    assert run["artifacts"][0]["hashes"]["sha-256"] == report["documents"][0]["sha256"]
    assert run["artifacts"][0]["properties"]["verdict"] == "rag"

    findings = report["documents"][0]["findings"]
    assert {"PL001", "PL002", "PL003"} <= {r["ruleId"] for r in run["results"]}
    assert len(run["results"]) == len(findings)
    for result, finding in zip(run["results"], findings):
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"] == finding["rule_id"]
        assert result["partialFingerprints"]["proposalLint/finding/v1"] == finding["fingerprint"]
        loc = result["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["index"] == 0
        assert loc["region"]["snippet"]["text"] == finding["evidence"][0]["quote"]
        assert loc["region"]["properties"]["page"] == finding["evidence"][0]["page"]


def test_sarif_unreadable_input_is_a_notification(reports):
    run = json.loads(_read(reports, "missing.pdf.sarif"))["runs"][0]
    inv = run["invocations"][0]
    assert inv["executionSuccessful"] is False
    [note] = inv["toolExecutionNotifications"]
    assert note["level"] == "error" and note["descriptor"]["id"] == "not-found"
    assert run["results"] == []


def test_sarif_waived_finding_is_an_external_suppression():
    report = json.loads((REPO_ROOT / "tests" / "golden" / "results.json").read_text(encoding="utf-8"))
    results = [DocumentResult.model_validate(d) for d in report["documents"]]
    sarif = json.loads(render("sarif", results, ReportOptions(rules=golden_rules())))
    _assert_valid_sarif(sarif)
    waived = [r for r in sarif["runs"][0]["results"] if "suppressions" in r]
    assert [r["ruleId"] for r in waived] == ["PL002"]
    [sup] = waived[0]["suppressions"]
    assert sup["kind"] == "external" and sup["justification"].startswith("Acceptance test agreed")
    assert sup["properties"] == {"by": "ana.berg", "at": "2024-05-02"}


def test_sarif_fingerprints_are_stable_across_runs_and_moved_pages():
    report = json.loads((REPO_ROOT / "tests" / "golden" / "results.json").read_text(encoding="utf-8"))
    r = DocumentResult.model_validate(report["documents"][0])
    moved = r.model_copy(deep=True)
    for f in moved.findings:
        for ev in f.evidence:
            ev.page = (ev.page or 0) + 3
    options = ReportOptions(rules=golden_rules())
    fps = lambda res: [x["partialFingerprints"] for x in json.loads(render("sarif", [res], options))["runs"][0]["results"]]
    assert fps(r) == fps(moved)


# ---- Markdown ------------------------------------------------------------------


def test_markdown_verdict_table_findings_and_questions(reports):
    md = _read(reports, f"{PDF.name}.md")
    assert "**Verdict: Use retrieval (RAG) plus a good prompt instead of fine-tuning** (`rag`)" in md
    assert "| # | Rule | Severity | Finding | Where |" in md
    assert "| 1 | PL001 | error |" in md
    assert "> \u201cWe will fine-tune a state-of-the-art large language model" in md
    assert "> \u2014 p. 1, §2. Our solution" in md
    assert "**Why it matters:**" in md and "**Ask the vendor:**" in md
    tail = md.split("### Questions to send the vendor", 1)[1]
    assert "1. What accuracy did a well-built prompt" in tail
    assert md.index("### Questions to send the vendor") > md.index("**Ask the vendor:**")


def test_markdown_escapes_proposal_text(reports):
    md = _read(reports, "hostile.md.md")
    assert not re.search(r"(?<!\\)<(script|img)", md)
    assert r"\<script\>" in md
    # a table cell with a pipe does not break the table
    out = render("markdown", [_result_with_quote("cost | 9,800 [x](javascript:alert(1))")])
    assert r"cost \| 9,800 \[x\](javascript:alert(1))" in out


def test_markdown_lists_waived_findings_with_reason():
    out = render("markdown", [_result_with_quote("We will fine-tune a model.", waived=True)])
    assert "### Waived findings" in out
    assert "Waived: accepted in review (by ana, 2024-05-02)" in out
    assert "### Questions to send the vendor" not in out  # a waived finding asks nothing


def _result_with_quote(quote: str, waived: bool = False) -> DocumentResult:
    report = json.loads((REPO_ROOT / "tests" / "golden" / "results.json").read_text(encoding="utf-8"))
    r = DocumentResult.model_validate(report["documents"][0])
    f = r.findings[0].model_copy(deep=True)
    f.evidence[0].quote = quote
    f.suppressed = Suppression(reason="accepted in review", by="ana", at="2024-05-02") if waived else None
    return r.model_copy(update={"findings": [f]})


# ---- HTML (static checks) ------------------------------------------------------


def test_html_is_self_contained_and_escaped(reports):
    page = _read(reports, "hostile.md.html")
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;" in page and "onerror=&quot;window.pwned" in page
    assert "<style>" in page and "@media print" in page
    assert not re.search(r"https?://", page)
    assert not re.search(r"<[^>]*\s(src|href)\s*=\s*[\"']?(?!#)", page)  # only in-page anchors link anywhere
    assert "Content-Security-Policy" in page


def test_html_lists_passed_checks(reports):
    page = _read(reports, f"{DOCX.name}.html")
    assert "Verdict: Fine-tuning looks justified" in page
    passed = page.split("<h3>Passed checks</h3>", 1)[1]
    for rule_id in ("PL001", "PL002", "PL003"):
        assert f"<strong>{rule_id}</strong>" in passed


# ---- HTML in a real browser ----------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium, once per session. Missing -> FAIL, never skip."""
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} not found: install the Debian packages with "
            "`apt-get install -y chromium chromium-driver` (see .ci/run)",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright missing: pip install -e '.[dev]'", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _open(browser, path: Path):
    """A page with every network request recorded and every non-file request blocked."""
    context = browser.new_context(java_script_enabled=True)
    page = context.new_page()
    events = {"requests": [], "dialogs": [], "console": []}

    def route(r):
        events["requests"].append(r.request.url)
        if r.request.url.startswith("file://") and r.request.url.split("#")[0] == path.as_uri():
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    page.on("dialog", lambda d: (events["dialogs"].append(d.message), d.dismiss()))
    page.on("console", lambda m: events["console"].append(m.text))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return context, page, events


def test_browser_shows_verdict_and_findings_and_runs_nothing(browser, reports):
    path = reports["out"] / "hostile.md.html"
    context, page, events = _open(browser, path)
    try:
        verdict = page.locator(".verdict .label")
        assert verdict.is_visible()
        assert "Verdict: Use retrieval (RAG)" in verdict.inner_text()
        findings = page.locator("article.finding")
        assert findings.count() >= 3
        assert findings.first.is_visible()
        text = page.inner_text("body")
        for rule_id in ("PL001", "PL002", "PL003"):
            assert rule_id in text
        # the proposal's markup is shown as text...
        assert "<script>window.pwned=1;alert(2)</script>" in text
        assert '<img src=x onerror="window.pwnedImg=1">' in text
        # ...and none of it became an element or ran
        assert page.evaluate("document.querySelectorAll('script, img, iframe, object, embed').length") == 0
        assert page.evaluate("[typeof window.pwned, typeof window.pwnedImg, typeof window.pwnedHeading]") == [
            "undefined"
        ] * 3
        page.wait_for_timeout(200)  # give a stray onerror/timer a chance to fire
        assert events["dialogs"] == []
        assert events["requests"] == [path.as_uri()]  # the file itself, nothing else
    finally:
        context.close()


def test_browser_print_layout_keeps_the_verdict(browser, reports):
    context, page, _ = _open(browser, reports["out"] / f"{PDF.name}.html")
    try:
        page.emulate_media(media="print")
        assert page.locator(".verdict").is_visible()
        assert page.locator("h4.error").first.is_visible()  # findings grouped by severity
        assert "p. 1" in page.locator("blockquote footer").first.inner_text()
    finally:
        context.close()


# ---- text: summary table and progress bar ---------------------------------------


def test_progress_bar_only_when_stderr_is_a_terminal(reports, tmp_path):
    """On a pseudo-terminal stderr shows a (transient) bar; to a pipe nothing but messages."""
    import pty
    import subprocess
    import sys

    assert "Reading" not in reports["run"].stderr and "\x1b[" not in reports["run"].stderr  # a pipe: silent

    files = []
    for name in ("a.txt", "b.txt"):
        p = tmp_path / name
        p.write_text("Meeting notes\n\nThe office move is planned for March.\n", encoding="utf-8")
        files.append(p)
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "proposal_lint", *map(str, files)],
        stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL,
        env={**os.environ, "TERM": "xterm-256color", "NO_COLOR": "", "COLUMNS": "80"},
    )
    os.close(slave)
    output = read_pty(master)
    stdout = proc.stdout.read().decode("utf-8")
    proc.wait(timeout=120)
    os.close(master)
    stderr = output.decode("utf-8", "replace")
    assert proc.returncode == 0, stderr
    assert "Linting" in stderr and "/5" in stderr  # 2 files read + rules + 2 linted
    # stdout (a pipe) has the report, no bar, and the summary table for several files
    assert "Linting" not in stdout and "\x1b[" not in stdout
    table = stdout.split("file ", 1)[1]  # long temporary paths fold inside the file column
    assert "verdict" in table and "waived" in table and table.count("no-fine-tuning") == 2
    assert stdout.rstrip().splitlines()[-1] == "2 files: no findings"
    assert max(len(line) for line in stdout.splitlines()) <= 80

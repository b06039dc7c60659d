"""`proposal-lint diff OLD NEW`: what a new revision of a proposal fixed, kept and added."""

from __future__ import annotations

import click

from proposal_lint import exitcodes
from proposal_lint.cli import common_options, input_options
from proposal_lint.commands.options import config_options


@click.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@input_options
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when NEW has findings (unreadable inputs still exit 3).")
@common_options
@config_options("config", "select", "extend_select", "ignore", "fail_on", "waivers", "rules_dirs")
def diff_command(old, new, fmt, output, password, max_file_size, timeout, exit_zero, settings_flags, debug, quiet, no_color):
    """Lint two revisions of a proposal and report the findings resolved,
    still open and new, which quotes changed, and the verdict change.

    Findings match by rule; quotes match by similar wording, wherever they
    moved. Exit code: as `check` on NEW (1 when NEW still has findings that
    count: unwaived, at or above --fail-on), 3 when either file cannot be read.
    """
    import json

    from proposal_lint.cli import _error, _limits, _make_linter, _report_error, _write
    from proposal_lint.config import apply_config, exit_code
    from proposal_lint.diff import diff_results, render_text, to_dict
    from proposal_lint.model import IngestError
    from proposal_lint.runner import Extractor, ExtractorCrash
    from proposal_lint.waivers import apply_waivers, waivers_for_run

    settings = settings_flags.settings()
    waivers = waivers_for_run(settings)
    docs, code = [], exitcodes.OK
    with Extractor(password=password, limits=_limits(max_file_size, timeout), debug=debug) as extractor:
        for path in (old, new):
            try:
                docs.append(extractor.extract(path).model_copy(update={"path": path}))
            except ExtractorCrash as exc:
                _error(f"internal error reading {path}: {exc.summary} (run with --debug for the traceback)")
                code = exitcodes.INTERNAL_ERROR
            except IngestError as exc:
                _report_error(path, exc.code, exc.message)
                code = code or exitcodes.UNREADABLE
    if code:
        return code

    linter = _make_linter(settings.rules_dirs)
    rule_ids = settings.rule_ids(linter.rules)
    results = [linter.lint_one(d, rule_ids).model_copy(update={"path": d.path}) for d in docs]
    results = apply_waivers(apply_config(results, settings, rule_ids), waivers)
    d = diff_results(*results)
    text = json.dumps(to_dict(d), indent=2, ensure_ascii=False) + "\n" if fmt == "json" else render_text(d)
    _write(text, output)
    return exit_code(results[1:], settings.fail_on, exit_zero)

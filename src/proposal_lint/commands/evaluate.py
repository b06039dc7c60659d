"""`proposal-lint eval`: detection quality against a labelled set."""

from __future__ import annotations

import click

from proposal_lint import exitcodes
from proposal_lint.cli import common_options


@click.command("eval")
@click.argument("target", required=False, default="fixtures/proposals", metavar="[DIR_OR_LABELS]")
@click.option(
    "--formats",
    default="pdf,docx",
    show_default=True,
    help="Which renderings of each labelled document to lint (comma-separated: pdf, docx, source).",
)
@click.option("--rules", "rule_list", default="", help="Score only these rules (comma-separated ids); default: all.")
@click.option("--min-f1", type=click.FloatRange(0, 1), default=0.0, show_default=True, help="Exit 1 if any rule's F1 is lower.")
@click.option("--min-verdict-accuracy", type=click.FloatRange(0, 1), default=0.0, show_default=True, help="Exit 1 if verdict accuracy is lower.")
@common_options
def eval_command(target, formats, rule_list, min_f1, min_verdict_accuracy, debug, quiet, no_color):
    """Per-rule precision, recall and F1 and verdict accuracy against a labels file.

    DIR_OR_LABELS is a labels.yaml, or a folder holding one (default:
    fixtures/proposals, the shipped labelled set).
    """
    from pathlib import Path

    from proposal_lint.evaluate import LabelsError, evaluate, render

    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    unknown = set(wanted) - {"pdf", "docx", "source"}
    if unknown:
        raise click.UsageError(f"unknown format(s) for --formats: {', '.join(sorted(unknown))}")
    try:
        rule_ids = {r.strip().upper() for r in rule_list.split(",") if r.strip()} or None
        report = evaluate(Path(target), formats=wanted, rule_ids=rule_ids)
    except LabelsError as exc:
        raise click.UsageError(str(exc)) from None
    if not report.cases:
        raise click.UsageError(f"{target}: the labels file lists no documents in {', '.join(wanted)}")
    click.echo(render(report))
    low = [rid for rid, s in report.rules.items() if s.f1 < min_f1]
    if low or report.verdict_accuracy < min_verdict_accuracy:
        click.echo(f"below the floor: {', '.join(low) or 'verdict accuracy'}", err=True)
        return exitcodes.FINDINGS
    return exitcodes.OK

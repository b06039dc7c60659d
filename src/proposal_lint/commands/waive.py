"""`proposal-lint waive RULE FILE --reason ...`: accept a finding, in the waiver file."""

from __future__ import annotations

import click

from proposal_lint import exitcodes
from proposal_lint.cli import common_options
from proposal_lint.commands.options import config_options


@click.command("waive")
@click.argument("rule_id", metavar="RULE")
@click.argument("file", type=click.Path(exists=True, dir_okay=False), metavar="FILE")
@click.option("--reason", required=True, help="Why the finding is accepted (shown in every report).")
@click.option("--by", help="Who accepts it (default: your user name).")
@click.option("--document", "whole_document", is_flag=True, help="Waive for this exact file, by its sha256 (the default).")
@click.option(
    "--quote-fingerprint",
    metavar="FP",
    help="Waive where the finding quotes this sentence (the `fingerprint` of an evidence item in the JSON report); "
    "survives new revisions of the document.",
)
@click.option("--quote", "quote_text", metavar="TEXT", help="Like --quote-fingerprint, from the sentence itself.")
@common_options
@config_options("config", "waivers", "rules_dirs")
def waive_command(rule_id, file, reason, by, whole_document, quote_fingerprint, quote_text, settings_flags, debug, quiet, no_color):
    """Accept RULE's finding on FILE with a reason: appends a waiver to the
    waiver file (default proposal-lint-waivers.yaml next to the configuration
    file, or in the current directory). Waived findings stay in reports,
    marked as waived, and no longer count toward the exit code."""
    import datetime as dt
    import getpass
    import re
    from pathlib import Path

    from proposal_lint.commands.rules import load_rules
    from proposal_lint.config import ConfigError
    from proposal_lint.model import quote_fingerprint as fingerprint_of
    from proposal_lint.waivers import Waiver, add_waiver, default_waivers_path, file_sha256

    if sum(map(bool, (whole_document, quote_fingerprint, quote_text))) > 1:
        raise click.UsageError("give at most one of --document, --quote-fingerprint and --quote")
    if not reason.strip():
        raise click.UsageError("--reason must not be empty")
    settings = settings_flags.settings()
    known = [r.id for r in load_rules(settings).rules]
    rid = rule_id.strip().upper()
    if rid not in known:
        raise ConfigError(f"unknown rule '{rule_id}'; known rules: {', '.join(known)}")

    fp = quote_fingerprint.strip().lower() if quote_fingerprint else (fingerprint_of(quote_text) if quote_text else None)
    if fp is not None and not re.fullmatch(r"[0-9a-f]{16}", fp):
        raise click.UsageError(f"--quote-fingerprint must be 16 hex digits (as in the JSON report), not {quote_fingerprint!r}")
    try:
        digest = None if fp else file_sha256(Path(file))
    except OSError as exc:
        click.echo(f"{file}: error[unreadable]: {exc.strerror}", err=True)
        return exitcodes.UNREADABLE
    try:
        user = by or getpass.getuser()
    except Exception:  # no user name in this environment
        user = None
    waiver = Waiver(
        rule=rid, sha256=digest, quote_fingerprint=fp, file=file, quote=quote_text,
        reason=" ".join(reason.split()), by=user, at=dt.date.today(),
    )
    path = default_waivers_path(settings)
    try:
        total = add_waiver(path, waiver)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write waiver file: {exc.strerror}") from None
    target = f"quote {fp}" if fp else f"sha256 {digest[:12]}…"
    if not quiet:
        click.echo(f"waived {rid} for {file} ({target}) in {path} ({total} waiver{'s' if total != 1 else ''})")
    return exitcodes.OK

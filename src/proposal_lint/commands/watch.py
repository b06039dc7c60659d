"""`proposal-lint watch INBOX`: a watched folder that turns proposals into reports."""

from __future__ import annotations

import click

from proposal_lint import exitcodes
from proposal_lint.cli import MB, common_options, input_options


def _default_formats() -> tuple[str, ...]:
    from proposal_lint.report import FORMATS

    return ("html", "json") if "html" in FORMATS else ("json",)


@click.command("watch")
@click.argument("inbox", type=click.Path(exists=True, file_okay=False, writable=True), metavar="INBOX")
@click.option("--reports", "reports_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write reports here instead of next to each file in INBOX/done/.")
@click.option("--format", "formats", multiple=True, metavar="FORMAT",
              help="Report format (repeatable). Default: html and json (json alone without the html format).")
@click.option("--workers", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes, each with its own rules engine. Default: the number of CPU cores.")
@click.option("--poll", is_flag=True, help="Scan the folder instead of waiting for file events (SMB/NFS shares, containers).")
@click.option("--stable-seconds", type=click.FloatRange(min=0), default=3.0, show_default=True, metavar="S",
              help="Take a file only after its size and time stamp have not changed for this long.")
@click.option("--rescan-seconds", type=click.FloatRange(min=0.1), default=30.0, show_default=True, metavar="S",
              help="Also rescan the whole inbox this often (file events are only hints).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="One line per file on stderr: readable text or JSON lines.")
@click.option("--on-report", "on_report", metavar="CMD",
              help="Shell command run after each report set, with PROPOSAL_LINT_REPORT_DIR, PROPOSAL_LINT_JSON, "
                   "PROPOSAL_LINT_SOURCE and PROPOSAL_LINT_VERDICT set. Failures are logged, not fatal.")
@click.option("--attach", "attach", is_flag=True,
              help="Attach each report set to the ticket named in a sidecar file NAME.ticket dropped next to the proposal.")
@click.option("--attach-pattern", metavar="REGEX",
              help=r"Also take the ticket from the file name, e.g. '(?P<key>PROC-\d+)' (implies --attach).")
@click.option("--attach-template", metavar="TEMPLATE",
              help="Ticket reference built from the pattern's named groups, e.g. 'jira:{key}'.")
@input_options
@click.option("--rules-dir", "rules_dirs", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Extra folder of rule files (repeatable).")
@common_options
def watch_command(inbox, reports_dir, formats, workers, poll, stable_seconds, rescan_seconds, log_format, on_report,
                  attach, attach_pattern, attach_template, password, max_file_size, timeout, rules_dirs, debug, quiet, no_color):
    """Watch INBOX and lint every proposal dropped into it, until stopped.

    Each file is taken once it is stable, moved to INBOX/processing/, then to
    INBOX/done/ with its reports (or INBOX/failed/ with NAME.error.txt saying
    why). The same bytes are never linted twice. Safe to stop or kill at any
    time; the next start picks up where it was. --timeout limits reading and
    linting each file. Stop with Ctrl-C or SIGTERM.
    """
    import os
    from pathlib import Path

    from proposal_lint.report import FORMATS
    from proposal_lint.watch.hooks import command_hook
    from proposal_lint.watch.service import WatchOptions, Watcher
    from proposal_lint.watch.state import AlreadyRunning
    from proposal_lint.watch.worker import WorkerConfig

    chosen = tuple(dict.fromkeys(formats)) or _default_formats()
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise click.UsageError(f"unknown --format {', '.join(unknown)} (choose from {', '.join(FORMATS)})")
    options = WatchOptions(
        inbox=Path(inbox).resolve(),
        reports=Path(reports_dir).resolve() if reports_dir else None,
        formats=chosen,
        workers=workers or os.cpu_count() or 1,
        poll=poll,
        stable_s=stable_seconds,
        rescan_s=rescan_seconds,
        log_format=log_format,
        quiet=quiet,
        worker=WorkerConfig(
            formats=chosen,
            rule_dirs=tuple(str(Path(d).resolve()) for d in rules_dirs),
            password=password,
            max_file_bytes=int(max_file_size * MB),
            timeout_s=timeout,
            debug=debug,
        ),
        start_method=os.environ.get("PROPOSAL_LINT_START_METHOD") or None,
    )
    hooks = [command_hook(on_report)] if on_report else []
    if attach or attach_pattern or attach_template:
        import re

        from proposal_lint.tickets.deliver import watch_hook

        if attach_template and not attach_pattern:
            raise click.UsageError("--attach-template needs --attach-pattern")
        if attach_pattern:
            try:
                re.compile(attach_pattern)
            except re.error as exc:
                raise click.UsageError(f"--attach-pattern is not a valid regular expression: {exc}") from None
        hooks.append(watch_hook(attach_pattern, attach_template, inbox=options.inbox))
    try:
        code = Watcher(options, hooks=hooks).run()
    except AlreadyRunning as exc:
        raise click.UsageError(str(exc)) from None
    return exitcodes.OK if code == 0 else exitcodes.INTERNAL_ERROR

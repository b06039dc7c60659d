"""The proposal-lint command line.

Keep this module's top level import-light: `--version` and `--help` must not
load pydantic, rich, spaCy or the PDF libraries. Commands import what they
need inside their bodies. That is also why this is click and not typer.

A new subcommand is a few lines:

    @cli.command()
    @common_options
    def rules(debug, quiet, no_color):
        from proposal_lint.rules import ...
        return exitcodes.OK
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import traceback

import click

from proposal_lint import __version__, exitcodes
from proposal_lint.commands.options import config_options

MB = 1024 * 1024
DEFAULT_MAX_FILE_MB = 100  # == ingest.Limits().max_file_bytes / MB (a test keeps them in step)
DEFAULT_TIMEOUT_S = 60.0  # == ingest.Limits().timeout_s


class DefaultGroup(click.Group):
    """A group whose first argument, when not a subcommand, goes to `check`.

    So `proposal-lint quote.pdf` is `proposal-lint check quote.pdf`, and
    `proposal-lint --format json x.pdf` is `proposal-lint check --format json x.pdf`.
    """

    default_command = "check"
    group_options = ("--help", "-h", "--version")

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in self.group_options):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx, formatter):
        formatter.write(f"Usage: {ctx.command_path} [CHECK OPTIONS] FILE_OR_DIR...\n")
        formatter.write(f"       {ctx.command_path} COMMAND [ARGS]...\n")


def _error(msg: str) -> None:
    # file=sys.stderr rather than err=True: while the progress bar runs, sys.stderr
    # is rich's proxy, which prints the message above the bar instead of through it.
    click.echo(f"proposal-lint: {msg}", file=sys.stderr)


def common_options(f):
    """--debug / -q / --no-color for every command, and the crash policy:
    an unexpected exception prints one line and exits 2, never 1."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        try:
            code = f(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            _error("interrupted")
            ctx.exit(exitcodes.INTERRUPTED)
        except Exception as exc:
            if kwargs.get("debug"):
                traceback.print_exc()
            _error(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
            ctx.exit(exitcodes.INTERNAL_ERROR)
        ctx.exit(code or exitcodes.OK)

    for option in reversed(
        [
            click.option("--debug", is_flag=True, help="Show Python tracebacks and library warnings."),
            click.option("-q", "--quiet", is_flag=True, help="Only report documents with findings or errors; no summary."),
            click.option("--no-color", is_flag=True, help="No colours (also off when not a terminal or NO_COLOR is set)."),
        ]
    ):
        wrapper = option(wrapper)
    return wrapper


def input_options(f):
    """Options for commands that read documents."""
    for option in reversed(
        [
            click.option("--password", metavar="TEXT", help="Password for encrypted PDFs."),
            click.option(
                "--max-file-size",
                type=click.FloatRange(min=0, min_open=True),
                default=DEFAULT_MAX_FILE_MB,
                show_default=True,
                metavar="MB",
                help="Refuse larger files.",
            ),
            click.option(
                "--timeout",
                type=click.FloatRange(min=0, min_open=True),
                default=DEFAULT_TIMEOUT_S,
                show_default=True,
                metavar="SECONDS",
                help="Time limit for extracting the text of each file.",
            ),
        ]
    ):
        f = option(f)
    return f


EPILOG = "\b\nExit codes:\n" + "\n".join("  " + line for line in exitcodes.HELP_LINES)


@click.group(cls=DefaultGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="proposal-lint", message="%(prog)s %(version)s")
def cli():
    """Lint AI vendor proposals: is fine-tuning really what you need?

    Reads PDF, DOCX, plain-text and Markdown proposals and reports, with
    quotes and page numbers, where a plan to fine-tune a model is not backed
    by a measured prompt baseline, a concrete evaluation, or a task that
    retrieval (RAG) would not serve better.

    Without a COMMAND, check is run: `proposal-lint quote.pdf`.
    Its options: `proposal-lint check --help`.
    """


def _limits(max_file_size: float, timeout: float):
    from proposal_lint.ingest import Limits

    return Limits(max_file_bytes=int(max_file_size * MB), timeout_s=timeout)


def _color(no_color: bool, to_file: bool) -> bool:
    if no_color or to_file or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def _write(text: str, output: str | None) -> None:
    if output is None:
        # Bytes, so the report is UTF-8 whatever the locale says.
        try:
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode("utf-8"))
            sys.stdout.buffer.flush()
        except BrokenPipeError:  # `proposal-lint ... | head`: not an error; keep the exit code
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    from proposal_lint.fsutil import atomic_write as write_atomic

    try:
        write_atomic(output, text)
    except OSError as exc:
        raise click.UsageError(f"cannot write report to {output}: {exc.strerror}") from None


REPORT_FORMATS = ["text", "json", "sarif", "markdown", "html"]  # == report.FORMATS (a test keeps them in step)


def _check_outputs(fmt, output: str | None, output_dir: str | None) -> tuple:
    """The formats to write, or a usage error for combinations that cannot work.

    One format goes to stdout or -o FILE. Several formats need --output-dir
    (one file per input per format); nothing then goes to stdout.
    """
    formats = tuple(dict.fromkeys([fmt] if isinstance(fmt, str) else fmt)) or ("text",)
    if output and output_dir:
        raise click.UsageError("use either -o/--output FILE or --output-dir DIR, not both")
    if len(formats) > 1 and not output_dir:
        raise click.UsageError(
            f"{len(formats)} formats ({', '.join(formats)}) need --output-dir DIR "
            "(one report per input per format); stdout and -o take one format"
        )
    if output_dir and os.path.exists(output_dir) and not os.path.isdir(output_dir):
        raise click.UsageError(f"--output-dir {output_dir}: exists and is not a folder")
    return formats


def _write_reports(results, formats, output_dir: str, options, quiet: bool) -> None:
    """--output-dir: DIR/<input name>.<ext> per input and format (naming: report/output.py)."""
    from proposal_lint.report import render
    from proposal_lint.fsutil import atomic_write as write_atomic
    from proposal_lint.report.output import report_path, report_stems

    try:
        os.makedirs(output_dir, exist_ok=True)
    except OSError as exc:
        raise click.UsageError(f"cannot create --output-dir {output_dir}: {exc.strerror}") from None
    written = 0
    for result, stem in zip(results, report_stems([r.path for r in results])):
        for fmt in formats:
            target = report_path(output_dir, stem, fmt)
            try:
                write_atomic(target, render(fmt, [result], options))
            except OSError as exc:
                raise click.UsageError(f"cannot write report to {target}: {exc.strerror}") from None
            written += 1
    if not quiet:
        _error(f"wrote {written} report{'s' if written != 1 else ''} to {output_dir}")


def _report_error(path: str, code: str, message: str) -> None:
    click.echo(f"{path}: error[{code}]: {message}", file=sys.stderr)  # see _error


@cli.command(epilog=EPILOG)
@click.argument("inputs", nargs=-1, required=True, metavar="FILE_OR_DIR...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(REPORT_FORMATS),
    multiple=True,
    help="Report format (default: the configuration's, else text). Several with --output-dir: --format html --format json.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to this file instead of stdout.")
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False),
    help="Write one report per input per format into this folder: DIR/quote.pdf.html, DIR/quote.pdf.json...",
)
@input_options
@click.option(
    "--rules-dir",
    "rules_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Extra folder of rule files (repeatable).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even with findings (unreadable inputs still exit 3).")
@click.option("--extract", "extract_only", is_flag=True, help="Print the extracted text instead (same as the extract command).")
@click.option("--attach", metavar="TICKET", help="Also attach the reports to a ticket: redmine:1234, jira:PROC-42... (see `attach --help`).")
@common_options
@config_options()
def check(inputs, fmt, output, output_dir, password, max_file_size, timeout, rules_dirs, exit_zero, extract_only, attach, settings_flags, debug, quiet, no_color):
    """Lint proposals. Folders are searched for .pdf, .docx, .txt and .md files."""
    if extract_only:
        if len(inputs) != 1:
            raise click.UsageError("--extract takes exactly one file")
        if output_dir or len(fmt) > 1 or (fmt and fmt[0] not in ("text", "json")):
            raise click.UsageError("--extract writes one format, text or json, to stdout or -o")
        return _extract(inputs[0], fmt[0] if fmt else "text", output, password, max_file_size, timeout, debug)

    from pathlib import Path

    from proposal_lint.model import DocumentResult, ErrorInfo, IngestError
    from proposal_lint.progress import Progress
    from proposal_lint.report import ReportOptions, render
    from proposal_lint.runner import Extractor, ExtractorCrash, discover

    # Configuration file + flags (select/ignore, severity, fail-on, rules-dirs, format, waivers).
    from proposal_lint.config import apply_config, exit_code
    from proposal_lint.waivers import apply_waivers, waivers_for_run

    settings = settings_flags.settings(rules_dirs, formats=fmt)
    fmt, rules_dirs, waivers = settings.report_format(fmt), settings.rules_dirs, waivers_for_run(settings)
    formats = _check_outputs(fmt, output, output_dir)

    files, notes = discover(inputs)
    if not quiet:
        for note in notes:
            _error(f"warning: {note}")
    # stderr only, only on a terminal, only for several files
    progress = Progress(len(files), enabled=Progress.wanted(len(files), quiet), color=not (no_color or os.environ.get("NO_COLOR")))
    click.get_current_context().call_on_close(progress.stop)
    progress.start()

    # Extract everything first, so the worker is never forked from a process
    # that already holds the spaCy pipeline and its threads.
    slots: list = []  # Document or DocumentResult (error), in input order
    with Extractor(password=password, limits=_limits(max_file_size, timeout), debug=debug) as extractor:
        for path in files:
            progress.show("Reading", path)
            try:
                slots.append(extractor.extract(path))
            except ExtractorCrash as exc:
                if debug:
                    click.echo(exc.trace, err=True, nl=False)
                _error(f"internal error reading {path}: {exc.summary} (run with --debug for the traceback)")
                slots.append(DocumentResult(path=path, error=ErrorInfo(code="internal-error", message=exc.summary)))
            except IngestError as exc:
                _report_error(path, exc.code, exc.message)
                slots.append(DocumentResult(path=path, error=ErrorInfo(code=exc.code, message=exc.message)))
            progress.advance()

    # Loading rules costs seconds (spaCy), so only when there is something to
    # lint or rules to validate.
    linter = None
    progress.show("Loading rules")
    if rules_dirs or not all(isinstance(s, DocumentResult) for s in slots):
        linter = _make_linter([Path(d) for d in rules_dirs])
        rule_ids = settings.rule_ids(linter.rules)
    progress.advance()
    results = []
    for path, slot in zip(files, slots):
        progress.show("Linting", path)
        progress.advance()
        if isinstance(slot, DocumentResult):
            results.append(slot)
            continue
        try:
            result = linter.lint_one(slot, rule_ids)
        except Exception as exc:  # one document breaking the engine must not hide the others
            if debug:
                traceback.print_exc()
            msg = f"{type(exc).__name__}: {exc}"
            _error(f"internal error linting {path}: {msg} (run with --debug for the traceback)")
            result = DocumentResult(
                path=path, sha256=slot.sha256, format=slot.format.value, pages=slot.pages,
                error=ErrorInfo(code="internal-error", message=msg),
            )
        results.append(result.model_copy(update={"path": path}))

    results = apply_waivers(apply_config(results, settings), waivers)

    progress.stop()
    rules = None  # the rules that ran, with configured severities: HTML passed checks, SARIF rules
    if linter is not None:
        rules = tuple(r.model_copy(update={"severity": settings.severity_of(r)}) for r in linter.rules if r.id in rule_ids)
    if output_dir:
        # -q only silences stderr here: a per-input report file is never left empty
        _write_reports(results, formats, output_dir, ReportOptions(rules=rules), quiet)
    else:
        width = 80 if output else min(shutil.get_terminal_size((80, 24)).columns, 100)
        options = ReportOptions(
            color=_color(no_color, output is not None), width=width, quiet=quiet, show_errors=output is not None, rules=rules
        )
        _write(render(formats[0], results, options), output)

    if attach:  # --attach TICKET (tickets/): a failed delivery exits 4; an internal error still exits 2
        from proposal_lint.commands.attach import attach_after_check

        delivered = attach_after_check(attach, results, debug=debug, quiet=quiet, rules=rules)
        if not delivered and exit_code(results, settings.fail_on, exit_zero) != exitcodes.INTERNAL_ERROR:
            return exitcodes.DELIVERY_FAILED

    return exit_code(results, settings.fail_on, exit_zero)


class RulesError(click.ClickException):
    exit_code = exitcodes.USAGE_ERROR


def _make_linter(rule_dirs):
    from proposal_lint.lint import Linter
    from proposal_lint.rules.loader import RuleLoadError

    try:
        return Linter(extra_rule_dirs=rule_dirs)
    except RuleLoadError as exc:  # a bad --rules-dir is the user's input, not our crash
        raise RulesError(f"cannot load rules:\n{exc}") from None


@cli.command(epilog=EPILOG)
@click.argument("file", metavar="FILE")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@input_options
@common_options
def extract(file, fmt, output, password, max_file_size, timeout, debug, quiet, no_color):
    """Print the located text the rules see: one line per block, with page,
    section and block kind (or the whole Document as JSON)."""
    return _extract(file, fmt, output, password, max_file_size, timeout, debug)


def _extract(file, fmt, output, password, max_file_size, timeout, debug) -> int:
    from proposal_lint.model import IngestError
    from proposal_lint.runner import Extractor, ExtractorCrash

    with Extractor(password=password, limits=_limits(max_file_size, timeout), debug=debug) as extractor:
        try:
            doc = extractor.extract(file)
        except ExtractorCrash as exc:
            if debug:
                click.echo(exc.trace, err=True, nl=False)
            _error(f"internal error reading {file}: {exc.summary} (run with --debug for the traceback)")
            return exitcodes.INTERNAL_ERROR
        except IngestError as exc:
            _report_error(file, exc.code, exc.message)
            return exitcodes.UNREADABLE
    doc = doc.model_copy(update={"path": file})
    _write(doc.model_dump_json(indent=2) + "\n" if fmt == "json" else format_blocks(doc), output)
    return exitcodes.OK


def format_blocks(doc) -> str:
    """`p3 §Approach > Data [paragraph] text`, one block per line."""
    pages = f", {doc.pages} pages" if doc.pages is not None else ""
    lines = [f"# {doc.path}: {doc.format.value}{pages}, {len(doc.blocks)} blocks"]
    lines += [f"# warning: {w}" for w in doc.warnings]
    for b in doc.blocks:
        where = [f"p{b.page}"] if b.page is not None else []
        if b.section:
            where.append("§" + " > ".join(b.section))
        prefix = " ".join([*where, f"[{b.kind.value}]"])
        lines.append(f"{prefix} {b.text}".replace("\n", "\n    "))
    return "\n".join(lines) + "\n"


def main() -> None:
    cli.main(prog_name="proposal-lint")


# Subcommands that live in proposal_lint/commands/ (one module each).
from proposal_lint.commands.evaluate import eval_command  # noqa: E402

cli.add_command(eval_command)
from proposal_lint.commands.attach import attach_command  # noqa: E402

cli.add_command(attach_command)
from proposal_lint.commands.watch import watch_command  # noqa: E402

cli.add_command(watch_command)
from proposal_lint.commands.rules import explain_command, rules_command  # noqa: E402

cli.add_command(rules_command)
cli.add_command(explain_command)
from proposal_lint.commands.waive import waive_command  # noqa: E402

cli.add_command(waive_command)
from proposal_lint.commands.diff import diff_command  # noqa: E402

cli.add_command(diff_command)

"""Entry points: attach report files (or fresh results) to a ticket, and
retry the outbox. Used by `proposal-lint attach`, `check --attach` and the
watched folder; none of them prints anything, they return `Outcome`s and
log through the callable they are given.

Settings: environment variables (see base.resolve_settings), and an
optional `[tickets]` table (a mapping: `formats`, `attempts`, `backoff`,
`timeout`, and per system `[tickets.redmine]` `url = ...`,
`api_key_env = "VAR"`; webhooks under `[tickets.webhook.NAME]`); see
`load_config` for where it is read.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from proposal_lint.tickets import outbox
from proposal_lint.tickets.base import (
    ConfigError,
    Connector,
    Delivery,
    DeliveryError,
    FileItem,
    RetryPolicy,
    TicketRef,
    delivery_key,
    parse_ticket,
    redact,
    resolve_settings,
    run_delivery,
)
from proposal_lint.tickets.summary import load_report, summary_markdown

DEFAULT_FORMATS = ("html", "json")
FORMAT_SUFFIX = {"json": ".json", "html": ".html", "markdown": ".md", "sarif": ".sarif", "text": ".txt"}


@dataclass
class Outcome:
    ticket: str
    status: str  # delivered | unchanged (the ticket already had it) | failed | busy (outbox entry locked)
    message: str
    kind: str | None = None  # DeliveryError.kind when failed
    saved: Path | None = None  # outbox entry, when kept for a retry

    @property
    def ok(self) -> bool:
        return self.status in ("delivered", "unchanged", "busy")


def load_config(env: Mapping[str, str] | None = None) -> dict:
    """The `tickets` table: from $PROPOSAL_LINT_TICKETS_CONFIG (a TOML file
    with a [tickets] table), else from the configuration file the rest of
    proposal-lint uses (proposal-lint.toml `[tickets]` or pyproject.toml
    `[tool.proposal-lint.tickets]`, found by config.find_config); {} if none."""
    import tomllib

    env = os.environ if env is None else env
    explicit = env.get("PROPOSAL_LINT_TICKETS_CONFIG")
    if explicit:
        path = Path(explicit)
    else:
        from proposal_lint.config import ConfigError as FileConfigError, find_config

        try:
            path = find_config(Path.cwd())
        except FileConfigError as exc:
            raise ConfigError(str(exc)) from None
        if path is None:
            return {}
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("proposal-lint", {})
    tickets = data.get("tickets") or {}
    if not isinstance(tickets, dict):
        raise ConfigError(f"{path}: [tickets] must be a table")
    return tickets


def make_connector(
    ref: TicketRef,
    config: Mapping[str, Any],
    env: Mapping[str, str] | None,
    log: Callable[[str], None],
    transport=None,
) -> Connector:
    module = importlib.import_module(f"proposal_lint.tickets.{ref.system}")
    cls = module.CONNECTOR
    table = config.get(ref.system) or {}
    instance = None
    if ref.system == "webhook":
        instance = ref["name"]
        table = table.get(instance) or {}
    settings = resolve_settings(ref.system, cls.FIELDS, table, env, instance=instance)
    return cls(ref, settings, RetryPolicy.from_env(env, config), log, transport=transport)


def new_delivery(ticket: str | TicketRef, paths, summary: str | None = None) -> Delivery:
    """A delivery of the files at `paths`; the comment summarises the JSON
    report among them (or `summary`)."""
    ref = ticket if isinstance(ticket, TicketRef) else parse_ticket(ticket)
    files = [FileItem.from_path(p) for p in paths]
    names = [f.name for f in files]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"two reports with the same file name: {', '.join(sorted(dupes))}")
    md = next((Path(p).read_text(encoding="utf-8", errors="replace") for p in paths if str(p).lower().endswith(".md")), None)
    return Delivery(
        ticket=str(ref),
        files=files,
        comment=summary if summary is not None else summary_markdown(load_report(paths)),
        key=delivery_key(str(ref), files),
        markdown_report=md,
    )


def deliver(
    delivery: Delivery,
    *,
    config: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    log: Callable[[str], None] | None = None,
    use_outbox: bool = True,
    entry: Path | None = None,
    transport=None,
) -> Outcome:
    """Run a delivery; on failure keep it in the outbox (when worth retrying)."""
    log = log or (lambda msg: None)
    config = load_config(env) if config is None else config
    ref = parse_ticket(delivery.ticket)
    secrets: list = []
    try:
        connector = make_connector(ref, config, env, lambda m: log(f"{ref}: {m}"), transport=transport)
        secrets = connector.secrets
        on_step = (lambda d: outbox.write(d, entry)) if entry is not None else None
        sent = run_delivery(delivery, connector, on_step=on_step)
    except (DeliveryError, ConfigError) as exc:
        err = exc if isinstance(exc, DeliveryError) else DeliveryError("config", str(exc))
        delivery.attempts += 1
        delivery.last_error = redact(err.message, secrets)
        message = f"{ref}: {delivery.last_error}"
        saved = None
        if use_outbox and err.keep_in_outbox:
            root = entry.parent if entry is not None else outbox.outbox_dir(env)
            try:
                saved = outbox.save(delivery, root)
                message += f" (kept in the outbox: {saved}; retry with `proposal-lint attach --retry-outbox`)"
            except OSError as os_exc:
                message += f" (and could not be saved to the outbox {root}: {os_exc.strerror})"
        elif entry is not None:
            message += " (this will not succeed by retrying: removed from the outbox)"
            outbox.remove(entry)
        return Outcome(str(ref), "failed", message, kind=err.kind, saved=saved)
    names = ", ".join(f.name for f in delivery.files) or "comment"
    if entry is not None:
        outbox.remove(entry)
    if sent:
        return Outcome(str(ref), "delivered", f"{ref}: attached {names}")
    return Outcome(str(ref), "unchanged", f"{ref}: already attached ({names}); nothing sent")


def attach_files(ticket: str | TicketRef, paths, *, summary: str | None = None, **kwargs) -> Outcome:
    """Attach report files already written (the `attach` command, the watcher)."""
    return deliver(new_delivery(ticket, paths, summary), **kwargs)


def render_reports(results, directory: Path, formats=None, config: Mapping[str, Any] | None = None, stem: str | None = None, rules=None) -> list[Path]:
    """Write `results` as report files in `directory`: the configured formats
    ($PROPOSAL_LINT_ATTACH_FORMATS, [tickets] formats, default html,json) that
    are registered; json if none of them is."""
    from proposal_lint.report import FORMATS, ReportOptions, render

    config = config or {}
    wanted = formats or os.environ.get("PROPOSAL_LINT_ATTACH_FORMATS") or config.get("formats") or DEFAULT_FORMATS
    if isinstance(wanted, str):
        wanted = [w.strip() for w in wanted.split(",") if w.strip()]
    available = [f for f in wanted if f in FORMATS] or ["json"]
    if stem is None:
        stem = Path(results[0].path).stem + ".proposal-lint" if len(results) == 1 else "proposal-lint-report"
    paths = []
    for fmt in available:
        p = directory / f"{stem}{FORMAT_SUFFIX.get(fmt, '.' + fmt)}"
        p.write_text(render(fmt, results, ReportOptions(color=False, width=100, quiet=False, show_errors=True, rules=rules)), encoding="utf-8")
        paths.append(p)
    return paths


def attach_results(ticket: str | TicketRef, results, *, formats=None, rules=None, **kwargs) -> Outcome:
    """Render `results` (list of DocumentResult) and attach them (check --attach)."""
    from proposal_lint.report.json_report import to_dict

    config = kwargs.get("config")
    if config is None:
        config = kwargs["config"] = load_config(kwargs.get("env"))
    with tempfile.TemporaryDirectory(prefix="proposal-lint-attach-") as tmp:
        paths = render_reports(results, Path(tmp), formats, config, rules=rules)
        delivery = new_delivery(ticket, paths, summary_markdown(to_dict(results)))
        if parse_ticket(str(ticket)).system == "github":
            from proposal_lint.report import FORMATS, ReportOptions, render

            if "markdown" in FORMATS:
                delivery.markdown_report = render("markdown", results, ReportOptions(rules=rules))
        return deliver(delivery, **kwargs)


def retry_outbox(*, env: Mapping[str, str] | None = None, log: Callable[[str], None] | None = None, config=None, transport=None) -> list[Outcome]:
    """Try every delivery in the outbox once more (each its remaining steps)."""
    root = outbox.outbox_dir(env)
    results = []
    for entry in outbox.entries(root):
        with outbox.locked(entry) as mine:
            if not mine:
                results.append(Outcome(entry.name, "busy", f"{entry.name}: being delivered by another process"))
                continue
            try:
                delivery = outbox.load(entry)
            except (OSError, ValueError, TypeError, KeyError) as exc:
                results.append(Outcome(entry.name, "failed", f"{entry}: unreadable outbox entry ({type(exc).__name__})", kind="rejected"))
                continue
            results.append(deliver(delivery, config=config, env=env, log=log, entry=entry, transport=transport))
    return results


class DeliveryFailed(Exception):
    """Raised by the watcher hook so the watcher logs it (one line, no secret)."""


def watch_hook(pattern: str | None = None, template: str | None = None, formats=None,
               log: Callable[[str], None] | None = None, inbox: str | os.PathLike | None = None):
    """A hook for the watched folder: `hook(report_set)` attaches the report
    set's files to the ticket named by a sidecar `<file>.ticket` or by
    `pattern`/`template` on the file name (see base.ticket_for_file), and
    first retries the outbox. Files with no ticket are left alone. A failed
    delivery is kept in the outbox and raised as DeliveryFailed."""
    from proposal_lint.tickets.base import ticket_for_file

    wanted = formats or os.environ.get("PROPOSAL_LINT_ATTACH_FORMATS") or DEFAULT_FORMATS
    if isinstance(wanted, str):
        wanted = [w.strip() for w in wanted.split(",") if w.strip()]

    def attach_tickets(report_set) -> None:
        # A sidecar dropped into the inbox next to the proposal ("quote.pdf.ticket")
        # travels to done/ with it once used; otherwise the file name decides.
        sidecar = Path(inbox) / (report_set.name + ".ticket") if inbox else None
        if sidecar is not None and sidecar.is_file():
            moved = Path(report_set.source).with_name(Path(report_set.source).name + ".ticket")
            os.replace(sidecar, moved)
        ref = ticket_for_file(report_set.source, pattern, template) or ticket_for_file(
            Path(report_set.source).with_name(report_set.name), pattern, template
        )
        if ref is None:
            return
        for outcome in retry_outbox(log=log):
            if not outcome.ok and log:
                log(outcome.message)
        paths = [p for fmt, p in report_set.reports.items() if fmt in wanted] or list(report_set.reports.values())
        outcome = attach_files(ref, paths, log=log)
        if not outcome.ok:
            raise DeliveryFailed(outcome.message)

    attach_tickets.__name__ = "attach-ticket"
    return attach_tickets

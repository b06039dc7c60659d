"""Pool workers: each loads the rules engine once, then lints one file at a time.

Workers are started with 'spawn' (or 'forkserver' where available), never
forked from a parent with threads (the watchfiles thread) or spaCy state.
The parent sends a Job, the worker answers with one tuple:

    ("ok", DocumentResult, {fmt: report text}, seconds)
    ("error", code, message)        the file is unreadable (IngestError)
    ("crash", summary, traceback)   a bug in proposal-lint on this file

The per-file time limit is the parent's: it kills a worker that takes too
long (a PDF parser can hang in C code, out of reach of any Python timeout)
and starts a fresh one. Workers ignore SIGINT and SIGTERM so that Ctrl-C or
`systemctl stop` lets them finish the current file; the parent decides.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class WorkerConfig:
    formats: tuple[str, ...]
    rule_dirs: tuple[str, ...] = ()
    password: str | None = None
    max_file_bytes: int = 100 * 1024 * 1024
    timeout_s: float = 60.0
    debug: bool = False


@dataclass(frozen=True)
class Job:
    path: str  # the claimed file in processing/
    name: str  # the name it arrived with (shown in reports)


_WARM_UP = (
    "# Proposal\n\nWe will fine-tune a model on your documents. "
    "We will evaluate it on 200 held-out tickets against a prompt baseline.\n"
)


def _quiet_libraries() -> None:
    import logging
    import warnings

    logging.getLogger().addHandler(logging.NullHandler())
    logging.getLogger().setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")


def _report_options(linter):
    import dataclasses

    from proposal_lint.report import ReportOptions

    extra = {}
    if "rules" in {f.name for f in dataclasses.fields(ReportOptions)}:
        extra["rules"] = tuple(linter.rules)
    return ReportOptions(color=False, width=100, quiet=False, show_errors=True, **extra)


def serve(conn, config: WorkerConfig) -> None:
    """Worker main: ("ready", load_seconds) or ("init-error", message), then jobs."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if not config.debug:
        _quiet_libraries()
    t0 = time.perf_counter()
    try:
        from proposal_lint.ingest import Limits, load_document
        from proposal_lint.lint import Linter
        from proposal_lint.model import IngestError
        from proposal_lint.report import render

        linter = Linter(extra_rule_dirs=[Path(d) for d in config.rule_dirs])
        options = _report_options(linter)
        limits = Limits(max_file_bytes=config.max_file_bytes, timeout_s=config.timeout_s)
        # Warm up (lazy imports, first-use caches, report templates) so the
        # first real file is as fast as the others and load time says it all.
        from proposal_lint.lint import document_from_text

        warm = linter.lint_one(document_from_text(_WARM_UP, "warm-up.md"))
        for fmt in config.formats:
            render(fmt, [warm], options)
    except Exception as exc:  # noqa: BLE001 - e.g. a bad --rules-dir
        conn.send(("init-error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", time.perf_counter() - t0))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if job is None:
            return
        started = time.perf_counter()
        try:
            doc = load_document(job.path, password=config.password, limits=limits)
            result = linter.lint_one(doc).model_copy(update={"path": job.name})
            reports = {fmt: render(fmt, [result], options) for fmt in config.formats}
            reply = ("ok", result, reports, time.perf_counter() - started)
        except IngestError as exc:
            reply = ("error", exc.code, exc.message)
        except Exception as exc:  # noqa: BLE001 - a bug, reported for this file only
            import traceback

            reply = ("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc())
        try:
            conn.send(reply)
        except (BrokenPipeError, EOFError, OSError):
            return
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
            conn.send(("crash", f"cannot return the result: {exc}", ""))


def mp_context(method: str | None = None):
    """'forkserver' where the platform has it (Linux), else 'spawn'."""
    if method:
        return multiprocessing.get_context(method)
    if "forkserver" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


@dataclass
class Worker:
    """The parent's handle on one pool process."""

    ident: int
    ctx: object
    config: WorkerConfig
    proc: object = None
    conn: object = None
    ready: bool = False
    load_s: float | None = None
    job: object = None  # the service's in-flight item, or None when idle
    deadline: float = 0.0
    started: float = field(default=0.0)

    def start(self) -> None:
        parent, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(
            target=serve, args=(child, self.config), daemon=True, name=f"proposal-lint-watch-{self.ident}"
        )
        self.proc.start()
        child.close()
        self.conn = parent
        self.ready = False
        self.job = None
        self.started = time.monotonic()

    @property
    def idle(self) -> bool:
        return self.ready and self.job is None

    def send(self, item, job: Job, timeout_s: float) -> None:
        self.job = item
        self.deadline = time.monotonic() + timeout_s
        self.conn.send(job)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.join(timeout=5)
        if self.conn is not None:
            self.conn.close()
        self.proc = self.conn = None
        self.ready = False

    def stop(self, wait_s: float = 2.0) -> None:
        """Ask an idle worker to exit; kill it if it does not."""
        if self.proc is None:
            return
        try:
            self.conn.send(None)
            self.proc.join(timeout=wait_s)
        except (OSError, ValueError):
            pass
        self.kill()

    def exit_description(self) -> str:
        from proposal_lint.runner import describe_exit

        return describe_exit(self.proc.exitcode if self.proc is not None else None)

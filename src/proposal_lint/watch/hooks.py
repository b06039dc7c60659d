"""Delivering a finished report set onward.

A hook is any callable taking a `ReportSet`. The watcher calls hooks after
the report set is complete and the source file is in done/, one at a time
on a background thread, so a slow or failing hook never stalls linting; a
hook that raises is logged and the next one still runs. Hooks run at most
once per report set: one interrupted by a kill is not retried.

`--on-report CMD` is `command_hook(CMD)`. Ticket delivery can be another
hook: build a callable and pass it to `Watcher(hooks=[...])`.
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ReportSet:
    name: str  # the file name as dropped into the inbox
    source: Path  # the file, now in done/
    sha256: str
    report_dir: Path
    reports: dict[str, Path]  # format -> report file
    verdict: str | None  # e.g. "rag"; None when the engine gave none
    findings: int  # active (not waived) findings
    result: object = field(default=None, repr=False)  # the DocumentResult

    def env(self) -> dict[str, str]:
        json_report = self.reports.get("json")
        return {
            "PROPOSAL_LINT_REPORT_DIR": str(self.report_dir),
            "PROPOSAL_LINT_JSON": str(json_report) if json_report else "",
            "PROPOSAL_LINT_SOURCE": str(self.source),
            "PROPOSAL_LINT_NAME": self.name,
            "PROPOSAL_LINT_SHA256": self.sha256,
            "PROPOSAL_LINT_VERDICT": self.verdict or "",
            "PROPOSAL_LINT_FINDINGS": str(self.findings),
            "PROPOSAL_LINT_REPORTS": os.pathsep.join(str(p) for p in self.reports.values()),
        }


Hook = Callable[[ReportSet], None]


class HookFailed(Exception):
    pass


def command_hook(cmd: str, timeout_s: float = 300.0) -> Hook:
    """Run `cmd` with the shell, with the report set in PROPOSAL_LINT_* variables."""

    def run(report_set: ReportSet) -> None:
        try:
            proc = subprocess.run(
                cmd,
                shell=True,
                env={**os.environ, **report_set.env()},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=timeout_s,
            )
        except subprocess.TimeoutExpired:
            raise HookFailed(f"--on-report command took longer than {timeout_s:g} s and was stopped") from None
        if proc.returncode != 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            detail = f": {' | '.join(tail)}" if tail else ""
            raise HookFailed(f"--on-report command exited with status {proc.returncode}{detail}")

    run.__name__ = "on-report"
    return run


class HookRunner:
    """Runs hooks for report sets in order on one daemon thread."""

    def __init__(self, hooks: list[Hook], on_error: Callable[[ReportSet, Hook, Exception], None]):
        self.hooks = list(hooks)
        self.on_error = on_error
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None

    def submit(self, report_set: ReportSet) -> None:
        if not self.hooks:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="proposal-lint-hooks", daemon=True)
            self._thread.start()
        self._queue.put(report_set)

    def _run(self) -> None:
        while True:
            report_set = self._queue.get()
            try:
                if report_set is None:
                    return
                for hook in self.hooks:
                    try:
                        hook(report_set)
                    except Exception as exc:  # noqa: BLE001 - never fatal
                        self.on_error(report_set, hook, exc)
            finally:
                self._queue.task_done()

    def close(self, wait_s: float = 30.0) -> None:
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout=wait_s)

"""The watch loop: find stable files, claim them, lint them in the pool, file
the results, log one line per file, and stop cleanly on SIGINT/SIGTERM.

One thread (this one) owns every move and every state write; the optional
watchfiles thread only adds names to a set of hints, and the hook thread
only reads finished report sets. So there are no races on the folders.
"""

from __future__ import annotations

import json
import os
import signal
import stat as statmod
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait as mp_wait
from pathlib import Path

from proposal_lint.watch import inbox as ib
from proposal_lint.watch.hooks import Hook, HookRunner, ReportSet
from proposal_lint.watch.state import State
from proposal_lint.watch.worker import Job, Worker, WorkerConfig, mp_context

# Report file suffix per format; an unknown (new) format gets ".<name>".
REPORT_SUFFIXES = {"json": ".json", "html": ".html", "sarif": ".sarif", "markdown": ".md", "text": ".txt"}
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})

EXIT_OK = 0
EXIT_FATAL = 2


@dataclass
class WatchOptions:
    inbox: Path
    formats: tuple[str, ...]
    worker: WorkerConfig
    reports: Path | None = None
    workers: int = 1
    poll: bool = False
    stable_s: float = 3.0
    rescan_s: float = 30.0
    log_format: str = "text"
    quiet: bool = False
    queue_size: int | None = None  # claimed files waiting for a worker; default 2 x workers
    start_method: str | None = None


@dataclass
class Item:
    claim: Path  # processing/<token>-<name>
    name: str
    size: int
    sha256: str
    received: str = field(default_factory=ib.now_iso)


class Log:
    """One line per event on stderr: readable text, or JSON lines."""

    QUIET_EVENTS = frozenset({"failed", "warning", "hook-failed", "error", "stopped", "ready"})

    def __init__(self, fmt: str = "text", stream=None, quiet: bool = False):
        self.fmt = fmt
        self.stream = stream or sys.stderr
        self.quiet = quiet

    def __call__(self, event: str, message: str, **fields) -> None:
        if self.quiet and event not in self.QUIET_EVENTS:
            return
        now = time.time()
        if self.fmt == "json":
            line = json.dumps({"ts": round(now, 3), "event": event, **fields, "message": message}, ensure_ascii=False)
        else:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
            line = f"{stamp} {event:<11} {message}"
        try:
            self.stream.write(line + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass


def _kb(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    return f"{size / 1000:.1f} kB" if size < 1_000_000 else f"{size / 1e6:.1f} MB"


class Watcher:
    def __init__(self, options: WatchOptions, hooks: list[Hook] = (), log: Log | None = None):
        self.opts = options
        self.layout = ib.Layout(options.inbox, options.reports)
        self.log = log or Log(options.log_format, quiet=options.quiet)
        self.state = State(self.layout.state)
        self.hooks = HookRunner(list(hooks), self._hook_failed)
        self.tracker = ib.StabilityTracker(options.stable_s)
        self.candidates: set[str] = set()
        self.queue: deque[Item] = deque()
        self.queue_size = options.queue_size or 2 * options.workers
        self.workers: list[Worker] = []
        self.stopping = 0  # signals received
        self.fatal: str | None = None
        self._hints: set[str] = set()
        self._hints_lock = threading.Lock()
        self._stop_events = threading.Event()
        self._events_thread: threading.Thread | None = None
        self._polling = options.poll
        self._next_scan = 0.0
        self._warned_dirs: set[str] = set()
        self._announced_ready = False
        self._init_failures = 0

    # ---- entry point -----------------------------------------------------------

    def run(self) -> int:
        """Watch until SIGINT/SIGTERM; returns the process exit code."""
        self.layout.create()
        self.state.open()  # may raise AlreadyRunning
        old = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            mode = "polling" if self._polling else "file events + rescans"
            self.log(
                "started",
                f"watching {self.layout.inbox} ({mode}; {self.opts.workers} worker(s); "
                f"formats {', '.join(self.opts.formats)}; reports in {self.layout.report_dir})",
                inbox=str(self.layout.inbox), workers=self.opts.workers, formats=list(self.opts.formats),
            )
            self._recover()
            ctx = mp_context(self.opts.start_method)
            self.workers = [Worker(i, ctx, self.opts.worker) for i in range(self.opts.workers)]
            for w in self.workers:
                w.start()
            if not self._polling:
                self._start_events()
            self._loop()
        finally:
            self._shutdown()
            for s, h in old.items():
                signal.signal(s, h)
        return EXIT_FATAL if self.fatal else EXIT_OK

    def _on_signal(self, signum, frame) -> None:
        self.stopping += 1

    def _hook_failed(self, report_set: ReportSet, hook: Hook, exc: Exception) -> None:
        name = getattr(hook, "__name__", "hook")
        self.log("hook-failed", f"{report_set.name}: {name} failed: {exc}", file=report_set.name,
                 hook=name, error=str(exc))

    # ---- the loop --------------------------------------------------------------

    @property
    def _tick(self) -> float:
        return max(0.05, min(0.25, self.opts.stable_s / 4))

    @property
    def _scan_every(self) -> float:
        if self._polling:
            return max(0.2, min(1.0, self.opts.stable_s / 2))
        return self.opts.rescan_s

    def _loop(self) -> None:
        announced_stop = False
        while True:
            if self.fatal:
                return
            if self.stopping:
                if not announced_stop:
                    announced_stop = True
                    busy = sum(1 for w in self.workers if w.job is not None)
                    self.log("stopping", f"stopping: finishing {busy} file(s) in progress, handing back {len(self.queue)} queued")
                    self._hand_back_queue()
                if self.stopping > 1 or not any(w.job is not None for w in self.workers):
                    return
            else:
                now = time.monotonic()
                if now >= self._next_scan:
                    self._scan()
                    self._next_scan = now + self._scan_every
                self._take_hints()
                self._check_candidates(now)
                self._dispatch()
            self._collect(self._tick)
            self._check_deadlines()

    def _scan(self) -> None:
        files, subdirs = ib.scan(self.layout.inbox)
        self.candidates.update(files)
        for d in subdirs:
            if self.layout.inbox / d == self.layout.report_dir:
                continue  # --reports inside the inbox
            if d not in self._warned_dirs:
                self._warned_dirs.add(d)
                self.log("warning", f"{d}/: subfolders are not watched; drop files directly into the inbox", file=d)

    def _take_hints(self) -> None:
        with self._hints_lock:
            hints, self._hints = self._hints, set()
        self.candidates.update(h for h in hints if not ib.is_ignored(h))

    def _check_candidates(self, now: float) -> None:
        for name in sorted(self.candidates):
            try:
                st = os.stat(self.layout.inbox / name, follow_symlinks=False)
            except OSError:
                self.candidates.discard(name)
                self.tracker.forget(name)
                continue
            if not statmod.S_ISREG(st.st_mode):
                self.candidates.discard(name)
                self.tracker.forget(name)
                continue
            if not self.tracker.observe(name, st.st_size, st.st_mtime_ns, now):
                continue
            if len(self.queue) >= self.queue_size:
                return  # bounded: the rest wait in the inbox
            self.candidates.discard(name)
            self.tracker.forget(name)
            path = ib.claim(self.layout, name)
            if path is None:
                continue
            self.log("received", f"{name} ({_kb(st.st_size)})", file=name, size=st.st_size)
            self._safely(self._prepare, path, name)

    def _safely(self, fn, *args) -> None:
        """One file's trouble (a full disk, a bug) is logged, never fatal."""
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001
            self.log("error", f"internal error: {type(exc).__name__}: {exc}", error=f"{type(exc).__name__}: {exc}")

    # ---- one file ----------------------------------------------------------------

    def _prepare(self, path: Path, name: str) -> None:
        """Hash and sniff a claimed file; queue it, or file it as duplicate/failed."""
        from proposal_lint import ingest
        from proposal_lint.model import IngestError

        try:
            size = path.stat().st_size
            with path.open("rb") as fh:
                head = fh.read(4096)
            sha = ingest.sha256_file(path)
        except OSError as exc:
            item = Item(path, name, 0, "")
            self._fail(item, "unreadable", f"cannot read the file: {exc.strerror}")
            return
        item = Item(path, name, size, sha)
        earlier = self.state.earlier(sha, self.layout.report_dir)
        if earlier is not None:
            self._duplicate(item, earlier)
            return
        kind = ingest.sniff(head)
        suffix = Path(name).suffix.lower()
        if kind in ("zip", "text") and suffix not in ingest.SUPPORTED_SUFFIXES:
            what = "a ZIP container (for example .xlsx, .pptx or .odt)" if kind == "zip" else "a text file"
            shown = f"the suffix {suffix}" if suffix else "no suffix"
            self._fail(
                item, "unsupported-format",
                f"this is {what} with {shown}; proposal-lint reads PDF, Word (.docx, .docm), "
                "plain-text (.txt) and Markdown (.md) files",
            )
            return
        if kind not in ("pdf", "zip", "text"):
            # empty, legacy .doc/OLE, RTF, unrecognised: ingest explains without parsing
            try:
                ingest.load_document(path, limits=ingest.Limits(max_file_bytes=self.opts.worker.max_file_bytes))
            except IngestError as exc:
                self._fail(item, exc.code, exc.message)
                return
        self.queue.append(item)

    def _dispatch(self, filing: str | None = None) -> None:
        busy = {w.job.sha256 for w in self.workers if w.job is not None}
        if filing:  # finished, not yet in the index: a queued copy must still wait
            busy.add(filing)
        for w in self.workers:
            if not w.idle:
                continue
            for i, item in enumerate(self.queue):
                if item.sha256 not in busy:  # identical bytes wait for the first copy
                    del self.queue[i]
                    break
            else:
                return
            busy.add(item.sha256)
            try:
                w.send(item, Job(str(item.claim), item.name), self.opts.worker.timeout_s)
            except OSError:
                w.job = item  # the worker is dead: _collect files it as such
                w.deadline = 0.0

    def _collect(self, timeout: float) -> None:
        handles = [w.conn for w in self.workers if w.conn is not None]
        handles += [w.proc.sentinel for w in self.workers if w.proc is not None]
        if handles:
            mp_wait(handles, timeout)
        else:
            time.sleep(timeout)
        for w in self.workers:
            if w.proc is None:
                continue
            msg = None
            try:
                if w.conn.poll():
                    msg = w.conn.recv()
            except (EOFError, OSError):
                msg = None
            if msg is None:
                if not w.proc.is_alive():
                    self._worker_died(w)
                continue
            self._safely(self._on_message, w, msg)

    def _on_message(self, w: Worker, msg: tuple) -> None:
        kind = msg[0]
        if kind == "ready":
            w.ready = True
            w.load_s = msg[1]
            self._init_failures = 0
            if self._announced_ready:  # a replacement for a killed or crashed worker
                self.log("ready", f"worker {w.ident} replaced (rules engine loaded in {w.load_s:.1f} s)",
                         worker=w.ident, load_seconds=[round(w.load_s, 3)])
            elif all(x.ready for x in self.workers):
                self._announced_ready = True
                loads = ", ".join(f"{x.load_s:.1f}" for x in self.workers)
                self.log("ready", f"{len(self.workers)} worker(s) ready (rules engine loaded in {loads} s)",
                         load_seconds=[round(x.load_s, 3) for x in self.workers])
            return
        if kind == "init-error":
            self.fatal = msg[1]
            self.log("error", f"cannot start the rules engine: {msg[1]}", error=msg[1])
            return
        item, w.job = w.job, None
        if item is None:
            return
        if not self.stopping:
            self._dispatch(filing=item.sha256)  # keep the worker busy while we file the result
        if kind == "ok":
            try:
                self._done(item, msg[1], msg[2], msg[3])
            except OSError as exc:  # e.g. a full disk: say so next to the file
                self._fail(item, "write-error", f"could not write the reports: {exc}")
        elif kind == "error":
            self._fail(item, msg[1], msg[2])
        else:
            self._fail(item, "internal-error",
                       f"proposal-lint hit a bug on this file ({msg[1]}); please report it with the file if you can")

    def _worker_died(self, w: Worker) -> None:
        item = w.job
        how = w.exit_description()
        w.kill()
        if item is None and not self._announced_ready and not w.ready:
            self._init_failures += 1
            if self._init_failures >= 3:
                self.fatal = f"worker process failed to start three times ({how})"
                self.log("error", self.fatal, error=self.fatal)
                return
        if item is not None:
            self._safely(self._fail, item, "corrupt",
                         f"the worker process died reading this file ({how}); the file is probably damaged")
        if not self.stopping:
            w.start()

    def _check_deadlines(self) -> None:
        now = time.monotonic()
        for w in self.workers:
            if w.job is not None and w.deadline and now > w.deadline:
                item = w.job
                w.kill()
                limit = self.opts.worker.timeout_s
                self._safely(self._fail, item, "timeout",
                             f"reading and linting took longer than {limit:g} s (raise --timeout)")
                if not self.stopping:
                    w.start()

    # ---- filing results ----------------------------------------------------------------

    def _report_paths(self, name: str, sha: str, formats) -> dict[str, Path]:
        stem = Path(name).stem or name
        key = f"{stem}.{sha[:12]}"
        return {fmt: self.layout.report_dir / f"{key}{REPORT_SUFFIXES.get(fmt, '.' + fmt)}" for fmt in formats}

    def _done(self, item: Item, result, reports: dict[str, str], seconds: float) -> None:
        paths = self._report_paths(item.name, item.sha256, reports)
        for fmt, text in reports.items():
            ib.atomic_write(paths[fmt], text)
        active = [f for f in result.findings if getattr(f, "suppressed", None) is None]
        by_sev = Counter(f.severity.value for f in active)
        verdict = result.verdict.recommendation.value if result.verdict else None
        dest = ib.unique_path(self.layout.done, item.name)
        record = {
            "sha256": item.sha256, "name": item.name, "claim": item.claim.name,
            "reports": [str(p) for p in paths.values()], "verdict": verdict,
            "findings": len(active), "by_severity": dict(by_sev), "received": item.received, "at": ib.now_iso(),
        }
        self.state.append({"op": "pending", "claim": item.claim.name, "action": "done", "dest": str(dest), "record": record})
        os.rename(item.claim, dest)
        self.state.append({"op": "done", **record, "file": str(dest)})
        sev = ", ".join(f"{n} {s}" for s, n in sorted(by_sev.items()))
        self.log(
            "done",
            f"{item.name}: verdict {verdict or 'none'}, {len(active)} finding(s){f' ({sev})' if sev else ''}, "
            f"{seconds:.1f} s -> {self.layout.rel(dest)}",
            file=item.name, sha256=item.sha256, verdict=verdict, findings=len(active), by_severity=dict(by_sev),
            seconds=round(seconds, 3), moved_to=str(dest), reports=[str(p) for p in paths.values()],
        )
        self.hooks.submit(ReportSet(
            name=item.name, source=dest, sha256=item.sha256, report_dir=self.layout.report_dir,
            reports=paths, verdict=verdict, findings=len(active), result=result,
        ))

    def _fail(self, item: Item, code: str, message: str) -> None:
        dest = ib.unique_path(self.layout.failed, item.name, companions=(".error.txt",))
        note = (
            f'proposal-lint could not lint "{item.name}".\n\n'
            f"Why: {message}\n\n"
            f"Error code: {code}\nReceived: {item.received}\n"
            + (f"sha256: {item.sha256}\n" if item.sha256 else "")
            + "\nTo try again, fix the file (or save it as PDF or .docx) and drop it into the inbox again.\n"
        )
        self._move_with_note(item, "failed", dest, ".error.txt", note)
        self.log("failed", f"{item.name}: {message} [{code}] -> {self.layout.rel(dest)}",
                 file=item.name, code=code, reason=message, moved_to=str(dest))

    def _duplicate(self, item: Item, earlier: dict) -> None:
        dest = ib.unique_path(self.layout.duplicates, item.name, companions=(".duplicate.txt",))
        reports = "".join(f"  {r}\n" for r in earlier.get("reports", []))
        note = (
            f'"{item.name}" has exactly the same content (sha256 {item.sha256}) as "{earlier.get("name")}",\n'
            f"which proposal-lint already linted ({earlier.get('at')}; verdict {earlier.get('verdict')}, "
            f"{earlier.get('findings')} finding(s)).\n\n"
            f"Its reports:\n{reports}\n"
            "It was moved here instead of being linted again. To have it linted again, delete those\n"
            "reports and drop the file into the inbox again.\n"
        )
        self._move_with_note(item, "duplicate", dest, ".duplicate.txt", note)
        self.log("duplicate", f"{item.name}: same content as {earlier.get('name')}, already reported -> {self.layout.rel(dest)}",
                 file=item.name, sha256=item.sha256, earlier=earlier.get("name"), reports=earlier.get("reports", []),
                 moved_to=str(dest))

    def _move_with_note(self, item: Item, action: str, dest: Path, note_suffix: str, note: str) -> None:
        rec = {"op": "pending", "claim": item.claim.name, "action": action, "dest": str(dest),
               "note_suffix": note_suffix, "note": note}
        self.state.append(rec)
        ib.atomic_write(Path(f"{dest}{note_suffix}"), note)
        os.rename(item.claim, dest)
        self.state.append({"op": "clear", "claim": item.claim.name})

    # ---- restart safety ------------------------------------------------------------

    def _recover(self) -> None:
        """Finish the moves a kill interrupted; re-queue what is left in processing/."""
        for folder in {self.layout.report_dir, self.layout.done, self.layout.failed, self.layout.duplicates}:
            ib.remove_stale_temp_files(folder)
        for rec in list(self.state.pending.values()):
            self._safely(self._finish_pending, rec)
        for entry in sorted(os.scandir(self.layout.processing), key=lambda e: e.name):
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            name = ib.original_name(entry.name)
            self.log("requeued", f"{name}: left in processing/ by an earlier run, linting it again", file=name)
            self._safely(self._prepare, Path(entry.path), name)

    def _finish_pending(self, rec: dict) -> None:
        claim = self.layout.processing / rec["claim"]
        dest = Path(rec["dest"])
        if rec["action"] == "done":
            if claim.exists():
                if dest.exists():
                    dest = ib.unique_path(self.layout.done, dest.name)
                os.rename(claim, dest)
            elif not dest.exists():
                self.state.append({"op": "clear", "claim": rec["claim"]})
                return
            self.state.append({"op": "done", **rec["record"], "file": str(dest)})
            self.log("recovered", f"{rec['record']['name']}: finished filing it -> {self.layout.rel(dest)}",
                     file=rec["record"]["name"], moved_to=str(dest))
            return
        note_path = Path(f"{dest}{rec['note_suffix']}")
        if claim.exists():
            if dest.exists():
                folder = dest.parent
                dest = ib.unique_path(folder, ib.original_name(rec["claim"]), companions=(rec["note_suffix"],))
                note_path = Path(f"{dest}{rec['note_suffix']}")
            ib.atomic_write(note_path, rec["note"])
            os.rename(claim, dest)
        elif not note_path.exists():
            ib.atomic_write(note_path, rec["note"])
        self.state.append({"op": "clear", "claim": rec["claim"]})

    # ---- events ----------------------------------------------------------------

    def _start_events(self) -> None:
        self._events_thread = threading.Thread(target=self._events, name="proposal-lint-events", daemon=True)
        self._events_thread.start()

    def _events(self) -> None:
        inbox = str(self.layout.inbox)
        try:
            import watchfiles

            for changes in watchfiles.watch(
                inbox, watch_filter=None, recursive=False, debounce=200, step=50, rust_timeout=1000,
                stop_event=self._stop_events, raise_interrupt=False,
            ):
                names = {os.path.basename(p) for _, p in changes if os.path.dirname(p) == inbox}
                with self._hints_lock:
                    self._hints |= names
        except Exception as exc:  # noqa: BLE001 - e.g. inotify limits; polling still works
            if not self._stop_events.is_set():
                self._polling = True
                self.log("warning", f"file events unavailable ({type(exc).__name__}: {exc}); polling the inbox instead")

    # ---- shutdown ----------------------------------------------------------------

    def _hand_back(self, item: Item) -> None:
        target = self.layout.inbox / item.name
        if target.exists() or not item.claim.exists():
            self.log("warning", f"{item.name}: left in processing/ (the inbox has a new file of that name); "
                     "it is linted on the next start", file=item.name)
            return
        os.rename(item.claim, target)
        self.log("handed-back", f"{item.name}: not started, moved back to the inbox", file=item.name)

    def _hand_back_queue(self) -> None:
        while self.queue:
            self._safely(self._hand_back, self.queue.popleft())

    def _shutdown(self) -> None:
        self._stop_events.set()
        self._hand_back_queue()
        for w in self.workers:
            if w.job is not None:
                item, w.job = w.job, None
                w.kill()
                self._safely(self._hand_back, item)
            else:
                w.stop()
        if self._events_thread is not None:
            self._events_thread.join(timeout=3)
        self.hooks.close(wait_s=5 if self.stopping > 1 else 30)
        self.state.close()
        reason = f" ({self.fatal})" if self.fatal else ""
        self.log("stopped", f"stopped{reason}")

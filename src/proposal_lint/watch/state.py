"""What the watcher remembers across restarts: INBOX/.proposal-lint/state.jsonl.

An append-only JSON-lines journal, fsynced after each line and replayed on
start (then compacted into a fresh file by atomic replace). Three records:

    {"op": "pending", "claim": C, "action": "done"|"failed"|"duplicate", "dest": D, ...}
        about to move processing/C to D (its reports or note are already written)
    {"op": "done", "sha256": S, "claim": C, "file": D, "reports": [...], ...}
        processing/C is now D: S has a complete report set (clears C's pending)
    {"op": "clear", "claim": C}
        C's move is finished (failed/duplicate)

A kill at any point leaves either no pending record (the file is still in
processing/ and is simply linted again; its reports, named by sha256, are
overwritten whole) or a pending record whose move the next start completes.
Appending one line is the only write, so a kill mid-write costs at most a
torn last line, which replay ignores.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from proposal_lint.watch.inbox import atomic_write

STATE_FILE = "state.jsonl"
LOCK_FILE = "lock"


class AlreadyRunning(Exception):
    pass


class State:
    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / STATE_FILE
        self.index: dict[str, dict] = {}  # sha256 -> latest "done" record
        self.pending: dict[str, dict] = {}  # claim -> "pending" record
        self._fh = None
        self._lines = 0
        self._lock_fd: int | None = None

    # ---- lifecycle ----

    def open(self) -> None:
        """Take the inbox lock, replay the journal, compact it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock()
        if self.path.exists():
            with self.path.open("rb") as fh:
                for raw in fh:
                    try:
                        rec = json.loads(raw)
                    except ValueError:
                        continue  # a torn last line from a kill mid-write
                    self._apply(rec)
        self.compact()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # Windows: no lock; run one watcher per inbox
            return
        fd = os.open(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise AlreadyRunning(
                f"another proposal-lint watch is already using this inbox (lock: {self.folder / LOCK_FILE})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def compact(self) -> None:
        lines = [json.dumps(r, sort_keys=True) for r in self.index.values()]
        lines += [json.dumps(r, sort_keys=True) for r in self.pending.values()]
        if self._fh is not None:
            self._fh.close()
        atomic_write(self.path, "".join(line + "\n" for line in lines))
        self._fh = self.path.open("a", encoding="utf-8")
        self._lines = len(lines)

    # ---- records ----

    def _apply(self, rec: dict) -> None:
        op = rec.get("op")
        if op == "pending":
            self.pending[rec["claim"]] = rec
        elif op == "done":
            self.index[rec["sha256"]] = rec
            self.pending.pop(rec.get("claim"), None)
        elif op == "clear":
            self.pending.pop(rec["claim"], None)

    def append(self, rec: dict) -> None:
        self._apply(rec)
        self._fh.write(json.dumps(rec, sort_keys=True) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._lines += 1
        if self._lines > 2 * (len(self.index) + len(self.pending)) + 1000:
            self.compact()

    def earlier(self, sha256: str, report_root: Path) -> dict | None:
        """The earlier report set for these bytes, if its reports still exist
        (delete them, or the state folder, to have a file linted again)."""
        rec = self.index.get(sha256)
        if rec is None:
            return None
        if not any((report_root / r).exists() or Path(r).exists() for r in rec.get("reports", [])):
            return None
        return rec

"""The inbox on disk: layout, ignore rules, stability, claiming, atomic writes.

    INBOX/                 drop files here (top level only)
      processing/          claimed files, renamed to <token>-<name>
      done/                linted files and (by default) their reports
      failed/              unreadable files, each with NAME.error.txt
      duplicates/          same bytes as an earlier file, with NAME.duplicate.txt
      .proposal-lint/      state (sha256 index + journal) and the lock file

Every move is an `os.rename` inside one file system, so it is atomic: a file
is in exactly one place at any moment, whatever kills the process.
"""

from __future__ import annotations

import fnmatch
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from proposal_lint.fsutil import atomic_write  # noqa: F401  (the watcher writes through ib.atomic_write)

# Names never touched: editors' and office suites' lock and temp files,
# partial downloads, OS metadata, and anything hidden.
IGNORE_PATTERNS = (
    "~$*",  # MS Office owner/lock file
    ".~lock*",  # LibreOffice lock file
    "*.part",  # Firefox, KDE, rsync partial
    "*.crdownload",  # Chrome partial download
    "*.tmp",
    "._*",  # macOS AppleDouble on SMB/FAT
    "thumbs.db",
    "desktop.ini",
    ".ds_store",
    "@eadir",  # Synology thumbnails
    "*.ticket",  # ticket sidecar ("quote.pdf.ticket" says which ticket gets the reports)
    ".*",  # hidden files, including our own temp files and state folder
)

RESERVED_DIRS = ("processing", "done", "failed", "duplicates")
STATE_DIR = ".proposal-lint"
_TOKEN_LEN = 16  # hex characters of a claim token


def is_ignored(name: str) -> bool:
    lower = name.lower()
    return any(fnmatch.fnmatchcase(lower, pattern) for pattern in IGNORE_PATTERNS)


@dataclass(frozen=True)
class Layout:
    inbox: Path
    reports: Path | None = None  # None: reports go into done/ next to the file

    @property
    def processing(self) -> Path:
        return self.inbox / "processing"

    @property
    def done(self) -> Path:
        return self.inbox / "done"

    @property
    def failed(self) -> Path:
        return self.inbox / "failed"

    @property
    def duplicates(self) -> Path:
        return self.inbox / "duplicates"

    @property
    def state(self) -> Path:
        return self.inbox / STATE_DIR

    @property
    def report_dir(self) -> Path:
        return self.reports if self.reports is not None else self.done

    def create(self) -> None:
        for d in (self.processing, self.done, self.failed, self.duplicates, self.state, self.report_dir):
            d.mkdir(parents=True, exist_ok=True)

    def rel(self, path: Path) -> str:
        """A path as shown in logs and notes: relative to the inbox when inside it."""
        try:
            return str(path.relative_to(self.inbox))
        except ValueError:
            return str(path)


# ---- claiming -------------------------------------------------------------------


def claim_name(name: str) -> str:
    """processing/ name for `name`: unique even if the same name arrives again."""
    return f"{secrets.token_hex(_TOKEN_LEN // 2)}-{name}"


def original_name(claim: str) -> str:
    token, sep, rest = claim.partition("-")
    if sep and len(token) == _TOKEN_LEN and rest and all(c in "0123456789abcdef" for c in token):
        return rest
    return claim  # a file someone put into processing/ by hand


def claim(layout: Layout, name: str) -> Path | None:
    """Atomically move INBOX/name into processing/; None if it vanished meanwhile."""
    target = layout.processing / claim_name(name)
    try:
        os.rename(layout.inbox / name, target)
    except FileNotFoundError:
        return None
    return target


def unique_path(folder: Path, name: str, companions: tuple[str, ...] = ()) -> Path:
    """folder/name, or folder/stem-2.ext, -3... so nothing is ever overwritten.

    `companions` are suffixes that must be free too (e.g. ".error.txt").
    """
    stem, suffix = os.path.splitext(name)
    n = 1
    while True:
        candidate = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
        if not candidate.exists() and not any(Path(f"{candidate}{c}").exists() for c in companions):
            return candidate
        n += 1


# ---- atomic writes --------------------------------------------------------------

_TEMP_RE = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")  # atomic_write's mkstemp names


def remove_stale_temp_files(folder: Path) -> list[str]:
    """Delete temp files an atomic_write killed mid-way left behind (run under the lock)."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return removed
    for entry in entries:
        if _TEMP_RE.match(entry.name) and entry.is_file(follow_symlinks=False):
            try:
                os.unlink(entry.path)
                removed.append(entry.name)
            except OSError:
                pass
    return removed


# ---- scanning and stability -----------------------------------------------------


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float  # monotonic time this (size, mtime) was first seen


@dataclass
class StabilityTracker:
    """A file is ready once its size and mtime have not changed for `stable_s`."""

    stable_s: float
    seen: dict[str, _Seen] = field(default_factory=dict)

    def observe(self, name: str, size: int, mtime_ns: int, now: float) -> bool:
        prev = self.seen.get(name)
        if prev is None or prev.size != size or prev.mtime_ns != mtime_ns:
            self.seen[name] = _Seen(size, mtime_ns, now)
            return self.stable_s <= 0
        return now - prev.since >= self.stable_s

    def forget(self, name: str) -> None:
        self.seen.pop(name, None)


def scan(inbox: Path) -> tuple[list[str], list[str]]:
    """Top-level regular files worth considering, and unexpected subfolders."""
    files, subdirs = [], []
    try:
        entries = list(os.scandir(inbox))
    except FileNotFoundError:
        return [], []
    for entry in entries:
        if is_ignored(entry.name):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in RESERVED_DIRS:
                    subdirs.append(entry.name)
            elif entry.is_file(follow_symlinks=False):
                files.append(entry.name)
        except OSError:
            continue
    return sorted(files), sorted(subdirs)


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")

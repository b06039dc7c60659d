"""Deliveries that failed, kept on disk until `attach --retry-outbox` (or the
watcher) delivers them.

One folder per delivery, named `<system>-<key[:24]>` (the same report for
the same ticket is one entry, however often it failed), holding
`delivery.json` (ticket, files, comment, the steps already done) and
`files/` with copies of the reports, so a temporary report folder may go.
No credentials are ever written: settings are read again when retried.

Location: $PROPOSAL_LINT_OUTBOX, else $XDG_STATE_HOME/proposal-lint/outbox,
else ~/.local/state/proposal-lint/outbox. Folders are private (0700).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, Mapping

from proposal_lint.tickets.base import Delivery

ENTRY_FILE = "delivery.json"


def outbox_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("PROPOSAL_LINT_OUTBOX"):
        return Path(env["PROPOSAL_LINT_OUTBOX"])
    state = env.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "proposal-lint" / "outbox"


def entry_name(delivery: Delivery) -> str:
    return f"{delivery.ticket.split(':', 1)[0]}-{delivery.key[:24]}"


def save(delivery: Delivery, root: Path) -> Path:
    """Write (or update) the entry for `delivery`; copies its files in first."""
    entry = root / entry_name(delivery)
    files = entry / "files"
    files.mkdir(parents=True, exist_ok=True)
    for d in (root, entry, files):
        os.chmod(d, 0o700)
    for i, f in enumerate(delivery.files):
        src = Path(f.path)
        if src.parent.resolve() != files.resolve():
            dst = files / f"{i:02d}-{f.name}"
            shutil.copyfile(src, dst)
            f.path = str(dst)
    write(delivery, entry)
    return entry


def write(delivery: Delivery, entry: Path) -> None:
    """Atomically replace the entry's delivery.json (called after each step)."""
    fd, tmp = tempfile.mkstemp(dir=entry, prefix=".delivery-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(delivery.to_json(), fh, indent=2)
    os.replace(tmp, entry / ENTRY_FILE)


def entries(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted((p for p in root.iterdir() if (p / ENTRY_FILE).is_file()), key=lambda p: (p / ENTRY_FILE).stat().st_mtime)


def load(entry: Path) -> Delivery:
    return Delivery.from_json(json.loads((entry / ENTRY_FILE).read_text(encoding="utf-8")))


def remove(entry: Path) -> None:
    shutil.rmtree(entry, ignore_errors=True)


@contextlib.contextmanager
def locked(entry: Path) -> Iterator[bool]:
    """Yields False when another process (the watcher, another retry) holds it."""
    import fcntl

    fh = open(entry / ".lock", "a")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        fh.close()

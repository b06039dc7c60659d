"""Finding input files, and extracting each one under a time limit.

Extraction runs in a child process because PDF and DOCX parsers can hang in
C code where no Python-level timeout reaches; the only dependable limit is
to kill the process. One worker is forked and reused across files (a fork
per file would pay the parser imports every time) and is replaced after a
timeout or crash.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import traceback
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from proposal_lint import ingest
from proposal_lint.model import Document, IngestError

_SKIP_PREFIXES = (".", "~$", ".~lock")  # hidden files, Office lock/temp files


def discover(args: Iterable[str]) -> tuple[list[str], list[str]]:
    """Expand command-line arguments into files to lint.

    Directories are walked recursively for supported suffixes, in sorted
    order, skipping hidden and Office temp files. Anything else named on the
    command line is kept as given (sniffing decides; a missing file becomes
    a not-found error later). Returns (files, warnings).
    """
    files: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()

    def add(p: str) -> None:
        key = os.path.realpath(p)
        if key not in seen:
            seen.add(key)
            files.append(p)

    for arg in args:
        if not os.path.isdir(arg):
            add(arg)
            continue
        found = 0
        for root, dirs, names in os.walk(arg):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if name.startswith(_SKIP_PREFIXES):
                    continue
                if Path(name).suffix.lower() in ingest.SUPPORTED_SUFFIXES:
                    add(os.path.join(root, name))
                    found += 1
        if not found:
            notes.append(f"{arg}: no PDF, DOCX, text or Markdown files found in this folder")
    return files, notes


class ExtractorCrash(Exception):
    """Unexpected exception inside extraction: a bug, not a bad input."""

    def __init__(self, summary: str, trace: str):
        super().__init__(summary)
        self.summary = summary
        self.trace = trace

    def __reduce__(self):
        return (ExtractorCrash, (self.summary, self.trace))


@dataclass(frozen=True)
class _Request:
    path: str
    password: str | None
    limits: ingest.Limits


def _serve(conn, quiet_libraries: bool) -> None:
    """Worker loop: one request in, one ("ok"|"error"|"crash", payload) out."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    if quiet_libraries:
        # pdfminer and friends log and warn about every odd font; the user
        # gets our one-line error instead. --debug keeps them.
        logging.getLogger().addHandler(logging.NullHandler())
        logging.getLogger().setLevel(logging.CRITICAL)
        warnings.simplefilter("ignore")
    while True:
        try:
            req = conn.recv()
        except (EOFError, OSError):
            return
        if req is None:
            return
        try:
            reply = ("ok", ingest.load_document(req.path, password=req.password, limits=req.limits))
        except IngestError as exc:
            reply = ("error", exc)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent as a bug
            reply = ("crash", ExtractorCrash(f"{type(exc).__name__}: {exc}", traceback.format_exc()))
        try:
            conn.send(reply)
        except Exception as exc:  # e.g. an unpicklable object in the Document
            conn.send(("crash", ExtractorCrash(f"cannot return the result: {exc}", traceback.format_exc())))


def _mp_context():
    try:
        return multiprocessing.get_context("fork")
    except ValueError:  # Windows
        return multiprocessing.get_context("spawn")


class Extractor:
    """Runs `ingest.load_document` in a reusable worker process with a time limit.

    Use as a context manager. `extract` returns a Document or raises
    IngestError (bad input, including "timeout") or ExtractorCrash (a bug).
    """

    def __init__(self, *, password: str | None = None, limits: ingest.Limits = ingest.Limits(), debug: bool = False):
        self.password = password
        self.limits = limits
        self.debug = debug
        self._proc = None
        self._conn = None

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        ctx = _mp_context()
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, not self.debug), daemon=True, name="proposal-lint-extract")
        self._proc.start()
        child.close()
        self._conn = parent

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join()
            self._conn.close()
        self._proc = self._conn = None

    def close(self) -> None:
        if self._proc is None:
            return
        try:
            self._conn.send(None)
            self._proc.join(timeout=2)
        except OSError:
            pass
        self._kill()

    def extract(self, path: str) -> Document:
        if self._proc is None:
            self._start()
        timeout = self.limits.timeout_s
        try:
            self._conn.send(_Request(path, self.password, self.limits))
            ready = self._conn.poll(timeout)
        except OSError:
            ready = True  # broken pipe: the worker died; recv below reports it
        if not ready:
            self._kill()
            raise IngestError("timeout", f"extraction took longer than {timeout:g} s (raise --timeout)")
        try:
            kind, payload = self._conn.recv()
        except (EOFError, OSError):
            self._proc.join(timeout=2)
            how = describe_exit(self._proc.exitcode)
            self._kill()
            raise IngestError(
                "corrupt", f"the extractor process died reading this file ({how}); the file is probably damaged"
            ) from None
        if kind == "ok":
            return payload
        raise payload


def describe_exit(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"

"""Shared fixtures: repository paths, a real-CLI runner, tiny generated inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"  # CI lays shared/ beside the clone
CORPUS = SHARED / "corpus"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    assert CORPUS.is_dir(), f"test corpus missing: expected {CORPUS} (shared/ beside the repository)"
    return CORPUS


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_cli(*args, timeout: float = 300, env: dict | None = None, cwd: Path | None = None) -> Run:
    """Run the real command in a fresh interpreter, as a user would."""
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "proposal_lint", *map(str, args)],
        capture_output=True,
        timeout=timeout,
        env=full_env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )
    return Run(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))


def read_pty(master: int) -> bytes:
    """Everything a child wrote to a pseudo-terminal, until it closed it."""
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


@pytest.fixture
def cli():
    return run_cli


NEUTRAL_TEXT = (
    "Meeting notes\n\n"
    "The office move is planned for March. Facilities will order new desks.\n\n"
    "Next meeting: Tuesday at ten.\n"
)


@pytest.fixture
def text_file(tmp_path) -> Path:
    p = tmp_path / "notes.txt"
    p.write_text(NEUTRAL_TEXT, encoding="utf-8")
    return p


def make_pdf(path: Path, pages: list[str]) -> Path:
    """A real text PDF with one paragraph per page (reportlab)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for text in pages:
        y = 780
        for line in text.splitlines():
            c.drawString(72, y, line)
            y -= 16
        c.showPage()
    c.save()
    return path


@pytest.fixture
def pdf_file(tmp_path) -> Path:
    return make_pdf(
        tmp_path / "minutes.pdf",
        ["Project minutes", "The office move is planned for March.\nFacilities will order new desks."],
    )

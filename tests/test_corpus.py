"""Every file of the shared real-world corpus through the real CLI.

Whatever the file, proposal-lint must give either a document result or a
clean error with a code: never a traceback, never a crash exit.
"""

from __future__ import annotations

import csv
import re

import pytest

from conftest import CORPUS, run_cli

# Codes an unreadable input may get (IngestError's documented codes).
INGEST_CODES = {
    "not-found", "unreadable", "empty", "too-large", "unsupported-format", "legacy-format", "encrypted",
    "wrong-password", "no-text-layer", "corrupt", "zip-bomb", "unsafe-xml", "timeout",
}


def _corpus_files() -> list[str]:
    return sorted(str(p) for p in CORPUS.rglob("*") if p.is_file())


def _manifest() -> dict[str, dict]:
    with open(CORPUS / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


FILES = _corpus_files()


@pytest.fixture(scope="module")
def corpus_run():
    # One process for the whole corpus: the spaCy pipeline loads once.
    r = run_cli("--format", "json", *FILES, timeout=1500)
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode in (0, 1, 3), f"exit {r.returncode}\n{r.stderr}"
    r.docs = {d["path"]: d for d in r.json()["documents"]}
    return r


def test_corpus_is_there():
    assert len(FILES) > 50


def test_every_file_is_reported_in_order(corpus_run):
    assert list(corpus_run.docs) == FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p[len(str(CORPUS)) + 1 :])
def test_file_gives_a_result_or_a_clean_error(corpus_run, path):
    doc = corpus_run.docs[path]
    if doc["error"] is None:
        assert doc["verdict"]["recommendation"] in ("prompt", "rag", "fine-tune-justified", "no-fine-tuning")
        assert doc["format"] in ("pdf", "docx", "text", "markdown")
        assert len(doc["sha256"]) == 64
    else:
        assert doc["error"]["code"] in INGEST_CODES, doc["error"]
        assert doc["error"]["message"]
        assert doc["verdict"] is None and doc["findings"] == []
        # and exactly the one-line stderr message for it
        assert f"{path}: error[{doc['error']['code']}]: {doc['error']['message']}" in corpus_run.stderr.splitlines()


TEXT_HEAVY = [
    f"{CORPUS}/{name}"
    for name, row in _manifest().items()
    if (m := re.fullmatch(r"ok:(\d+)", row["baseline_result"])) and int(m.group(1)) >= 200
]


@pytest.mark.parametrize("path", TEXT_HEAVY, ids=lambda p: p[len(str(CORPUS)) + 1 :])
def test_files_other_tools_read_are_read(corpus_run, path):
    """A file that pdfplumber/python-docx read with real text must not be rejected."""
    doc = corpus_run.docs[path]
    assert doc["error"] is None, doc["error"]


PASSWORDS = [
    (f"{CORPUS}/{name}", m.group(1))
    for name, row in _manifest().items()
    if (m := re.search(r"user password '([^']+)'", row["what_is_special"]))
]


def test_manifest_lists_encrypted_files():
    assert len(PASSWORDS) >= 2


@pytest.mark.parametrize("path,password", PASSWORDS, ids=[p.rsplit("/", 1)[1] for p, _ in PASSWORDS])
def test_encrypted_file_needs_and_accepts_its_password(path, password):
    locked = run_cli("--format", "json", path)
    assert locked.returncode == 3
    err = locked.json()["documents"][0]["error"]
    assert err["code"] in ("encrypted", "wrong-password")
    assert "--password" in err["message"]

    wrong = run_cli("--format", "json", "--password", password + "-nope", path)
    assert wrong.returncode == 3
    assert wrong.json()["documents"][0]["error"]["code"] == "wrong-password"

    opened = run_cli("--format", "json", "--password", password, path)
    assert opened.returncode in (0, 1), opened.stderr
    doc = opened.json()["documents"][0]
    assert doc["error"] is None and doc["format"] == "pdf" and doc["pages"] >= 1


def test_unrelated_real_documents_raise_no_findings(corpus_run):
    """The corpus is real documents that are not AI proposals (papers, forms,
    reports, tenders): a linter that finds fine-tuning in them over-reads."""
    noisy = {p: [f["rule_id"] for f in d["findings"]] for p, d in corpus_run.docs.items() if d["findings"]}
    assert noisy == {}
    read = [d for d in corpus_run.docs.values() if d["error"] is None]
    assert read and all(d["verdict"]["recommendation"] == "no-fine-tuning" for d in read)

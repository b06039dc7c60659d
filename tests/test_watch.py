"""The watched folder, end to end: real processes, real files, real signals.

The watcher runs as `python -m proposal_lint watch` in a subprocess with
JSON-lines logs in a file; tests wait (bounded, generous) for log events or
folder states, never for fixed times. Small in-process tests cover the
inbox rules and the journal's recovery windows that a kill -9 hits only by
chance.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from proposal_lint.report import FORMATS
from proposal_lint.watch import inbox as ib
from proposal_lint.watch.state import AlreadyRunning, State

REPO = Path(__file__).resolve().parent.parent
PDFS = sorted((REPO / "fixtures/proposals/pdf").glob("*.pdf"))
DOCXS = sorted((REPO / "fixtures/proposals/docx").glob("*.docx"))
DEFAULT_FORMATS = ("html", "json") if "html" in FORMATS else ("json",)
STABLE = "0.5"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class Watch:
    """A watcher subprocess and its JSON-lines log."""

    def __init__(self, inbox: Path, log: Path, *args: str, workers: int = 2):
        self.log = log
        self.fh = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "proposal_lint", "watch", str(inbox), "--workers", str(workers),
             "--stable-seconds", STABLE, "--log-format", "json", *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.fh,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )

    def events(self, kind: str | None = None) -> list[dict]:
        out = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue  # not ours (e.g. a warning printed by a library)
            if kind is None or rec.get("event") == kind:
                out.append(rec)
        return out

    def wait_for(self, what: str, cond, timeout: float = 150.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = cond()
            if value:
                return value
            if self.proc.poll() is not None:
                pytest.fail(f"watcher exited ({self.proc.returncode}) while waiting for {what}:\n{self.log.read_text()}")
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {what}; log:\n{self.log.read_text()[-4000:]}")

    def stop(self, sig=signal.SIGTERM, timeout: float = 90.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.fh.close()

    def kill9(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)
        self.fh.close()


@pytest.fixture
def watchers():
    started: list[Watch] = []

    def start(*args, **kw) -> Watch:
        w = Watch(*args, **kw)
        started.append(w)
        return w

    yield start
    for w in started:  # never leave a watcher running after a failed test
        if w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait(timeout=30)
        if not w.fh.closed:
            w.fh.close()


def write_slowly(path: Path, data: bytes, chunk: int = 8192, pause: float = 0.1) -> None:
    """Like a scanner or a network copy: chunks with pauses shorter than --stable-seconds."""
    with path.open("wb") as fh:
        for i in range(0, len(data), chunk):
            fh.write(data[i:i + chunk])
            fh.flush()
            time.sleep(pause)


def sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file())


def reports_by_ext(folder: Path, ext: str) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(ext) and not p.name.startswith("."))


def assert_complete_report_sets(done: Path, expected_shas: set[str], formats=DEFAULT_FORMATS) -> None:
    """One report per format per document, each whole, keyed by sha256."""
    assert not [p.name for p in done.iterdir() if p.name.startswith(".")], "temporary files left behind"
    jsons = reports_by_ext(done, ".json")
    shas = []
    for p in jsons:
        doc = json.loads(p.read_text(encoding="utf-8"))["documents"][0]  # parses: not half-written
        assert doc["error"] is None
        assert p.name.endswith(f".{doc['sha256'][:12]}.json")
        shas.append(doc["sha256"])
    assert len(shas) == len(set(shas)), "a document was reported twice"
    assert set(shas) == expected_shas
    if "html" in formats:
        htmls = reports_by_ext(done, ".html")
        assert len(htmls) == len(expected_shas)
        for p in htmls:
            assert p.read_text(encoding="utf-8").rstrip().endswith("</html>"), f"{p.name} is incomplete"


# ---- the big one: 50 proposals, kill -9 mid-batch, restart ------------------------------


def test_fifty_proposals_survive_kill_dash_9(tmp_path, watchers):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good: dict[str, bytes] = {}
    for p in PDFS[:30]:
        good[p.name] = p.read_bytes()
    for p in DOCXS[:15]:
        good[p.name] = p.read_bytes()
    for i, p in enumerate(PDFS[:5]):  # same documents, different bytes: distinct report sets
        good[f"variant-{i}-{p.name}"] = p.read_bytes() + f"\n% variant {i}\n".encode()
    assert len(good) == 50 and len({sha(b) for b in good.values()}) == 50
    bad = {
        "empty.pdf": b"",
        "old-word.doc": OLE_MAGIC + os.urandom(3000),
        "noise.pdf": os.urandom(5000).replace(b"%PDF-", b"xxxxx"),
    }

    w1 = watchers(inbox, tmp_path / "run1.log")
    names = list(good) + list(bad)
    payload = {**good, **bad}

    def writer(chunk_of_names):
        for name in chunk_of_names:
            write_slowly(inbox / name, payload[name])

    threads = [threading.Thread(target=writer, args=(names[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    w1.wait_for("ten files done", lambda: len(w1.events("done")) >= 10)
    w1.kill9()
    in_processing = files_in(inbox / "processing")
    done_before = len(w1.events("done"))
    assert done_before < 50, "the batch finished before the kill; not a mid-batch test"
    for t in threads:  # files keep arriving while the watcher is down
        t.join(timeout=120)

    w2 = watchers(inbox, tmp_path / "run2.log")
    done, failed = inbox / "done", inbox / "failed"

    def settled():
        sources = [p for p in files_in(done) if p.suffix in (".pdf", ".docx") and not p.name.startswith(".")]
        explained = list(failed.glob("*.error.txt"))
        return len(sources) == 50 and len(explained) == 3 and not files_in(inbox / "processing")

    w2.wait_for("all 53 files filed", settled)
    assert w2.stop() == 0

    assert_complete_report_sets(done, {sha(b) for b in good.values()})
    # no file was claimed half-written: every filed source has its full bytes
    for p in done.iterdir():
        if p.suffix in (".pdf", ".docx") and not p.name.startswith("."):
            assert p.read_bytes() == good[p.name], p.name
    for name, data in bad.items():
        assert (failed / name).read_bytes() == data
        note = (failed / f"{name}.error.txt").read_text(encoding="utf-8")
        assert f'could not lint "{name}"' in note and "Why:" in note
    assert not files_in(inbox), "something was left in the inbox"
    assert not files_in(inbox / "duplicates")
    # whatever the kill left in processing/ was picked up by the second run
    requeued = {e["file"] for e in w2.events("requeued")} | {e["file"] for e in w2.events("recovered")}
    assert {ib.original_name(p.name) for p in in_processing} <= requeued
    # at most one "done" per document over both runs, unless the kill hit between
    # writing reports and filing the source: then it is linted again, its reports
    # overwritten. (A kill between filing and logging can leave a document unlogged.)
    all_done = w1.events("done") + w2.events("done")
    assert {e["sha256"] for e in all_done} <= {sha(b) for b in good.values()}
    assert len(all_done) - len({e["sha256"] for e in all_done}) <= len(in_processing)


# ---- polling, ignored names, idempotency, revisions, unsupported types, hook ------------


def test_polling_mode_ignores_temp_files_dedupes_and_lints_revisions(tmp_path, watchers):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    pdf = PDFS[0].read_bytes()
    temp_names = ["~$draft.docx", ".~lock.offer.docx#", "offer.pdf.part", "offer.pdf.crdownload", "scan.tmp",
                  "._offer.pdf", "Thumbs.db", ".DS_Store", ".hidden.pdf"]
    for name in temp_names:
        (inbox / name).write_bytes(pdf)  # a real PDF: linted if the name were not ignored
    (inbox / "@eaDir").mkdir()
    (inbox / "@eaDir" / "offer.pdf").write_bytes(pdf)
    hook_log = tmp_path / "hook.txt"
    hook = f'echo "$PROPOSAL_LINT_VERDICT|$PROPOSAL_LINT_JSON|$PROPOSAL_LINT_SOURCE|$PROPOSAL_LINT_REPORT_DIR" >> "{hook_log}"'
    w = watchers(inbox, tmp_path / "poll.log", "--poll", "--format", "json", "--on-report", hook, workers=1)
    assert "polling" in w.wait_for("start", lambda: w.events("started"))[0]["message"]

    write_slowly(inbox / "offer.pdf", pdf, chunk=2048)
    w.wait_for("offer.pdf done", lambda: w.events("done"))
    # the same bytes again, under another name: not linted again
    write_slowly(inbox / "offer-copy.pdf", pdf, chunk=2048)
    dup = w.wait_for("duplicate", lambda: w.events("duplicate"))[0]
    assert dup["file"] == "offer-copy.pdf" and dup["earlier"] == "offer.pdf"
    # a new revision under the same name: linted, and nothing overwritten
    revision = PDFS[1].read_bytes()
    write_slowly(inbox / "offer.pdf", revision, chunk=2048)
    w.wait_for("revision done", lambda: len(w.events("done")) == 2)
    # unsupported types are moved aside with an explanation
    (inbox / "prices.csv").write_text("item,price\nGPU hours,1200\n")
    (inbox / "deck.pptx").write_bytes(DOCXS[0].read_bytes())  # a ZIP, but not a Word document
    w.wait_for("unsupported files failed", lambda: len(w.events("failed")) == 2)
    w.wait_for("hooks ran", lambda: hook_log.exists() and len(hook_log.read_text().splitlines()) == 2)
    assert w.stop() == 0

    done = inbox / "done"
    assert (done / "offer.pdf").read_bytes() == pdf
    assert (done / "offer-2.pdf").read_bytes() == revision
    assert_complete_report_sets(done, {sha(pdf), sha(revision)}, formats=("json",))
    assert (inbox / "duplicates" / "offer-copy.pdf").read_bytes() == pdf
    note = (inbox / "duplicates" / "offer-copy.pdf.duplicate.txt").read_text()
    assert "offer.pdf" in note and f"offer.{sha(pdf)[:12]}.json" in note
    for name, words in (("prices.csv", "suffix .csv"), ("deck.pptx", "ZIP container")):
        assert words in (inbox / "failed" / f"{name}.error.txt").read_text()
    for name in temp_names:
        assert (inbox / name).read_bytes() == pdf, f"{name} should have been left alone"
    assert (inbox / "@eaDir" / "offer.pdf").exists()
    assert w.events("warning") == []  # @eaDir is ignored quietly, unlike other subfolders
    lines = [line.split("|") for line in hook_log.read_text().splitlines()]
    for verdict, json_path, source, report_dir in lines:
        assert verdict in {"prompt", "rag", "fine-tune-justified", "no-fine-tuning"}
        assert Path(json_path).is_file() and Path(source).parent == done and Path(report_dir) == done
    assert sorted(Path(s).name for _, _, s, _ in lines) == ["offer-2.pdf", "offer.pdf"]


# ---- SIGTERM: finish the current file, hand back the queue ------------------------------


def test_sigterm_finishes_current_file_and_hands_back_the_rest(tmp_path, watchers):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    staging = tmp_path / "staging"
    staging.mkdir()
    sources = {p.name: p.read_bytes() for p in PDFS[:8]}
    for name, data in sources.items():
        (staging / name).write_bytes(data)
    w = watchers(inbox, tmp_path / "term.log", "--format", "json", "--rescan-seconds", "1", workers=1)
    for name in sources:  # arrive complete, by rename
        os.rename(staging / name, inbox / name)
    w.wait_for("first file done", lambda: w.events("done"))
    assert w.stop(signal.SIGTERM) == 0
    assert w.events("stopped")

    assert not files_in(inbox / "processing"), "processing/ must be empty after a clean stop"
    done_names = {p.name for p in files_in(inbox / "done") if p.suffix == ".pdf"}
    back = {p.name for p in files_in(inbox)}
    assert done_names and back, "expected some files done and some handed back"
    assert done_names | back == set(sources) and not done_names & back
    assert {e["file"] for e in w.events("handed-back")} <= back
    assert_complete_report_sets(inbox / "done", {sha(sources[n]) for n in done_names}, formats=("json",))

    # the next start lints exactly the rest
    w2 = watchers(inbox, tmp_path / "term2.log", "--format", "json", workers=1)
    w2.wait_for("the rest done", lambda: len(w2.events("done")) == len(back))
    assert w2.stop(signal.SIGINT) == 0
    assert_complete_report_sets(inbox / "done", {sha(d) for d in sources.values()}, formats=("json",))
    assert not w2.events("duplicate")


def test_a_file_over_the_time_limit_fails_and_the_watcher_goes_on(tmp_path, watchers, cli):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    w = watchers(inbox, tmp_path / "timeout.log", "--format", "json", "--timeout", "1", workers=1)
    w.wait_for("ready", lambda: w.events("ready"))
    # one watcher per inbox: a second one is a usage error, and touches nothing
    second = cli("watch", inbox, timeout=60)
    assert second.returncode == 2 and "already" in second.stderr
    # 2 MB of prose: reading is quick, linting takes far longer than a second,
    # so the parent has to kill the worker (the path a hung PDF parser takes)
    sentence = "We will fine-tune a model on your documents and compare it with a prompt baseline. "
    staged = tmp_path / "slow.md"
    staged.write_text("\n\n".join(sentence * 8 for _ in range(3000)))
    os.rename(staged, inbox / "slow.md")
    failed = w.wait_for("timeout", lambda: w.events("failed"))[0]
    assert failed["code"] == "timeout"
    assert "took longer than 1 s" in (inbox / "failed" / "slow.md.error.txt").read_text()
    replaced = w.wait_for("a fresh worker", lambda: w.events("ready")[1:])
    assert replaced[0]["worker"] == 0
    assert w.stop() == 0


# ---- in-process: the rules and the journal ------------------------------------------------


@pytest.mark.parametrize(
    "name, ignored",
    [("~$offer.docx", True), (".~lock.offer.docx#", True), ("a.pdf.part", True), ("a.crdownload", True),
     ("x.TMP", True), ("._a.pdf", True), ("thumbs.db", True), (".DS_Store", True), ("@eaDir", True),
     (".hidden", True), ("offer.pdf", False), ("offer~1.pdf", False), ("tmp-offer.pdf", False)],
)
def test_ignored_names(name, ignored):
    assert ib.is_ignored(name) is ignored


def test_unique_path_never_overwrites(tmp_path):
    (tmp_path / "a.pdf").write_text("1")
    (tmp_path / "a-2.pdf.error.txt").write_text("x")
    assert ib.unique_path(tmp_path, "b.pdf") == tmp_path / "b.pdf"
    assert ib.unique_path(tmp_path, "a.pdf") == tmp_path / "a-2.pdf"
    assert ib.unique_path(tmp_path, "a.pdf", companions=(".error.txt",)) == tmp_path / "a-3.pdf"


def test_stale_temp_files_are_removed_and_nothing_else(tmp_path):
    ib.atomic_write(tmp_path / "offer.abc.json", "{}")
    for name in (".offer.abc.json.k3_x9zq1.tmp", ".offer.pdf.part", "offer.tmp", ".notes.tmp"):
        (tmp_path / name).write_text("x")
    assert ib.remove_stale_temp_files(tmp_path) == [".offer.abc.json.k3_x9zq1.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".notes.tmp", ".offer.pdf.part", "offer.abc.json", "offer.tmp"]


def test_claim_names_round_trip():
    claim = ib.claim_name("my offer-v2.pdf")
    assert claim != ib.claim_name("my offer-v2.pdf")
    assert ib.original_name(claim) == "my offer-v2.pdf"
    assert ib.original_name("dropped-by-hand.pdf") == "dropped-by-hand.pdf"


def test_stability_needs_unchanged_size_and_mtime():
    t = ib.StabilityTracker(stable_s=3)
    assert not t.observe("a", 10, 1, now=0)
    assert not t.observe("a", 10, 1, now=2.9)
    assert not t.observe("a", 20, 2, now=3.0)  # grew: the clock restarts
    assert not t.observe("a", 20, 2, now=5.9)
    assert t.observe("a", 20, 2, now=6.0)


def test_journal_survives_a_torn_last_line_and_locks_the_inbox(tmp_path):
    s = State(tmp_path)
    s.open()
    s.append({"op": "done", "sha256": "aa", "claim": "c1", "name": "a.pdf", "reports": []})
    s.append({"op": "pending", "claim": "c2", "action": "failed", "dest": "x", "note_suffix": ".error.txt", "note": "n"})
    with pytest.raises(AlreadyRunning):
        State(tmp_path).open()
    s.close()
    with (tmp_path / "state.jsonl").open("a") as fh:
        fh.write('{"op": "clear", "cla')  # killed mid-write
    s2 = State(tmp_path)
    s2.open()
    assert set(s2.index) == {"aa"} and set(s2.pending) == {"c2"}
    assert len((tmp_path / "state.jsonl").read_text().splitlines()) == 2  # compacted
    s2.close()


def _watcher(inbox: Path):
    from proposal_lint.watch.service import Log, Watcher, WatchOptions
    from proposal_lint.watch.worker import WorkerConfig

    lines: list[str] = []

    class Sink:
        def write(self, s):
            lines.append(s)

        def flush(self):
            pass

    w = Watcher(WatchOptions(inbox=inbox, formats=("json",), worker=WorkerConfig(formats=("json",))),
                log=Log("json", stream=Sink()))
    w.layout.create()
    w.state.open()
    return w, lines


def test_recovery_finishes_a_move_killed_after_the_reports(tmp_path):
    """Killed between the 'pending' record and the rename: the next start files it."""
    w, _ = _watcher(tmp_path)
    claim = w.layout.processing / ib.claim_name("offer.pdf")
    claim.write_bytes(b"%PDF-1.4 ...")
    report = w.layout.done / "offer.abcdef123456.json"
    report.write_text("{}")
    (w.layout.done / "offer.pdf").write_bytes(b"an older offer.pdf, not to be overwritten")
    record = {"sha256": "abcdef123456" * 5, "name": "offer.pdf", "claim": claim.name, "reports": [str(report)]}
    w.state.append({"op": "pending", "claim": claim.name, "action": "done",
                    "dest": str(w.layout.done / "offer.pdf"), "record": record})
    w._recover()
    assert not claim.exists()
    assert (w.layout.done / "offer-2.pdf").read_bytes() == b"%PDF-1.4 ..."
    assert w.state.index[record["sha256"]]["file"] == str(w.layout.done / "offer-2.pdf")
    assert not w.state.pending
    assert w.queue == deque_empty()
    w.state.close()


def test_recovery_writes_the_missing_error_note(tmp_path):
    """Killed after the rename into failed/ but before the note was complete."""
    w, _ = _watcher(tmp_path)
    dest = w.layout.failed / "broken.pdf"
    dest.write_bytes(b"junk")
    w.state.append({"op": "pending", "claim": ib.claim_name("broken.pdf"), "action": "failed", "dest": str(dest),
                    "note_suffix": ".error.txt", "note": "Why: damaged\n"})
    w._recover()
    assert (w.layout.failed / "broken.pdf.error.txt").read_text() == "Why: damaged\n"
    assert not w.state.pending
    w.state.close()


def test_recovery_requeues_whatever_is_in_processing(tmp_path):
    w, lines = _watcher(tmp_path)
    data = PDFS[0].read_bytes()
    (w.layout.processing / ib.claim_name("offer.pdf")).write_bytes(data)
    w._recover()
    assert [(i.name, i.sha256) for i in w.queue] == [("offer.pdf", sha(data))]
    assert any('"requeued"' in line for line in lines)
    w.state.close()


def deque_empty():
    from collections import deque

    return deque()


def test_watcher_attaches_reports_to_tickets(tmp_path, watchers, httpserver, monkeypatch):
    """A sidecar NAME.ticket or a ticket key in the file name sends the report set
    on to the ticket (here: webhooks on a local server)."""
    monkeypatch.setenv("PROPOSAL_LINT_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.setenv("PROPOSAL_LINT_WEBHOOK_PROCUREMENT_URL", httpserver.url_for("/hooks/procurement"))
    monkeypatch.setenv("PROPOSAL_LINT_WEBHOOK_PROC7_URL", httpserver.url_for("/hooks/proc7"))
    monkeypatch.setenv("PROPOSAL_LINT_WEBHOOK_PROCUREMENT_SECRET", "test-secret-1")
    monkeypatch.setenv("PROPOSAL_LINT_WEBHOOK_PROC7_SECRET", "test-secret-2")
    httpserver.expect_request("/hooks/procurement", method="POST").respond_with_data("ok")
    httpserver.expect_request("/hooks/proc7", method="POST").respond_with_data("ok")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "quote.pdf.ticket").write_text("webhook:procurement\n")
    (inbox / "quote.pdf").write_bytes(PDFS[0].read_bytes())
    (inbox / "PROC-7 offer.docx").write_bytes(DOCXS[1].read_bytes())
    (inbox / "no ticket.docx").write_bytes(DOCXS[2].read_bytes())
    w = watchers(inbox, tmp_path / "log.jsonl", "--attach-pattern", r"PROC-(?P<num>\d+)",
                 "--attach-template", "webhook:proc{num}")
    w.wait_for("three files done", lambda: len(w.events("done")) == 3)
    w.wait_for("two deliveries", lambda: len(httpserver.log) == 2 or w.events("hook-failed"), timeout=60)
    assert not w.events("hook-failed"), w.events("hook-failed")
    assert w.stop() == 0
    posted = {req.path: json.loads(req.get_data()) for req, _ in httpserver.log}
    assert set(posted) == {"/hooks/procurement", "/hooks/proc7"}
    assert posted["/hooks/procurement"]["documents"][0]["sha256"] == sha(PDFS[0].read_bytes())
    assert posted["/hooks/proc7"]["documents"][0]["sha256"] == sha(DOCXS[1].read_bytes())
    # The sidecar was never linted; it moved to done/ with its proposal.
    assert (inbox / "done" / "quote.pdf.ticket").is_file()
    assert not (inbox / "failed").exists() or not any((inbox / "failed").iterdir())

"""Watched-folder throughput: files per second with 1 and with 2 workers.

    python benchmarks/watch.py [--files 40] [--format json] [--runs 1]

For each worker count: start `proposal-lint watch` on an empty inbox, wait
until every worker has loaded the rules engine (that load time is printed
separately, not counted), then move the same batch of fixture proposals
(PDF and DOCX) into the inbox at once by rename. Throughput is the batch
size over the time from the first file claimed to the last file filed,
read from the watcher's own JSON-lines log, so the --stable-seconds wait
before the first claim is not counted either. Target: >= 1.8x with 2
workers on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "proposals"


def batch(n: int) -> list[Path]:
    pdfs = sorted((FIXTURES / "pdf").glob("*.pdf"))
    docxs = sorted((FIXTURES / "docx").glob("*.docx"))
    files = [f for pair in zip(pdfs, docxs) for f in pair]  # alternate PDF and DOCX
    if n > len(files):
        raise SystemExit(f"only {len(files)} fixture files; use --files {len(files)} or fewer")
    return files[:n]


def events(log: Path) -> list[dict]:
    out = []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def run(files: list[Path], workers: int, formats: list[str], timeout: float = 600) -> dict:
    with tempfile.TemporaryDirectory(prefix="pl-watch-bench-") as tmp:
        tmp = Path(tmp)
        inbox, staging = tmp / "inbox", tmp / "staging"
        inbox.mkdir()
        staging.mkdir()
        for f in files:
            shutil.copyfile(f, staging / f.name)
        log = tmp / "watch.log"
        cmd = [sys.executable, "-m", "proposal_lint", "watch", str(inbox), "--workers", str(workers),
               "--stable-seconds", "0.2", "--log-format", "json"]
        for fmt in formats:
            cmd += ["--format", fmt]
        with log.open("wb") as fh:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=fh)
            try:
                deadline = time.monotonic() + timeout
                ready = None
                while ready is None:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"watcher did not get ready:\n{log.read_text()}")
                    ready = next((e for e in events(log) if e["event"] == "ready"), None)
                    time.sleep(0.05)
                for f in files:
                    os.rename(staging / f.name, inbox / f.name)
                while True:
                    evs = events(log)
                    finished = [e for e in evs if e["event"] in ("done", "failed")]
                    if len(finished) >= len(files):
                        break
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"watcher stopped or timed out:\n{log.read_text()}")
                    time.sleep(0.05)
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
        first = min(e["ts"] for e in evs if e["event"] == "received")
        last = max(e["ts"] for e in finished)
        failed = [e for e in finished if e["event"] == "failed"]
        if failed:
            print(f"  warning: {len(failed)} file(s) failed: {failed[0]['message']}", file=sys.stderr)
        per_file = sorted(e["seconds"] for e in finished if "seconds" in e)
        median = per_file[len(per_file) // 2] if per_file else float("nan")
        return {"seconds": last - first, "rate": len(files) / (last - first), "load": ready["load_seconds"],
                "median": median}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--format", dest="formats", action="append", help="report format(s); default json")
    ap.add_argument("--runs", type=int, default=1, help="best of N per worker count")
    args = ap.parse_args()
    files = batch(args.files)
    formats = args.formats or ["json"]
    print(f"{len(files)} fixture files ({sum(f.stat().st_size for f in files) / 1e6:.1f} MB), "
          f"formats {', '.join(formats)}, {os.cpu_count()} CPU cores, "
          f"load average {os.getloadavg()[0]:.2f} (other processes skew the ratio)")
    rates = {}
    for workers in (1, 2):
        best = max((run(files, workers, formats) for _ in range(args.runs)), key=lambda r: r["rate"])
        rates[workers] = best["rate"]
        loads = ", ".join(f"{s:.1f}" for s in best["load"])
        print(f"{workers} worker(s): {best['rate']:.2f} files/s ({best['seconds']:.1f} s for the batch; "
              f"median {best['median']:.2f} s per file in a worker; "
              f"rules engine load per worker, not counted: {loads} s)")
    print(f"ratio 2/1 workers: {rates[2] / rates[1]:.2f}x (target >= 1.8x on 2 cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

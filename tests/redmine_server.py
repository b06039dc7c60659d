"""A real Redmine for the ticket tests: Debian's `redmine` package with SQLite.

    python3 tests/redmine_server.py --install   # CI (.ci/run), as root: install if missing
    python3 tests/redmine_server.py --serve     # start one by hand, print URL and key, Ctrl-C stops

The tests use `RedmineServer` (a session fixture in test_tickets_redmine.py):
it prepares the instance (REST API on, a project, the admin's API key) with
`bin/rails runner`, starts `bin/rails server` on a free loopback port and
stops it afterwards. Steps as checked in shared/notes/redmine.md.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REDMINE_DIR = Path("/usr/share/redmine")
DEBCONF = (
    "redmine redmine/instances/default/database-type select sqlite3\n"
    "redmine redmine/instances/default/dbconfig-install boolean true\n"
)
PROJECT = "procurement"
START_TIMEOUT_S = 120


class RedmineUnavailable(RuntimeError):
    pass


def installed() -> bool:
    return (REDMINE_DIR / "bin" / "rails").is_file() and Path("/etc/redmine/default/database.yml").is_file()


def _root_cmd(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return cmd
    if shutil.which("sudo"):
        return ["sudo", "-n", *cmd]
    raise RedmineUnavailable("installing Redmine needs root (or passwordless sudo)")


def install() -> None:
    """apt-get install redmine redmine-sqlite, non-interactive, SQLite."""
    if installed():
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(_root_cmd(["debconf-set-selections"]), input=DEBCONF.encode(), check=True)
    subprocess.run(_root_cmd(["apt-get", "update", "-q"]), check=True, env=env)
    subprocess.run(_root_cmd(["apt-get", "install", "-y", "-q", "redmine", "redmine-sqlite"]), check=True, env=env)
    ensure_webrick()


def ensure_webrick() -> None:
    """Rails 6 in Debian needs a loadable web server gem: Gemfile.local with webrick."""
    local = REDMINE_DIR / "Gemfile.local"
    if local.is_file() and "webrick" in local.read_text():
        return
    try:
        local.write_text('gem "webrick"\n')
    except PermissionError:
        subprocess.run(_root_cmd(["sh", "-c", f"echo 'gem \"webrick\"' > {local}"]), check=True)


RUNNER = f"""
Setting.rest_api_enabled = "1"
project = Project.find_by_identifier("{PROJECT}") || Project.create!(name: "Procurement", identifier: "{PROJECT}", is_public: false)
project.trackers = Tracker.all if project.trackers.empty?
project.save!
admin = User.find_by_login("admin")
puts "REDMINE_SETUP " + {{api_key: admin.api_key, project_id: project.id}}.to_json
"""


def prepare() -> dict:
    """Enable the REST API, make the project, return the admin API key and project id."""
    proc = subprocess.run(
        ["bin/rails", "runner", "-e", "production", RUNNER],
        cwd=REDMINE_DIR, capture_output=True, text=True, timeout=120,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("REDMINE_SETUP "):
            return json.loads(line.split(" ", 1)[1])
    raise RedmineUnavailable(f"bin/rails runner failed (exit {proc.returncode}): {(proc.stderr or proc.stdout)[-1500:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedmineServer:
    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = Path(tempfile.mkdtemp(prefix="redmine-test-"))
        self.log = self.workdir / "server.log"
        self.proc: subprocess.Popen | None = None
        self.api_key = ""
        self.project_id = 0
        self.startup_s = 0.0

    def start(self) -> "RedmineServer":
        if not installed():
            raise RedmineUnavailable(
                f"Redmine is not installed ({REDMINE_DIR}); run `python3 tests/redmine_server.py --install` as root "
                "(.ci/run does) - see shared/notes/redmine.md"
            )
        ensure_webrick()
        t0 = time.monotonic()
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                ["bin/rails", "server", "-b", "127.0.0.1", "-p", str(self.port), "-e", "production",
                 "-P", str(self.workdir / "server.pid")],
                cwd=REDMINE_DIR, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            setup = prepare()  # while the server boots
            self.api_key, self.project_id = setup["api_key"], setup["project_id"]
            self._wait()
        except BaseException:
            self.stop()
            raise
        self.startup_s = time.monotonic() - t0
        return self

    def _wait(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RedmineUnavailable(f"Redmine exited with status {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise RedmineUnavailable(f"Redmine did not answer on {self.url} within {START_TIMEOUT_S} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        shutil.rmtree(self.workdir, ignore_errors=True)

    # -- REST helpers for the tests (stdlib only, so they do not share our client's bugs)

    def api(self, method: str, path: str, body: dict | None = None, key: str | None = None) -> tuple[int, dict | bytes]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("X-Redmine-API-Key", key or self.api_key)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                status = resp.status
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        if raw and resp.headers.get_content_type() == "application/json":
            return status, json.loads(raw)
        return status, raw

    def download(self, content_url: str) -> bytes:
        req = urllib.request.Request(content_url, headers={"X-Redmine-API-Key": self.api_key})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.read()

    def create_issue(self, subject: str) -> int:
        status, data = self.api("POST", "/issues.json", {"issue": {"project_id": self.project_id, "subject": subject}})
        assert status == 201, (status, data)
        return data["issue"]["id"]


if __name__ == "__main__":
    if "--install" in sys.argv:
        install()
        ensure_webrick()
        print(f"Redmine installed in {REDMINE_DIR}")
    if "--serve" in sys.argv:
        server = RedmineServer().start()
        print(f"{server.url} api key {server.api_key} (started in {server.startup_s:.1f} s); Ctrl-C stops")
        try:
            server.proc.wait()
        except KeyboardInterrupt:
            server.stop()

"""Attaching reports to a REAL Redmine (Debian's package, SQLite), started
by the tests on a loopback port. If Redmine cannot start, these tests fail
with the reason; they never skip."""

from __future__ import annotations

import hashlib
import json

import pytest

from proposal_lint import exitcodes
from conftest import run_cli
from redmine_server import RedmineServer, RedmineUnavailable
from ticket_reports import write_reports


@pytest.fixture(scope="session")
def redmine():
    try:
        server = RedmineServer().start()
    except RedmineUnavailable as exc:
        pytest.fail(f"a real Redmine is needed for these tests and could not start: {exc}", pytrace=False)
    print(f"\nRedmine answered after {server.startup_s:.1f} s")
    yield server
    server.stop()


@pytest.fixture
def redmine_env(redmine, tmp_path):
    return {
        "PROPOSAL_LINT_REDMINE_URL": redmine.url,
        "PROPOSAL_LINT_REDMINE_API_KEY": redmine.api_key,
        "PROPOSAL_LINT_OUTBOX": str(tmp_path / "outbox"),
        "PROPOSAL_LINT_HTTP_ATTEMPTS": "2",
        "PROPOSAL_LINT_HTTP_BACKOFF": "0.1",
    }


def read_issue(redmine, issue_id):
    status, data = redmine.api("GET", f"/issues/{issue_id}.json?include=attachments,journals")
    assert status == 200, (status, data)
    return data["issue"]


def test_attach_uploads_reports_and_note_then_is_idempotent(redmine, redmine_env, tmp_path):
    issue_id = redmine.create_issue("Vendor A proposal")
    html, js = write_reports(tmp_path)

    r = run_cli("attach", f"redmine:{issue_id}", html, js, env=redmine_env)
    assert r.returncode == exitcodes.OK, r.stderr
    assert f"redmine:{issue_id}: attached quote.proposal-lint.html, quote.proposal-lint.json" in r.stderr

    issue = read_issue(redmine, issue_id)
    by_name = {a["filename"]: a for a in issue["attachments"]}
    assert set(by_name) == {html.name, js.name}
    for path in (html, js):
        att = by_name[path.name]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert att["description"] == f"sha256:{digest}"
        assert redmine.download(att["content_url"]) == path.read_bytes()
    [note] = [j["notes"] for j in issue["journals"] if j.get("notes")]
    assert "**quote.pdf**: verdict **prompt**" in note
    assert "PL001 [error]" in note
    assert hashlib.sha256(html.read_bytes()).hexdigest() in note
    assert "proposal-lint delivery " in note

    again = run_cli("attach", f"redmine:{issue_id}", html, js, env=redmine_env)
    assert again.returncode == exitcodes.OK, again.stderr
    assert "already attached" in again.stderr
    issue2 = read_issue(redmine, issue_id)
    assert len(issue2["attachments"]) == 2
    assert len([j for j in issue2["journals"] if j.get("notes")]) == 1


def test_unknown_issue_and_bad_key_are_one_line_exit_4(redmine, redmine_env, tmp_path):
    _, js = write_reports(tmp_path)
    r = run_cli("attach", "redmine:999999", js, env=redmine_env)
    assert r.returncode == exitcodes.DELIVERY_FAILED
    assert r.stderr.strip().count("\n") == 0, r.stderr
    assert "redmine:999999: ticket not found (HTTP 404" in r.stderr

    bad_key = "0123456789abcdef0123456789abcdef01234567"
    issue_id = redmine.create_issue("Vendor C proposal")
    r = run_cli("attach", "--debug", f"redmine:{issue_id}", js,
                env={**redmine_env, "PROPOSAL_LINT_REDMINE_API_KEY": bad_key})
    assert r.returncode == exitcodes.DELIVERY_FAILED
    assert "bad credentials or missing permission (HTTP 401" in r.stderr
    assert "PROPOSAL_LINT_REDMINE_API_KEY" in r.stderr
    assert bad_key not in r.stderr + r.stdout
    assert redmine.api_key not in r.stderr + r.stdout


def test_check_attach_lints_and_attaches(redmine, redmine_env, tmp_path, text_file):
    issue_id = redmine.create_issue("Vendor D proposal")
    r = run_cli("check", "--attach", f"redmine:{issue_id}", text_file, env=redmine_env)
    assert r.returncode == exitcodes.OK, r.stderr
    issue = read_issue(redmine, issue_id)
    names = sorted(a["filename"] for a in issue["attachments"])
    assert names == ["notes.proposal-lint.html", "notes.proposal-lint.json"]
    [note] = [j["notes"] for j in issue["journals"] if j.get("notes")]
    assert "**notes.txt**: verdict **no-fine-tuning**" in note

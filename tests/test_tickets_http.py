"""Ticket delivery to Jira, ServiceNow, Zendesk, GitLab, GitHub and webhooks
against a local HTTP server on 127.0.0.1 that checks each request the way
the system's API documents it: method, path, query, headers, auth and body.
Also retries (429 + Retry-After, 503), errors (401, 404), a comment failing
after a successful upload, idempotency, the outbox, and secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from conftest import run_cli
from proposal_lint import exitcodes
from proposal_lint.tickets import outbox
from proposal_lint.tickets.base import (
    ConfigError,
    FieldSpec,
    Secret,
    TicketRefError,
    parse_ticket,
    resolve_settings,
    ticket_for_file,
)
from proposal_lint.tickets.deliver import attach_files, retry_outbox
from ticket_reports import write_reports

TOKEN = "tok-Sup3rS3cret-9f8e7d6c5b4a"  # must never show up in output, errors or the outbox
SYS_ID = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)  # loopback only


@pytest.fixture
def reports(tmp_path):
    html, js = write_reports(tmp_path)
    return html, js


def base_env(server: HTTPServer, tmp_path: Path, system: str, **creds) -> dict:
    env = {
        f"PROPOSAL_LINT_{system.upper()}_URL": server.url_for("").rstrip("/"),
        "PROPOSAL_LINT_OUTBOX": str(tmp_path / "outbox"),
        "PROPOSAL_LINT_HTTP_ATTEMPTS": "3",
        "PROPOSAL_LINT_HTTP_BACKOFF": "0.05",
        "PROPOSAL_LINT_HTTP_TIMEOUT": "5",
    }
    env.update({f"PROPOSAL_LINT_{system.upper()}_{k.upper()}": v for k, v in creds.items()})
    return env


def attach(ticket, files, env, **kw):
    return attach_files(ticket, [str(f) for f in files], env=env, config={}, **kw)


def sent(server: HTTPServer, method: str | None = None):
    """The requests the server received (optionally only one method)."""
    return [req for req, _ in server.log if method is None or req.method == method]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tagged(path: Path) -> str:
    return f"{path.stem}.{sha(path)[:12]}{path.suffix}"


# ---- ticket references -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, system, parts",
    [
        ("redmine:1234", "redmine", {"id": "1234"}),
        ("jira:PROC-42", "jira", {"key": "PROC-42"}),
        (f"servicenow:sc_request/{SYS_ID}", "servicenow", {"table": "sc_request", "sys_id": SYS_ID}),
        ("zendesk:9876", "zendesk", {"id": "9876"}),
        ("gitlab:group/sub/project#12", "gitlab", {"project": "group/sub/project", "iid": "12"}),
        ("github:owner/repo.js#7", "github", {"owner": "owner", "repo": "repo.js", "number": "7"}),
        ("webhook:procurement", "webhook", {"name": "procurement"}),
    ],
)
def test_ticket_refs(text, system, parts):
    ref = parse_ticket(text)
    assert ref.system == system and dict(ref.parts) == parts and str(ref) == text


@pytest.mark.parametrize(
    "text", ["1234", "redmine:", "redmine:12a", "jira:proc-42", "servicenow:sc_request/xyz", "gitlab:project#1",
             "github:owner/repo", "bugzilla:1", "webhook:../x"],
)
def test_bad_ticket_refs(text):
    with pytest.raises(TicketRefError):
        parse_ticket(text)


def test_bad_ticket_ref_is_a_usage_error(reports):
    r = run_cli("attach", "jira:proc-42", reports[1])
    assert r.returncode == exitcodes.USAGE_ERROR
    assert "expected jira:PROC-42" in r.stderr


def test_ticket_for_file_sidecar_and_pattern(tmp_path):
    f = tmp_path / "PROC-42 vendor quote.pdf"
    f.write_bytes(b"%PDF")
    assert str(ticket_for_file(f, r"^(?P<key>[A-Z]+-\d+)\b", "jira:{key}")) == "jira:PROC-42"
    assert ticket_for_file(f, r"^(\d+) ") is None
    (tmp_path / "PROC-42 vendor quote.pdf.ticket").write_text("redmine:77\n")
    assert str(ticket_for_file(f, r"^(?P<key>[A-Z]+-\d+)\b", "jira:{key}")) == "redmine:77"


# ---- settings and secrets -------------------------------------------------------------


def test_settings_from_env_and_config_references():
    fields = [FieldSpec("url"), FieldSpec("api_key", secret=True)]
    s = resolve_settings("redmine", fields, {"url": "https://rm.example", "api_key_env": "MY_KEY"}, {"MY_KEY": TOKEN})
    assert s["url"] == "https://rm.example" and s["api_key"].value == TOKEN and s["api_key"].source == "MY_KEY"
    assert TOKEN not in repr(s) and TOKEN not in str(s["api_key"])
    with pytest.raises(ConfigError, match="must not hold the secret") as exc:
        resolve_settings("redmine", fields, {"api_key": TOKEN}, {})
    assert TOKEN not in str(exc.value)
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(Secret(TOKEN, "X"))


def test_missing_settings_name_the_variables(tmp_path, reports):
    out = attach("zendesk:1", reports, {"PROPOSAL_LINT_OUTBOX": str(tmp_path / "ob")})
    assert out.status == "failed" and out.kind == "config"
    assert "set PROPOSAL_LINT_ZENDESK_URL, PROPOSAL_LINT_ZENDESK_EMAIL, PROPOSAL_LINT_ZENDESK_API_TOKEN" in out.message


# ---- Jira ---------------------------------------------------------------------------------


def jira_issue(server, attachments=(), comments=()):
    server.expect_request(
        "/rest/api/3/issue/PROC-42", method="GET", query_string={"fields": "attachment,comment"}
    ).respond_with_json({"key": "PROC-42", "fields": {"attachment": list(attachments), "comment": {"comments": list(comments)}}})


def test_jira_cloud_uploads_then_comments(httpserver, tmp_path, reports):
    html, js = reports
    env = base_env(httpserver, tmp_path, "jira", email="buyer@example.com", api_token=TOKEN)
    jira_issue(httpserver)
    httpserver.expect_request(
        "/rest/api/3/issue/PROC-42/attachments", method="POST",
        headers={"X-Atlassian-Token": "no-check", "Authorization": basic("buyer@example.com", TOKEN)},
    ).respond_with_json([{"id": "10001"}])
    httpserver.expect_request("/rest/api/3/issue/PROC-42/comment", method="POST").respond_with_json({"id": "1"}, status=201)

    out = attach("jira:PROC-42", reports, env)
    assert out.status == "delivered", out.message
    uploads = [r for r in sent(httpserver, "POST") if r.path.endswith("/attachments")]
    assert [list(r.files) for r in uploads] == [["file"], ["file"]]
    assert [r.files["file"].filename for r in uploads] == [tagged(html), tagged(js)]
    assert uploads[0].files["file"].read() == html.read_bytes()
    assert uploads[1].files["file"].read() == js.read_bytes()
    assert uploads[1].files["file"].content_type == "application/json"
    [comment] = [r for r in sent(httpserver, "POST") if r.path.endswith("/comment")]
    assert comment.headers["Authorization"] == basic("buyer@example.com", TOKEN)
    assert comment.headers["Content-Type"] == "application/json"
    body = comment.get_json()["body"]
    assert body["type"] == "doc" and body["version"] == 1
    text = json.dumps(body)
    assert "verdict **prompt**" in text and sha(js) in text and "proposal-lint delivery" in text


def test_jira_data_center_bearer_pat_and_v2(httpserver, tmp_path, reports):
    env = base_env(httpserver, tmp_path, "jira", pat=TOKEN, api_version="2")
    httpserver.expect_request("/rest/api/2/issue/PROC-42", method="GET", headers={"Authorization": f"Bearer {TOKEN}"}
                              ).respond_with_json({"fields": {"attachment": [], "comment": {"comments": []}}})
    httpserver.expect_request("/rest/api/2/issue/PROC-42/attachments", method="POST",
                              headers={"X-Atlassian-Token": "no-check"}).respond_with_json([{"id": "1"}])
    httpserver.expect_request("/rest/api/2/issue/PROC-42/comment", method="POST").respond_with_json({}, status=201)
    assert attach("jira:PROC-42", reports[1:], env).ok
    [comment] = [r for r in sent(httpserver, "POST") if r.path.endswith("/comment")]
    assert isinstance(comment.get_json()["body"], str) and "proposal-lint delivery" in comment.get_json()["body"]


def test_jira_idempotent_second_attach_sends_nothing(httpserver, tmp_path, reports):
    html, js = reports
    env = base_env(httpserver, tmp_path, "jira", email="b@example.com", api_token=TOKEN)
    from proposal_lint.tickets.deliver import new_delivery

    marker = new_delivery("jira:PROC-42", [html, js]).marker
    adf_comment = {"body": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": marker}]}]}}
    jira_issue(httpserver, [{"filename": tagged(html)}, {"filename": tagged(js)}], [adf_comment])
    out = attach("jira:PROC-42", reports, env)
    assert out.status == "unchanged", out.message
    assert sent(httpserver, "POST") == []


def test_comment_failure_after_upload_retries_only_the_comment(httpserver, tmp_path, reports):
    env = base_env(httpserver, tmp_path, "jira", email="b@example.com", api_token=TOKEN)
    jira_issue(httpserver)
    httpserver.expect_request("/rest/api/3/issue/PROC-42/attachments", method="POST").respond_with_json([{"id": "1"}])
    comment_503 = httpserver.expect_request("/rest/api/3/issue/PROC-42/comment", method="POST")
    comment_503.respond_with_data("down for maintenance", status=503)

    out = attach("jira:PROC-42", reports, env)
    assert out.status == "failed" and out.kind == "unavailable"
    assert "ticket system unavailable: HTTP 503 on POST /rest/api/3/issue/PROC-42/comment" in out.message
    assert out.saved is not None and out.saved.parent == tmp_path / "outbox"
    saved = json.loads((out.saved / "delivery.json").read_text())
    assert sorted(saved["done"]) == ["upload quote.proposal-lint.html", "upload quote.proposal-lint.json"]
    assert len([r for r in sent(httpserver, "POST") if r.path.endswith("/attachments")]) == 2
    assert len([r for r in sent(httpserver, "POST") if r.path.endswith("/comment")]) == 3  # attempts

    httpserver.clear_all_handlers()
    httpserver.clear_log()
    jira_issue(httpserver)  # the fake still lists no attachments: only the recorded steps prevent re-uploads
    httpserver.expect_request("/rest/api/3/issue/PROC-42/comment", method="POST").respond_with_json({}, status=201)
    [again] = retry_outbox(env=env, config={})
    assert again.status == "delivered", again.message
    assert [r.path for r in sent(httpserver, "POST")] == ["/rest/api/3/issue/PROC-42/comment"]
    assert outbox.entries(tmp_path / "outbox") == []


# ---- ServiceNow -------------------------------------------------------------------------


def test_servicenow_attachment_file_then_work_note(httpserver, tmp_path, reports):
    html, js = reports
    env = base_env(httpserver, tmp_path, "servicenow", user="integration", password=TOKEN)
    auth = {"Authorization": basic("integration", TOKEN), "Accept": "application/json"}
    httpserver.expect_request(f"/api/now/table/sc_request/{SYS_ID}", method="GET", headers=auth).respond_with_json({"result": {"sys_id": SYS_ID}})
    httpserver.expect_request("/api/now/attachment", method="GET", query_string={
        "sysparm_query": f"table_name=sc_request^table_sys_id={SYS_ID}", "sysparm_fields": "file_name"}).respond_with_json({"result": []})
    httpserver.expect_request("/api/now/table/sys_journal_field", method="GET").respond_with_json({"result": []})
    for f in (html, js):
        httpserver.expect_request(
            "/api/now/attachment/file", method="POST", headers={**auth, "Content-Type": "text/html" if f == html else "application/json"},
            query_string={"table_name": "sc_request", "table_sys_id": SYS_ID, "file_name": tagged(f)},
            data=f.read_bytes(),
        ).respond_with_json({"result": {"sys_id": "a" * 32}}, status=201)
    httpserver.expect_request(f"/api/now/table/sc_request/{SYS_ID}", method="PATCH", headers=auth).respond_with_json({"result": {}})

    out = attach(f"servicenow:sc_request/{SYS_ID}", reports, env)
    assert out.status == "delivered", out.message
    [patch] = sent(httpserver, "PATCH")
    note = patch.get_json()["work_notes"]
    assert set(patch.get_json()) == {"work_notes"}
    assert tagged(js) in note and sha(js) in note and "verdict **prompt**" in note
    journal = [r for r in sent(httpserver, "GET") if r.path.endswith("sys_journal_field")][0]
    assert journal.args["sysparm_query"].startswith(f"element_id={SYS_ID}^element=work_notes^valueLIKEproposal-lint delivery ")


# ---- Zendesk -----------------------------------------------------------------------------


def test_zendesk_uploads_tokens_then_private_comment_with_503_retry(httpserver, tmp_path, reports):
    html, js = reports
    env = base_env(httpserver, tmp_path, "zendesk", email="agent@example.com", api_token=TOKEN)
    auth = {"Authorization": basic("agent@example.com/token", TOKEN)}
    httpserver.expect_request("/api/v2/tickets/9876/comments", method="GET", headers=auth).respond_with_json({"comments": [{"body": "Hello"}]})
    # the first upload meets a 503 once, then succeeds
    httpserver.expect_oneshot_request("/api/v2/uploads", method="POST").respond_with_data("busy", status=503)
    for i, f in enumerate((html, js)):
        httpserver.expect_request(
            "/api/v2/uploads", method="POST", query_string={"filename": f.name}, headers=auth, data=f.read_bytes(),
        ).respond_with_json({"upload": {"token": f"up{i}"}}, status=201)
    httpserver.expect_request("/api/v2/tickets/9876", method="PUT", headers=auth).respond_with_json({"ticket": {}})

    out = attach("zendesk:9876", reports, env)
    assert out.status == "delivered", out.message
    posts = sent(httpserver, "POST")
    assert [r.args["filename"] for r in posts] == [html.name, html.name, js.name]  # 503, retry, next file
    [put] = sent(httpserver, "PUT")
    comment = put.get_json()["ticket"]["comment"]
    assert comment["uploads"] == ["up0", "up1"] and comment["public"] is False
    assert "proposal-lint delivery" in comment["body"]


# ---- GitLab -------------------------------------------------------------------------------


def test_gitlab_project_upload_then_note_linking_it(httpserver, tmp_path, reports):
    html, js = reports
    env = base_env(httpserver, tmp_path, "gitlab", token=TOKEN)
    tok = {"PRIVATE-TOKEN": TOKEN}
    httpserver.expect_request("/api/v4/projects/buyers/procurement/issues/12", method="GET", headers=tok).respond_with_json({"iid": 12})
    httpserver.expect_request("/api/v4/projects/buyers/procurement/issues/12/notes", method="GET", headers=tok).respond_with_json([])
    for f in (html, js):
        httpserver.expect_oneshot_request("/api/v4/projects/buyers/procurement/uploads", method="POST", headers=tok).respond_with_json(
            {"markdown": f"[{f.name}](/uploads/abc/{f.name})", "url": f"/uploads/abc/{f.name}"}, status=201)
    httpserver.expect_request("/api/v4/projects/buyers/procurement/issues/12/notes", method="POST", headers=tok).respond_with_json({}, status=201)

    out = attach("gitlab:buyers/procurement#12", reports, env)
    assert out.status == "delivered", out.message
    uploads = [r for r in sent(httpserver, "POST") if r.path.endswith("/uploads")]
    assert all(r.environ["REQUEST_URI"].startswith("/api/v4/projects/buyers%2Fprocurement/") for r in uploads)
    assert [r.files["file"].filename for r in uploads] == [html.name, js.name]
    assert uploads[1].files["file"].read() == js.read_bytes()
    [note] = [r for r in sent(httpserver, "POST") if r.path.endswith("/notes")]
    body = note.get_json()["body"]
    assert f"- [{js.name}](/uploads/abc/{js.name}) sha256 `{sha(js)}`" in body


# ---- GitHub --------------------------------------------------------------------------------


def github_issue(server):
    h = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    server.expect_request("/repos/acme/buying/issues/7", method="GET", headers=h).respond_with_json({"number": 7})
    server.expect_request("/repos/acme/buying/issues/7/comments", method="GET", headers=h,
                          query_string={"per_page": "100"}).respond_with_json([{"body": "unrelated"}])
    return h


def test_github_comment_with_markdown_report_and_429_retry_after(httpserver, tmp_path, reports):
    _, js = reports
    md = tmp_path / "quote.proposal-lint.md"
    md.write_text("# proposal-lint report\n\nquote.pdf: **prompt**\n", encoding="utf-8")
    env = base_env(httpserver, tmp_path, "github", token=TOKEN)
    h = github_issue(httpserver)
    httpserver.expect_oneshot_request("/repos/acme/buying/issues/7/comments", method="POST").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "1"}))
    httpserver.expect_request("/repos/acme/buying/issues/7/comments", method="POST", headers=h).respond_with_json({"id": 1}, status=201)

    t0 = time.monotonic()
    out = attach("github:acme/buying#7", [md, js], env)
    assert out.status == "delivered", out.message
    assert time.monotonic() - t0 >= 1.0  # Retry-After honoured (backoff alone would be 0.05 s)
    posts = sent(httpserver, "POST")
    assert len(posts) == 2
    body = posts[1].get_json()["body"]
    assert body.startswith("# proposal-lint report\n\nquote.pdf: **prompt**")
    assert sha(js) in body and "proposal-lint delivery" in body


def test_github_404_and_401_are_one_line_exit_4(httpserver, tmp_path, reports):
    env = base_env(httpserver, tmp_path, "github", token=TOKEN)
    httpserver.expect_request("/repos/acme/buying/issues/404", method="GET").respond_with_json({"message": "Not Found"}, status=404)
    httpserver.expect_request("/repos/acme/buying/issues/401", method="GET").respond_with_json(
        {"message": "Bad credentials", "echo": f"Bearer {TOKEN}"}, status=401)
    r = run_cli("attach", "github:acme/buying#404", reports[1], env=env)
    assert r.returncode == exitcodes.DELIVERY_FAILED
    assert r.stderr == "proposal-lint: error: github:acme/buying#404: ticket not found (HTTP 404 on GET /repos/acme/buying/issues/404)\n"
    assert not (tmp_path / "outbox").exists()  # would fail again: not kept

    r = run_cli("attach", "--debug", "github:acme/buying#401", reports[1], env=env)
    assert r.returncode == exitcodes.DELIVERY_FAILED
    errors = [line for line in r.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1
    assert "bad credentials or missing permission (HTTP 401 on GET /repos/acme/buying/issues/401); check PROPOSAL_LINT_GITHUB_TOKEN" in errors[0]
    assert TOKEN not in r.stdout + r.stderr


# ---- webhook ---------------------------------------------------------------------------------


def test_webhook_posts_signed_json_report(httpserver, tmp_path, reports):
    _, js = reports
    env = {
        "PROPOSAL_LINT_WEBHOOK_PROCUREMENT_URL": httpserver.url_for("/hooks/procurement"),
        "PROPOSAL_LINT_WEBHOOK_PROCUREMENT_SECRET": TOKEN,
        "PROPOSAL_LINT_OUTBOX": str(tmp_path / "outbox"),
    }
    httpserver.expect_request("/hooks/procurement", method="POST", headers={"Content-Type": "application/json"},
                              data=js.read_bytes()).respond_with_data("", status=204)
    out = attach("webhook:procurement", reports, env)
    assert out.status == "delivered", out.message
    [req] = sent(httpserver)
    expected = "sha256=" + hmac.new(TOKEN.encode(), req.get_data(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(req.headers["X-Proposal-Lint-Signature-256"], expected)
    assert req.headers["Idempotency-Key"] == req.headers["X-Proposal-Lint-Delivery"] and len(req.headers["Idempotency-Key"]) == 64
    assert TOKEN not in req.get_data(as_text=True)


# ---- outbox and secrets through the real command --------------------------------------------


def test_outbox_keeps_a_delivery_while_down_and_retry_outbox_delivers(tmp_path, reports):
    _, js = reports
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    port = server.port
    server.stop()  # the ticket system is down
    env = {
        "PROPOSAL_LINT_GITHUB_URL": f"http://127.0.0.1:{port}",
        "PROPOSAL_LINT_GITHUB_TOKEN": TOKEN,
        "PROPOSAL_LINT_OUTBOX": str(tmp_path / "outbox"),
        "PROPOSAL_LINT_HTTP_ATTEMPTS": "2",
        "PROPOSAL_LINT_HTTP_BACKOFF": "0.05",
    }
    r = run_cli("attach", "--debug", "github:acme/buying#7", js, env=env)
    assert r.returncode == exitcodes.DELIVERY_FAILED
    assert f"ticket system unavailable: cannot connect to http://127.0.0.1:{port} (ConnectError)" in r.stderr
    assert "kept in the outbox" in r.stderr and "--retry-outbox" in r.stderr
    assert TOKEN not in r.stdout + r.stderr
    [entry] = outbox.entries(tmp_path / "outbox")
    stored = "".join(p.read_text(errors="replace") for p in entry.rglob("*") if p.is_file())
    assert TOKEN not in stored
    js.unlink()  # the outbox holds its own copy

    server = HTTPServer(host="127.0.0.1", port=port)
    server.start()
    try:
        github_issue(server)
        server.expect_request("/repos/acme/buying/issues/7/comments", method="POST").respond_with_json({"id": 1}, status=201)
        r = run_cli("attach", "--retry-outbox", env=env)
        assert r.returncode == exitcodes.OK, r.stderr
        assert "github:acme/buying#7: attached quote.proposal-lint.json" in r.stderr
        assert len(sent(server, "POST")) == 1
        assert outbox.entries(tmp_path / "outbox") == []
        r = run_cli("attach", "--retry-outbox", env=env)
        assert r.returncode == exitcodes.OK and "nothing to retry" in r.stderr
    finally:
        server.clear()
        server.stop()


def test_secrets_never_in_errors_even_when_the_server_echoes_them(httpserver, tmp_path, reports):
    env = base_env(httpserver, tmp_path, "zendesk", email="agent@example.com", api_token=TOKEN)
    auth_b64 = base64.b64encode(f"agent@example.com/token:{TOKEN}".encode()).decode()
    httpserver.expect_request("/api/v2/tickets/5/comments", method="GET").respond_with_json(
        {"error": f"invalid request with token {TOKEN} / Basic {auth_b64}"}, status=400)
    out = attach("zendesk:5", reports, env)
    assert out.status == "failed" and out.kind == "rejected"
    assert "***" in out.message and TOKEN not in out.message and auth_b64 not in out.message

    r = run_cli("attach", "--debug", "zendesk:5", reports[1], env=env)
    assert r.returncode == exitcodes.DELIVERY_FAILED
    assert TOKEN not in r.stdout + r.stderr and auth_b64 not in r.stdout + r.stderr
    assert "proposal-lint: debug:" in r.stderr  # --debug did say more


def test_watch_hook_attaches_by_file_name_pattern(httpserver, tmp_path, reports, monkeypatch):
    import types

    from proposal_lint.tickets.deliver import DeliveryFailed, watch_hook

    html, js = reports
    src = tmp_path / "done" / "PROC-42 vendor quote.pdf"
    src.parent.mkdir()
    src.write_bytes(b"%PDF-1.7")
    for k, v in base_env(httpserver, tmp_path, "jira", email="b@example.com", api_token=TOKEN).items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("PROPOSAL_LINT_TICKETS_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("")
    jira_issue(httpserver)
    httpserver.expect_request("/rest/api/3/issue/PROC-42/attachments", method="POST").respond_with_json([{"id": "1"}])
    httpserver.expect_request("/rest/api/3/issue/PROC-42/comment", method="POST").respond_with_json({}, status=201)
    hook = watch_hook(r"^(?P<key>[A-Z]+-\d+) ", "jira:{key}")
    report_set = types.SimpleNamespace(name=src.name, source=src, reports={"html": html, "json": js, "sarif": js})
    hook(report_set)
    assert len(sent(httpserver, "POST")) == 3  # two files, one comment

    other = types.SimpleNamespace(name="no ticket.pdf", source=tmp_path / "no ticket.pdf", reports={"json": js})
    hook(other)  # no ticket in the name: nothing sent
    assert len(sent(httpserver, "POST")) == 3

    httpserver.clear_all_handlers()
    jira_issue(httpserver)
    httpserver.expect_request("/rest/api/3/issue/PROC-42/attachments", method="POST").respond_with_data("", status=403)
    html.write_text("changed", encoding="utf-8")
    with pytest.raises(DeliveryFailed, match="bad credentials") as exc:
        hook(report_set)
    assert TOKEN not in str(exc.value)


def test_check_attach_failure_exits_4_after_printing_the_report(tmp_path, text_file):
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    port = server.port
    server.stop()
    env = {
        "PROPOSAL_LINT_GITHUB_URL": f"http://127.0.0.1:{port}",
        "PROPOSAL_LINT_GITHUB_TOKEN": TOKEN,
        "PROPOSAL_LINT_OUTBOX": str(tmp_path / "outbox"),
        "PROPOSAL_LINT_HTTP_ATTEMPTS": "1",
    }
    r = run_cli("check", "--format", "json", "--attach", "github:acme/buying#7", text_file, env=env)
    assert r.returncode == exitcodes.DELIVERY_FAILED, r.stderr
    assert r.json()["documents"][0]["verdict"]["recommendation"] == "no-fine-tuning"
    assert "github:acme/buying#7: ticket system unavailable" in r.stderr and TOKEN not in r.stderr
    [entry] = outbox.entries(tmp_path / "outbox")
    assert sorted(p.name for p in (entry / "files").iterdir()) == ["00-notes.proposal-lint.html", "01-notes.proposal-lint.json"]


def test_an_unexpected_answer_is_a_delivery_failure_not_a_crash(httpserver, tmp_path, reports):
    env = base_env(httpserver, tmp_path, "zendesk", email="agent@example.com", api_token=TOKEN)
    httpserver.expect_request("/api/v2/tickets/5/comments", method="GET").respond_with_json({"comments": []})
    httpserver.expect_request("/api/v2/uploads", method="POST").respond_with_data("<html>proxy login</html>", status=200)
    out = attach("zendesk:5", reports, env)
    assert out.status == "failed" and out.kind == "unavailable"
    assert "unexpected answer from the ticket system (upload quote.proposal-lint.html: JSONDecodeError)" in out.message
    assert out.saved is not None

"""What every ticket system shares: ticket references, settings and secrets,
HTTP with retries, deliveries made of recorded steps, and the errors.

A delivery is a list of steps (probe the ticket, upload each file, post the
comment...). Each step is recorded in `Delivery.done` when it succeeds, with
what later steps need (an upload token, a link), so a retry - right away or
from the outbox days later - repeats only the steps that did not succeed.
Retries inside one step (429/502/503/504, connection errors, honouring
Retry-After) are tenacity's job; each step makes at most one write request.

Secrets come only from environment variables, named either by convention
(PROPOSAL_LINT_REDMINE_API_KEY) or by a config file (`api_key_env = "NAME"`).
They are held in `Secret`, whose str/repr never show the value, and every
error message is passed through `redact` before it is raised.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import mimetypes
import os
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

SYSTEMS = ("redmine", "jira", "servicenow", "zendesk", "gitlab", "github", "webhook")

TICKET_SYNTAX = {
    "redmine": "redmine:1234",
    "jira": "jira:PROC-42",
    "servicenow": "servicenow:sc_request/<32-hex sys_id>",
    "zendesk": "zendesk:9876",
    "gitlab": "gitlab:group/project#12",
    "github": "github:owner/repo#12",
    "webhook": "webhook:NAME",
}

_PATTERNS = {
    "redmine": re.compile(r"(?P<id>[1-9][0-9]*)"),
    "jira": re.compile(r"(?P<key>[A-Z][A-Z0-9_]*-[1-9][0-9]*)"),
    "servicenow": re.compile(r"(?P<table>[a-z][a-z0-9_]*)/(?P<sys_id>[0-9a-f]{32})"),
    "zendesk": re.compile(r"(?P<id>[1-9][0-9]*)"),
    "gitlab": re.compile(r"(?P<project>[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+)#(?P<iid>[1-9][0-9]*)"),
    "github": re.compile(r"(?P<owner>[A-Za-z0-9-]+)/(?P<repo>[A-Za-z0-9_.-]+)#(?P<number>[1-9][0-9]*)"),
    "webhook": re.compile(r"(?P<name>[A-Za-z][A-Za-z0-9_-]*)"),
}


class TicketRefError(ValueError):
    """A ticket reference that does not parse; the message lists the syntax."""


@dataclass(frozen=True)
class TicketRef:
    system: str
    raw: str  # the part after "system:"
    parts: tuple[tuple[str, str], ...]

    def __getitem__(self, name: str) -> str:
        return dict(self.parts)[name]

    def __str__(self) -> str:
        return f"{self.system}:{self.raw}"


def parse_ticket(text: str) -> TicketRef:
    """`redmine:1234`, `jira:PROC-42`, `servicenow:sc_request/<sys_id>`,
    `zendesk:9876`, `gitlab:group/project#12`, `github:owner/repo#12`, `webhook:NAME`."""
    system, sep, rest = text.strip().partition(":")
    system = system.lower()
    if not sep or system not in _PATTERNS:
        raise TicketRefError(
            f"not a ticket reference: {text!r} (expected one of: {', '.join(TICKET_SYNTAX.values())})"
        )
    m = _PATTERNS[system].fullmatch(rest.strip())
    if not m:
        raise TicketRefError(f"not a {system} ticket reference: {text!r} (expected {TICKET_SYNTAX[system]})")
    return TicketRef(system, rest.strip(), tuple(m.groupdict().items()))


def ticket_for_file(path: str | os.PathLike, pattern: str | None = None, template: str | None = None) -> TicketRef | None:
    """The ticket a watched file belongs to, or None.

    A sidecar file `<name>.ticket` (one reference, e.g. `jira:PROC-42`) wins.
    Otherwise `pattern` (a regex searched in the file name) with `template`
    (a str.format template over its named groups, e.g. `jira:{key}`); without
    a template the first group (or whole match) must be a full reference.
    """
    p = Path(path)
    sidecar = p.with_name(p.name + ".ticket")
    if sidecar.is_file():
        text = sidecar.read_text(encoding="utf-8").strip().splitlines()
        return parse_ticket(text[0]) if text else None
    if not pattern:
        return None
    m = re.search(pattern, p.name)
    if not m:
        return None
    if template:
        return parse_ticket(template.format(**m.groupdict()))
    return parse_ticket(m.group(1) if m.groups() else m.group(0))


# ---- secrets and settings ----------------------------------------------------


class Secret:
    """A credential. Shown as *** everywhere; `.value` only where it is sent."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str):
        self._value = value
        self.source = source  # the environment variable's name (safe to show)

    @property
    def value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret(from ${self.source})"

    __str__ = __repr__

    def __reduce__(self):  # never pickled or copied into an outbox file
        raise TypeError("secrets are not serialisable")


class ConfigError(Exception):
    """Missing or invalid settings for a ticket system (names variables, never values)."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    secret: bool = False
    required: bool = True
    default: str | None = None


def env_name(system: str, field_name: str, instance: str | None = None) -> str:
    parts = ["PROPOSAL_LINT", system, instance, field_name]
    return "_".join(p for p in parts if p).upper().replace("-", "_")


def resolve_settings(
    system: str,
    fields: list[FieldSpec],
    config: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    instance: str | None = None,
) -> dict[str, Any]:
    """Values for `fields`: environment first (PROPOSAL_LINT_<SYSTEM>[_<NAME>]_<FIELD>),
    then the config table. A secret in the config table must be a reference,
    `<field>_env = "VARIABLE"`; a literal secret there is refused."""
    env = os.environ if env is None else env
    config = config or {}
    out: dict[str, Any] = {}
    for spec in fields:
        var = env_name(system, spec.name, instance)
        if spec.secret and spec.name in config:
            raise ConfigError(
                f"{system}: the config file must not hold the secret '{spec.name}'; "
                f"set {var} or reference a variable with '{spec.name}_env = \"NAME\"'"
            )
        ref = config.get(f"{spec.name}_env")
        if var in env and env[var] != "":
            value, source = env[var], var
        elif ref:
            if str(ref) not in env or env[str(ref)] == "":
                raise ConfigError(f"{system}: '{spec.name}_env' names {ref}, which is not set")
            value, source = env[str(ref)], str(ref)
        elif not spec.secret and spec.name in config:
            value, source = str(config[spec.name]), "config"
        else:
            value, source = spec.default, var
        if value is None:
            out[spec.name] = None
            continue
        out[spec.name] = Secret(value, source) if spec.secret else value
    return out


def require(settings: Mapping[str, Any], system: str, *names: str, instance: str | None = None) -> None:
    missing = [env_name(system, n, instance) for n in names if not settings.get(n)]
    if missing:
        raise ConfigError(f"{system} is not configured: set {', '.join(missing)}")


def redact(text: str, secrets: list[Secret | str]) -> str:
    """`text` with every secret (and its common encodings) replaced by ***."""
    values = set()
    for s in secrets:
        v = s.value if isinstance(s, Secret) else s
        if v and len(v) >= 3:
            values.add(v)
    extra = set()
    for v in values:  # as it would appear in a basic-auth header or a URL
        extra.add(base64.b64encode(v.encode()).decode())
        from urllib.parse import quote

        extra.add(quote(v, safe=""))
    for v in sorted(values | extra, key=len, reverse=True):
        if v:
            text = text.replace(v, "***")
    return text


# ---- retry policy --------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # tries per step, including the first
    backoff: float = 1.0  # first wait in seconds; doubles, with jitter
    max_backoff: float = 30.0
    max_retry_after: float = 120.0  # a longer Retry-After gives up now (outbox) instead of blocking
    timeout: float = 30.0  # per request

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, config: Mapping[str, Any] | None = None) -> "RetryPolicy":
        env = os.environ if env is None else env
        config = config or {}
        kw = {}
        for name, var, conv in (
            ("attempts", "PROPOSAL_LINT_HTTP_ATTEMPTS", int),
            ("backoff", "PROPOSAL_LINT_HTTP_BACKOFF", float),
            ("max_retry_after", "PROPOSAL_LINT_HTTP_MAX_RETRY_AFTER", float),
            ("timeout", "PROPOSAL_LINT_HTTP_TIMEOUT", float),
        ):
            raw = env.get(var) or config.get(name)
            if raw not in (None, ""):
                try:
                    kw[name] = conv(raw)
                except ValueError:
                    raise ConfigError(f"{var} must be a number, not {raw!r}") from None
        kw["attempts"] = max(1, kw.get("attempts", cls.attempts))
        return cls(**kw)


RETRY_STATUSES = frozenset({429, 502, 503, 504})


class Transient(Exception):
    """A failure worth retrying: 429/502/503/504 or a connection problem."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# ---- errors ------------------------------------------------------------------------


class DeliveryError(Exception):
    """A delivery that failed; `kind` is one of not-found, auth, unavailable,
    rejected, config. The message is one line and holds no secret."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message

    @property
    def keep_in_outbox(self) -> bool:
        """Worth retrying later: the system was down, or credentials/settings
        need fixing. A missing ticket or a refused request would fail again."""
        return self.kind in ("unavailable", "auth", "config")


# ---- HTTP ----------------------------------------------------------------------------


class Http:
    """An httpx client for one ticket system: auth, timeouts, retries, and
    errors turned into one-line DeliveryErrors with secrets redacted."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        secrets: list[Secret] = (),
        policy: RetryPolicy = RetryPolicy(),
        credential_hint: str = "",
        log: Callable[[str], None] | None = None,
        transport=None,
    ):
        import httpx

        self.secrets = [s for s in secrets if s]
        self.policy = policy
        self.credential_hint = credential_hint
        self.log = log or (lambda msg: None)
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"User-Agent": _user_agent(), **(headers or {})},
            auth=auth,
            timeout=policy.timeout,
            follow_redirects=False,
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def request(self, method: str, url: str, *, what: str, **kwargs):
        """One request, retried on transient failures. Returns the response
        for 2xx; raises DeliveryError otherwise."""
        from tenacity import RetryError, Retrying, retry_if_exception, stop_after_attempt, wait_exponential, wait_random

        policy = self.policy
        expo = wait_exponential(multiplier=policy.backoff, max=policy.max_backoff) + wait_random(0, policy.backoff / 2)

        def retryable(exc: BaseException) -> bool:
            if not isinstance(exc, Transient):
                return False
            return exc.retry_after is None or exc.retry_after <= policy.max_retry_after

        def wait(state) -> float:
            exc = state.outcome.exception()
            if isinstance(exc, Transient) and exc.retry_after is not None:
                return exc.retry_after
            return expo(state)

        def before_sleep(state) -> None:
            exc = state.outcome.exception()
            self.log(f"{what}: {exc}; retry {state.attempt_number}/{policy.attempts - 1} in {state.next_action.sleep:.1f}s")

        retrying = Retrying(
            retry=retry_if_exception(retryable),
            stop=stop_after_attempt(policy.attempts),
            wait=wait,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(self._once, method, url, what, kwargs)
        except Transient as exc:
            raise DeliveryError("unavailable", self._redact(f"ticket system unavailable: {exc.message} ({what})")) from None
        except RetryError as exc:  # pragma: no cover - reraise=True makes this unreachable
            raise DeliveryError("unavailable", self._redact(f"ticket system unavailable ({what})")) from None

    def _once(self, method, url, what, kwargs):
        import httpx

        if "content" in kwargs and callable(kwargs["content"]):  # re-read the file on each attempt
            kwargs = {**kwargs, "content": kwargs["content"]()}
        try:
            resp = self.client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise Transient(self._redact(f"timed out after {self.policy.timeout:g}s on {method} {self._where(url)}")) from None
        except httpx.TransportError as exc:
            raise Transient(self._redact(f"cannot connect to {self.client.base_url} ({type(exc).__name__})")) from None
        self.log(f"{what}: {method} {self._where(url)} -> HTTP {resp.status_code}")
        code = resp.status_code
        if code < 300:
            return resp
        where = f"HTTP {code} on {method} {self._where(url)}"
        if code in RETRY_STATUSES:
            raise Transient(where, parse_retry_after(resp.headers.get("Retry-After")))
        if code in (401, 403):
            hint = f"; check {self.credential_hint}" if self.credential_hint else ""
            raise DeliveryError("auth", self._redact(f"bad credentials or missing permission ({where}){hint}"))
        if code == 404:
            raise DeliveryError("not-found", self._redact(f"ticket not found ({where})"))
        if code >= 500:
            raise DeliveryError("unavailable", self._redact(f"ticket system error ({where})"))
        raise DeliveryError("rejected", self._redact(f"request rejected ({where}): {_snippet(resp.text)}"))

    def _where(self, url: str) -> str:
        url = str(url).split("?", 1)[0]
        if "://" in url:  # an absolute URL (webhook, next page): its path may hold a token
            return "/".join(url.split("/", 3)[:3]) + "/..."
        return url


def _snippet(text: str, n: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _user_agent() -> str:
    from proposal_lint import __version__

    return f"proposal-lint/{__version__}"


# ---- deliveries -------------------------------------------------------------------


CONTENT_TYPES = {
    ".json": "application/json",
    ".html": "text/html",
    ".htm": "text/html",
    ".md": "text/markdown",
    ".sarif": "application/sarif+json",
    ".txt": "text/plain",
}


def content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class FileItem:
    name: str  # the file name shown in the ticket
    path: str  # where the bytes are (an outbox copy once saved)
    sha256: str
    size: int
    content_type: str

    @classmethod
    def from_path(cls, path: str | os.PathLike, name: str | None = None) -> "FileItem":
        p = Path(path)
        return cls(name=name or p.name, path=str(p), sha256=sha256_file(p), size=p.stat().st_size, content_type=content_type(p.name))

    def read(self) -> bytes:
        return Path(self.path).read_bytes()

    @property
    def tagged_name(self) -> str:
        """`report.html` -> `report.<sha256[:12]>.html`: where an API keeps no
        hash or description, the name itself says which bytes it holds."""
        p = Path(self.name)
        return f"{p.stem}.{self.sha256[:12]}{p.suffix}"


@dataclass
class Delivery:
    """One report set for one ticket, and which steps have succeeded."""

    ticket: str
    files: list[FileItem]
    comment: str  # Markdown; ends with the delivery marker
    key: str  # identifies the delivery: ticket + file names and hashes
    done: dict[str, Any] = field(default_factory=dict)  # step name -> what it returned
    attempts: int = 0
    last_error: str | None = None
    created: float = field(default_factory=time.time)
    markdown_report: str | None = None  # GitHub: the comment body when a Markdown report exists

    @property
    def marker(self) -> str:
        return f"proposal-lint delivery {self.key[:16]}"

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Delivery":
        data = dict(data)
        data["files"] = [FileItem(**f) for f in data["files"]]
        return cls(**data)


def delivery_key(ticket: str, files: list[FileItem]) -> str:
    h = hashlib.sha256(ticket.encode())
    for f in sorted(files, key=lambda f: f.name):
        h.update(f"\0{f.name}\0{f.sha256}".encode())
    return h.hexdigest()


@dataclass
class Step:
    name: str
    run: Callable[[], Any]  # returns what later steps need (JSON-able), recorded in Delivery.done


class Connector:
    """One ticket system. Subclasses set `system`, `FIELDS`, and implement
    `open()` (an Http client) and `steps(delivery)`.

    `steps` first reads the ticket (a GET, so it is never recorded and runs
    again on every retry): an unknown ticket raises not-found, and what the
    ticket already holds is left out, so a second delivery of the same files
    adds nothing."""

    system = ""
    FIELDS: list[FieldSpec] = []

    def __init__(self, ref: TicketRef, settings: Mapping[str, Any], policy: RetryPolicy, log: Callable[[str], None], transport=None):
        self.ref = ref
        self.settings = settings
        self.policy = policy
        self.log = log
        self.transport = transport
        self.http: Http | None = None

    @property
    def secrets(self) -> list[Secret]:
        return [v for v in self.settings.values() if isinstance(v, Secret)]

    def credential_hint(self) -> str:
        names = [v.source for v in self.secrets]
        return " and ".join(names)

    def open(self) -> Http:
        raise NotImplementedError

    def steps(self, delivery: Delivery) -> list[Step]:
        raise NotImplementedError

    def basic_or_bearer(self, user: str, password: str, token: str, missing: str) -> Http:
        """An Http client with basic auth (`user`, `password` settings) or else a
        bearer `token`; ConfigError(`missing`) when neither is configured."""
        s = self.settings
        headers = {"Accept": "application/json"}
        auth = None
        if s.get(user) and s.get(password):
            auth = (s[user], s[password].value)
        elif s.get(token):
            headers["Authorization"] = f"Bearer {s[token].value}"
        else:
            raise ConfigError(missing)
        return Http(s["url"], headers=headers, auth=auth, secrets=self.secrets, policy=self.policy,
                    credential_hint=self.credential_hint(), log=self.log, transport=self.transport)


def run_delivery(delivery: Delivery, connector: Connector, on_step: Callable[[Delivery], None] | None = None) -> bool:
    """Run the steps not yet done, recording each as it succeeds. Returns
    True when something was sent, False when the ticket already had it all.
    Raises DeliveryError (with `delivery.done` holding what did succeed)."""
    sent = False
    with connector.open() as http:
        connector.http = http
        with _unexpected_answers("reading the ticket"):
            steps = connector.steps(delivery)
        for step in steps:
            if step.name in delivery.done:
                connector.log(f"{step.name}: done earlier, skipped")
                continue
            with _unexpected_answers(step.name):
                result = step.run()
            delivery.done[step.name] = True if result is None else result
            sent = True
            if on_step:
                on_step(delivery)
    return sent


class _unexpected_answers:
    """A 2xx answer that is not the JSON the API documents (a proxy's HTML
    page, a changed API) is a delivery failure worth retrying, not a crash."""

    def __init__(self, what: str):
        self.what = what

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and issubclass(exc_type, (KeyError, IndexError, TypeError, ValueError)):
            raise DeliveryError("unavailable", f"unexpected answer from the ticket system ({self.what}: {exc_type.__name__})") from None
        return False

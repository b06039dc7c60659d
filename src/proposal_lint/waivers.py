"""Waivers: a reviewer accepts a finding, with a reason, in a YAML file.

    # proposal-lint-waivers.yaml
    waivers:
    - rule: PL001
      sha256: 3f9c...            # this exact document (any revision changes it)
      file: quote.pdf            # for people; not used for matching
      reason: Baseline shown in the demo on 3 March; minutes attached to the ticket.
      by: anna
      at: 2026-03-04
    - rule: PL002
      quote_fingerprint: 8fe3b03392aeb974   # this sentence, in any revision, on any page
      reason: ...

A waiver matches a finding of its rule when the document's sha256 is the
waiver's, or when one of the finding's quotes has the waiver's fingerprint
(`Evidence.fingerprint`, `model.quote_fingerprint(quote)`). A waived finding
stays in every report with `suppressed` set, and never counts toward the
exit code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from proposal_lint.config import ConfigError, Settings
from proposal_lint.model import DocumentResult, Suppression

WAIVERS_NAME = "proposal-lint-waivers.yaml"
HEADER = (
    "# proposal-lint waivers: findings a reviewer accepted, with the reason.\n"
    "# Written by `proposal-lint waive`; safe to edit by hand.\n"
)


class Waiver(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str = Field(pattern=r"^[A-Z]{2,}[0-9]{3}$")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    quote_fingerprint: str | None = Field(default=None, pattern=r"^[0-9a-f]{16}$")
    file: str | None = None
    quote: str | None = None
    reason: str = Field(min_length=1)
    by: str | None = None
    at: dt.date | None = None

    @model_validator(mode="after")
    def _one_target(self):
        if (self.sha256 is None) == (self.quote_fingerprint is None):
            raise ValueError("give exactly one of sha256 (the document) or quote_fingerprint (a quote)")
        return self

    def matches(self, result: DocumentResult, finding) -> bool:
        if finding.rule_id != self.rule:
            return False
        if self.sha256 is not None:
            return result.sha256 == self.sha256
        return any(ev.fingerprint == self.quote_fingerprint for ev in finding.evidence)


class WaiverFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    waivers: list[Waiver] = Field(default_factory=list)


@dataclass
class Waivers:
    entries: list[Waiver]
    path: Path | None = None


def load_waivers(path: Path) -> Waivers:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read waiver file: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    if data is None:
        return Waivers([], path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a waiver file is a mapping with a 'waivers' list")
    try:
        parsed = WaiverFile.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            what = "unknown key" if err["type"] == "extra_forbidden" else "key"
            msg = "" if err["type"] == "extra_forbidden" else f": {err['msg']}"
            lines.append(f"{path}: {what} '{loc}'{msg}")
        raise ConfigError("\n".join(lines)) from None
    return Waivers(parsed.waivers, path)


def default_waivers_path(settings: Settings, cwd: Path | None = None) -> Path:
    """Where waivers are read from and written to when no file is named.

    The file named by --waivers or the config's `waivers` key; otherwise
    proposal-lint-waivers.yaml next to the configuration file if one exists
    there, then in the current directory; a new file goes next to the
    configuration (or in the current directory when there is none).
    """
    if settings.waivers is not None:
        return settings.waivers
    cwd = cwd or Path.cwd()
    candidates = ([settings.config_path.parent / WAIVERS_NAME] if settings.config_path else []) + [cwd / WAIVERS_NAME]
    for c in candidates:
        if c.is_file():
            return c
    return candidates[0]


def waivers_for_run(settings: Settings, cwd: Path | None = None) -> Waivers:
    """The waivers a check uses: a named file must exist; the default file may be absent."""
    path = default_waivers_path(settings, cwd)
    if not path.is_file():
        if settings.waivers is not None:
            raise ConfigError(f"{path}: waiver file not found ({settings.where('waivers')})")
        return Waivers([], None)
    return load_waivers(path)


def apply_waivers(results: list[DocumentResult], waivers: Waivers) -> list[DocumentResult]:
    """Mark waived findings `suppressed`; the first matching waiver gives the reason."""
    if not waivers.entries:
        return results
    out = []
    for r in results:
        findings = []
        for f in r.findings:
            if f.suppressed is None:
                w = next((w for w in waivers.entries if w.matches(r, f)), None)
                if w is not None:
                    f = f.model_copy(update={"suppressed": Suppression(
                        reason=w.reason,
                        by=w.by,
                        at=w.at.isoformat() if w.at else None,
                        source=str(waivers.path) if waivers.path else None,
                    )})
            findings.append(f)
        out.append(r.model_copy(update={"findings": findings}))
    return out


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def add_waiver(path: Path, waiver: Waiver) -> int:
    """Append a waiver to the file (created if missing); returns how many it now holds."""
    import yaml

    existing = load_waivers(path).entries if path.is_file() else []
    entries = [*existing, waiver]
    data = {"waivers": [w.model_dump(mode="python", exclude_none=True) for w in entries]}
    text = HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return len(entries)

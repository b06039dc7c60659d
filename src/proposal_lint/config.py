"""Configuration: `[tool.proposal-lint]` in pyproject.toml, or proposal-lint.toml.

Discovery walks up from the current directory; the nearest folder with a
configuration wins. In one folder, `proposal-lint.toml` wins over
`pyproject.toml`, and a `pyproject.toml` without a `[tool.proposal-lint]`
table is not a configuration (the walk goes on). `--config FILE` skips the
walk. Command-line flags replace the file's value for the same key.

    [tool.proposal-lint]
    select = ["PL00"]            # rule ids or prefixes; default: every rule
    extend-select = ["PL9"]      # added to select
    ignore = ["PL003"]           # removed last
    rules-dirs = ["my-rules"]    # extra rule folders, relative to this file
    fail-on = "warning"          # lowest severity that makes exit code 1 (default: any finding)
    format = "text"              # default report format
    waivers = "waivers.yaml"     # waiver file, relative to this file

    [tool.proposal-lint.severity]
    PL003 = "warning"

This module is library code: errors are `ConfigError`, which the command
line turns into exit code 2.
"""

from __future__ import annotations

from typing import Any

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from proposal_lint.model import DocumentResult, Severity

CONFIG_NAME = "proposal-lint.toml"
PYPROJECT = "pyproject.toml"
TOOL_TABLE = "proposal-lint"
SEVERITY_RANK = {Severity.info: 0, Severity.warning: 1, Severity.error: 2}


class ConfigError(Exception):
    """A configuration the user must fix (exit code 2); the message names the file."""


class Config(BaseModel):
    """The keys of the configuration table, exactly as written in TOML."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    select: list[str] | None = None
    extend_select: list[str] = Field(default_factory=list, alias="extend-select")
    ignore: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)
    rules_dirs: list[str] = Field(default_factory=list, alias="rules-dirs")
    fail_on: Severity | None = Field(default=None, alias="fail-on")
    format: str | list[str] | None = None
    waivers: str | None = None
    # Ticket systems (`[tool.proposal-lint.tickets]`): read and checked by
    # proposal_lint.tickets, which knows what each system needs.
    tickets: dict[str, Any] = Field(default_factory=dict)


KNOWN_KEYS = sorted(f.alias or name for name, f in Config.model_fields.items())


@dataclass
class LoadedConfig:
    config: Config
    path: Path | None  # None: no configuration file found

    @property
    def folder(self) -> Path | None:
        return self.path.parent if self.path else None


def _explain(path: Path, exc: ValidationError) -> ConfigError:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            hint = difflib.get_close_matches(str(err["loc"][-1]), KNOWN_KEYS, n=1)
            more = f" (did you mean '{hint[0]}'?)" if hint and len(err["loc"]) == 1 else ""
            lines.append(f"{path}: unknown key '{loc}'{more}; known keys: {', '.join(KNOWN_KEYS)}")
        else:
            lines.append(f"{path}: key '{loc}': {err['msg']}")
    return ConfigError("\n".join(lines))


def _read_toml(path: Path) -> dict:
    import tomllib

    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror}") from None


def _table(path: Path, data: dict) -> dict | None:
    """The configuration table of a file: top level, or [tool.proposal-lint] in pyproject.toml."""
    if path.name != PYPROJECT:
        return data
    tool = data.get("tool", {})
    table = tool.get(TOOL_TABLE) if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.{TOOL_TABLE}] must be a table")
    return table


def parse_config(path: Path) -> Config:
    table = _table(path, _read_toml(path)) or {}
    try:
        return Config.model_validate(table)
    except ValidationError as exc:
        raise _explain(path, exc) from None


def find_config(start: Path) -> Path | None:
    """The nearest configuration file at or above `start`."""
    start = start.resolve()
    for folder in [start, *start.parents]:
        own = folder / CONFIG_NAME
        if own.is_file():
            return own
        pyproject = folder / PYPROJECT
        if pyproject.is_file():
            try:
                if _table(pyproject, _read_toml(pyproject)) is not None:
                    return pyproject
            except ConfigError:
                # Someone else's broken pyproject.toml without our table is
                # not our business; one that has it is reported when parsed.
                if f"[tool.{TOOL_TABLE}" in pyproject.read_text(encoding="utf-8", errors="replace"):
                    raise
    return None


def load_config(path: str | Path | None = None, cwd: Path | None = None) -> LoadedConfig:
    """The given file, or the nearest one found walking up from `cwd`; empty when there is none."""
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"{p}: configuration file not found")
    else:
        p = find_config(cwd or Path.cwd())
        if p is None:
            return LoadedConfig(Config(), None)
    return LoadedConfig(parse_config(p), p)


# ---- settings: file + flags ------------------------------------------------------


def split_ids(values: Iterable[str]) -> list[str]:
    """`--select PL001,PL002 --select PL003` -> ["PL001", "PL002", "PL003"]."""
    return [part.strip().upper() for v in values for part in v.split(",") if part.strip()]


@dataclass
class Settings:
    """What a run uses, after the configuration file and the command-line flags."""

    config_path: Path | None = None
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    rules_dirs: list[Path] = field(default_factory=list)
    fail_on: Severity | None = None
    formats: list[str] = field(default_factory=list)  # empty: not set anywhere
    waivers: Path | None = None  # explicitly named waiver file (flag or config)
    sources: dict[str, str] = field(default_factory=dict)  # key -> "the command line" or the file

    def where(self, key: str) -> str:
        return self.sources.get(key, "the command line")

    def rule_ids(self, rules: Sequence) -> list[str]:
        """Enabled rule ids, in rule order; an id or prefix that matches no rule is an error."""
        ids = [r.id for r in rules]
        self.check_ids(ids)
        base = ids if self.select is None else [i for i in ids if _matches(i, self.select)]
        chosen = set(base) | {i for i in ids if _matches(i, self.extend_select)}
        return [i for i in ids if i in chosen and not _matches(i, self.ignore)]

    def check_ids(self, ids: Sequence[str]) -> None:
        problems = []
        for key, selectors in (
            ("select", self.select or []),
            ("extend-select", self.extend_select),
            ("ignore", self.ignore),
            ("severity", list(self.severity)),
        ):
            for sel in selectors:
                if key == "severity" and sel not in ids:
                    problems.append(f"{self.where(key)}: severity: unknown rule '{sel}'")
                elif key != "severity" and sel != "ALL" and not any(i.startswith(sel) for i in ids):
                    problems.append(f"{self.where(key)}: {key}: '{sel}' matches no rule (ids or prefixes such as PL00)")
        if problems:
            raise ConfigError("\n".join(problems) + f"\nknown rules: {', '.join(ids)}")

    def report_format(self, flag):
        """The --format value to use: the flag, else the configuration's, else text (same shape as the flag)."""
        chosen = self.formats or ["text"]
        return list(chosen) if isinstance(flag, (tuple, list)) else chosen[0]

    def severity_of(self, rule) -> Severity:
        return self.severity.get(rule.id, rule.severity)


def _matches(rule_id: str, selectors: Iterable[str]) -> bool:
    return any(sel == "ALL" or rule_id.startswith(sel) for sel in selectors)


def resolve(
    loaded: LoadedConfig,
    *,
    select: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    fail_on: str | None = None,
    rules_dirs: Sequence[str] = (),
    formats: Sequence[str] | str | None = None,
    waivers: str | None = None,
) -> Settings:
    """Settings from a loaded file and the flags; a flag that is given replaces the file's key."""
    cfg, where = loaded.config, str(loaded.path) if loaded.path else "the command line"
    folder = loaded.folder or Path.cwd()
    s = Settings(config_path=loaded.path)
    from_file = []

    def pick(key: str, flag, file_value):
        if flag:
            return flag
        if file_value not in (None, [], {}):
            from_file.append(key)
        return file_value

    sel = pick("select", split_ids(select), cfg.select)
    s.select = None if sel is None else split_ids(sel)
    s.extend_select = split_ids(pick("extend-select", split_ids(extend_select), cfg.extend_select))
    s.ignore = split_ids(pick("ignore", split_ids(ignore), cfg.ignore))
    s.severity = {k.upper(): v for k, v in cfg.severity.items()}
    if s.severity:
        from_file.append("severity")
    fo = pick("fail-on", fail_on, cfg.fail_on)
    s.fail_on = Severity(fo) if fo else None
    if rules_dirs:
        s.rules_dirs = [Path(d) for d in rules_dirs]
    else:
        s.rules_dirs = [folder / d for d in cfg.rules_dirs]
        if cfg.rules_dirs:
            from_file.append("rules-dirs")
            for d in s.rules_dirs:
                if not d.is_dir():
                    raise ConfigError(f"{where}: rules-dirs: folder not found: {d}")
    flag_formats = [formats] if isinstance(formats, str) else list(formats or [])
    file_formats = [cfg.format] if isinstance(cfg.format, str) else list(cfg.format or [])
    s.formats = list(pick("format", flag_formats, file_formats) or [])
    if waivers:
        s.waivers = Path(waivers)
    elif cfg.waivers:
        s.waivers = folder / cfg.waivers
        from_file.append("waivers")
    s.sources = {key: where for key in from_file}
    return s


def check_formats(settings: Settings, known: Iterable[str]) -> None:
    known = list(known)
    bad = [f for f in settings.formats if f not in known]
    if bad:
        raise ConfigError(f"{settings.where('format')}: format: unknown format '{bad[0]}' (known: {', '.join(known)})")


# ---- applying settings to results -------------------------------------------------


def apply_config(results: list[DocumentResult], settings: Settings, rule_ids: Sequence[str] | None = None) -> list[DocumentResult]:
    """Severity overrides, and (when given) only the enabled rules' findings."""
    out = []
    for r in results:
        findings = []
        for f in r.findings:
            if rule_ids is not None and f.rule_id not in rule_ids:
                continue
            if f.rule_id in settings.severity:
                f = f.model_copy(update={"severity": settings.severity[f.rule_id]})
            findings.append(f)
        out.append(r.model_copy(update={"findings": findings}))
    return out


def counts(finding, fail_on: Severity | None) -> bool:
    """Does this finding make the exit code 1? Waived findings never do."""
    if finding.suppressed is not None:
        return False
    return fail_on is None or SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[Severity(fail_on)]


def exit_code(results: list[DocumentResult], fail_on: Severity | None = None, exit_zero: bool = False) -> int:
    """The process exit code for a run (see exitcodes.py for the priorities)."""
    from proposal_lint import exitcodes

    if any(r.error is not None and r.error.code == "internal-error" for r in results):
        return exitcodes.INTERNAL_ERROR
    if any(r.error is not None for r in results):
        return exitcodes.UNREADABLE
    if not exit_zero and any(counts(f, fail_on) for r in results for f in r.findings):
        return exitcodes.FINDINGS
    return exitcodes.OK

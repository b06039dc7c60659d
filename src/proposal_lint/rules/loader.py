"""Find and load rule and concept files; report bad files by name, field and problem."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import TypeAdapter, ValidationError

from proposal_lint.rules.schema import Concept, Rule


class RuleLoadError(Exception):
    pass


def builtin_rules_dir() -> Path:
    """rules/ from the installed wheel, or the top-level folder of a source checkout."""
    packaged = Path(__file__).resolve().parents[1] / "_rules"
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parents[3] / "rules"
    if source.is_dir():
        return source
    raise RuleLoadError("built-in rules folder not found (broken installation?)")


@dataclass
class RuleSet:
    rules: list[Rule]
    concepts: dict[str, Concept]
    sources: dict[str, Path]  # rule id / concept id -> file


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise RuleLoadError(f"{path}:{where} invalid YAML: {getattr(exc, 'problem', exc)}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleLoadError(f"{path}: cannot read: {exc}") from None


def _explain(path: Path, exc: ValidationError, tagged: bool = False) -> RuleLoadError:
    lines = []
    for err in exc.errors():
        # A tagged union puts the tag ("mention", ...) first in the location.
        parts = err["loc"][1:] if tagged and len(err["loc"]) > 1 else err["loc"]
        loc = ".".join(str(p) for p in parts) or "(file)"
        lines.append(f"{path}: field '{loc}': {err['msg']}")
    return RuleLoadError("\n".join(lines))


_concept_adapter = TypeAdapter(Concept)
_KINDS = ("mention", "cooccurrence", "parts", "context")


def load_rule_file(path: Path) -> Rule:
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise RuleLoadError(f"{path}: a rule file must be a YAML mapping")
    try:
        return Rule.model_validate(data)
    except ValidationError as exc:
        raise _explain(path, exc) from None


def load_concept_file(path: Path) -> Concept:
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise RuleLoadError(f"{path}: a concept file must be a YAML mapping")
    try:
        return _concept_adapter.validate_python(data)
    except ValidationError as exc:
        raise _explain(path, exc, tagged="kind" in data and data["kind"] in _KINDS) from None


def _yaml_files(folder: Path) -> Iterable[Path]:
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def load_ruleset(extra_dirs: Sequence[Path] = ()) -> RuleSet:
    """Built-in rules plus user folders. A user folder may hold rules and a concepts/ subfolder.

    A user concept file with the id of a built-in concept extends its term
    groups (adds synonyms) rather than replacing it.
    """
    rules: list[Rule] = []
    concepts: dict = {}
    sources: dict[str, Path] = {}
    for folder in [builtin_rules_dir(), *map(Path, extra_dirs)]:
        if not folder.is_dir():
            raise RuleLoadError(f"{folder}: rules folder not found")
        for path in _yaml_files(folder / "concepts") if (folder / "concepts").is_dir() else []:
            concept = load_concept_file(path)
            if concept.id in concepts:
                base = concepts[concept.id]
                if base.kind != concept.kind:
                    raise RuleLoadError(
                        f"{path}: concept '{concept.id}' is of kind {concept.kind}, "
                        f"but {sources[concept.id]} defines it as {base.kind}"
                    )
                for group, phrases in concept.terms.items():
                    base.terms.setdefault(group, []).extend(phrases)
            else:
                concepts[concept.id] = concept
                sources[concept.id] = path
        for path in _yaml_files(folder):
            rule = load_rule_file(path)
            if rule.id in sources:
                raise RuleLoadError(f"{path}: duplicate rule id {rule.id} (also in {sources[rule.id]})")
            rules.append(rule)
            sources[rule.id] = path
    for rule in rules:
        check = rule.check
        names = [check.when] + {
            "absence": lambda: [check.missing],
            "purpose": lambda: [check.aim, check.versus] + ([check.served_by] if check.served_by else []),
            "cooccurs": lambda: list(check.also),
            "priced_only": lambda: [check.costs],
        }[check.type]()
        for name in names:
            if name in sources and name.upper() == name:  # a rule id (cooccurs)
                continue
            cid, _, group = name.partition(".")
            if cid in concepts and group and group not in concepts[cid].terms:
                raise RuleLoadError(f"{sources[rule.id]}: field 'check': concept '{cid}' has no term group '{group}'")
            if cid not in concepts:
                known = ", ".join(sorted(concepts))
                raise RuleLoadError(
                    f"{sources[rule.id]}: field 'check': unknown concept '{name}' (known: {known})"
                )
    if "context" not in concepts:
        raise RuleLoadError("no 'context' concept file found (rules/concepts/context.yaml)")
    rules.sort(key=lambda r: r.id)
    return RuleSet(rules=rules, concepts=concepts, sources=sources)

"""Measure detection quality against a labelled set of proposals.

A labels file (fixtures/proposals/labels.yaml) lists documents with the core
findings that must fire and the expected verdict. Each rendered file (PDF and
DOCX) is linted as a user would lint it; per-rule precision, recall and F1
and verdict accuracy are computed over all files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from proposal_lint.ingest import load_document
from proposal_lint.lint import Linter
from proposal_lint.model import IngestError


@dataclass
class Case:
    id: str
    path: Path
    fmt: str
    expected: set[str]
    verdict: str
    got: set[str] = field(default_factory=set)
    got_verdict: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.got == self.expected and self.got_verdict == self.verdict


@dataclass
class RuleScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class EvalReport:
    cases: list[Case]
    rules: dict[str, RuleScore]

    @property
    def verdict_accuracy(self) -> float:
        return sum(c.got_verdict == c.verdict for c in self.cases) / len(self.cases) if self.cases else 0.0


class LabelsError(Exception):
    pass


def find_labels(target: Path) -> Path:
    if target.is_file():
        return target
    for candidate in (target / "labels.yaml", target / "proposals" / "labels.yaml"):
        if candidate.is_file():
            return candidate
    raise LabelsError(f"{target}: no labels.yaml found (expected {target / 'labels.yaml'})")


def load_cases(labels: Path, formats: tuple[str, ...]) -> list[Case]:
    try:
        data = yaml.safe_load(labels.read_text(encoding="utf-8"))
        docs = data["documents"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise LabelsError(f"{labels}: not a labels file ({type(exc).__name__}: {exc})") from None
    cases = []
    for doc in docs:
        try:
            expect = doc["expect"]
            for fmt in formats:
                if fmt in doc:
                    cases.append(
                        Case(doc["id"], labels.parent / doc[fmt], fmt, set(expect["findings"]), expect["verdict"])
                    )
        except (KeyError, TypeError) as exc:
            raise LabelsError(f"{labels}: document {doc.get('id', '?')!r} lacks {exc}") from None
    return cases


def evaluate(
    target: Path,
    *,
    formats: tuple[str, ...] = ("pdf", "docx"),
    linter: Linter | None = None,
    rule_ids: set[str] | None = None,
) -> EvalReport:
    labels = find_labels(Path(target))
    cases = load_cases(labels, formats)
    linter = linter or Linter()
    # Every rule is scored: a rule the labels never expect can still raise false alarms.
    scored = rule_ids or ({r.id for r in linter.rules} | set().union(*(c.expected for c in cases)))
    scores = {rid: RuleScore() for rid in sorted(scored)}
    for case in cases:
        case.expected &= set(scores)
    for case in cases:
        try:
            result = linter.lint_one(load_document(case.path))
        except IngestError as exc:
            case.error = f"{exc.code}: {exc.message}"
            continue
        case.got = {f.rule_id for f in result.findings} & set(scores)
        case.got_verdict = result.verdict.recommendation.value if result.verdict else None
        for rid, score in scores.items():
            if rid in case.got and rid in case.expected:
                score.tp += 1
            elif rid in case.got:
                score.fp += 1
            elif rid in case.expected:
                score.fn += 1
    return EvalReport(cases, scores)


def render(report: EvalReport) -> str:
    lines = [f"{'rule':<8}{'precision':>10}{'recall':>8}{'F1':>7}{'TP':>5}{'FP':>4}{'FN':>4}"]
    for rid, s in report.rules.items():
        lines.append(f"{rid:<8}{s.precision:>10.2f}{s.recall:>8.2f}{s.f1:>7.2f}{s.tp:>5}{s.fp:>4}{s.fn:>4}")
    n = len(report.cases)
    right = sum(c.got_verdict == c.verdict for c in report.cases)
    lines.append(f"verdict accuracy: {report.verdict_accuracy:.2f} ({right}/{n} files)")
    wrong = [c for c in report.cases if not c.ok]
    if wrong:
        lines.append("")
        lines.append("mismatches:")
        for c in wrong:
            if c.error:
                lines.append(f"  {c.id} [{c.fmt}]: unreadable: {c.error}")
                continue
            extra, missing = sorted(c.got - c.expected), sorted(c.expected - c.got)
            bits = []
            if extra:
                bits.append("unexpected " + ",".join(extra))
            if missing:
                bits.append("missed " + ",".join(missing))
            if c.got_verdict != c.verdict:
                bits.append(f"verdict {c.got_verdict} (expected {c.verdict})")
            lines.append(f"  {c.id} [{c.fmt}]: " + "; ".join(bits))
    return "\n".join(lines)

"""The library entry point: Documents in, DocumentResults out.

Callers (CLI, watcher, tickets) use `Linter`; it loads the spaCy pipeline
and the rules once and runs documents through them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from proposal_lint.model import Document, DocumentResult, Recommendation, Verdict


class Linter:
    def __init__(self, extra_rule_dirs: Sequence[Path] = ()):
        # TEMPORARY until the rules engine lands (issue 4): no rules yet.
        self.extra_rule_dirs = list(extra_rule_dirs)

    def lint(self, docs: Iterable[Document]) -> list[DocumentResult]:
        return [
            DocumentResult(
                path=d.path,
                sha256=d.sha256,
                format=d.format.value,
                pages=d.pages,
                verdict=Verdict(recommendation=Recommendation.no_fine_tuning, reasons=["no rules loaded yet"]),
                findings=[],
                warnings=list(d.warnings),
            )
            for d in docs
        ]

"""The library entry point: Documents in, DocumentResults out.

Callers (CLI, watcher, tickets) use `Linter`; it loads the spaCy pipeline,
the rules and the matcher once, then runs documents through them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from pathlib import Path

from proposal_lint.gcpause import gc_paused
from proposal_lint.model import Document, DocumentResult


class Linter:
    def __init__(self, extra_rule_dirs: Sequence[Path] = ()):
        from proposal_lint.nlp.pipeline import get_nlp
        from proposal_lint.rules.concepts import ConceptEvaluator, build_matchers
        from proposal_lint.rules.loader import load_ruleset

        self.ruleset = load_ruleset(extra_rule_dirs)
        self.nlp = get_nlp()
        self.matchers = build_matchers(self.ruleset)
        self.evaluator = ConceptEvaluator(self.ruleset)
        self.labels = {cid: c.label or cid.replace("_", " ") for cid, c in self.ruleset.concepts.items()}
        self._heading_flags: dict[str, frozenset[str]] = {}  # heading text -> its flags
        self._path_flags: dict[tuple[str, ...], frozenset[str]] = {}  # section path -> flags
        # The pipeline, lemma table and patterns live as long as the process; move
        # them out of the garbage collector's sight so that the many small objects
        # made per document do not trigger rescans of them (~30% of NLP time on a
        # 100-page proposal, benchmarks/lint.py).
        gc.freeze()

    @property
    def rules(self):
        return self.ruleset.rules

    def lint(self, docs: Iterable[Document]) -> list[DocumentResult]:
        return [self.lint_one(d) for d in docs]

    def analyse(self, doc: Document):
        """Units and concept results for a document (used by lint, eval and debugging)."""
        from proposal_lint.nlp.units import make_units
        from proposal_lint.rules.concepts import annotate

        units = make_units(doc, self.nlp)
        annotate(units, self.matchers, self._flags_for)
        return units, self.evaluator.evaluate(units)

    def lint_one(self, doc: Document, rule_ids: Iterable[str] | None = None) -> DocumentResult:
        with gc_paused():
            return self._lint_one(doc, rule_ids)

    def _lint_one(self, doc: Document, rule_ids: Iterable[str] | None) -> DocumentResult:
        from proposal_lint.rules.checks import run_rule
        from proposal_lint.verdict import decide

        units, results = self.analyse(doc)
        fired: dict = {}
        for rule in self.ruleset.rules:
            if finding := run_rule(rule, results, units, self.labels, fired):
                fired[rule.id] = finding
        findings = list(fired.values())
        # The verdict follows every rule; selecting rules only filters what is reported.
        verdict = decide(results, findings)
        if rule_ids is not None:
            wanted = set(rule_ids)
            findings = [f for f in findings if f.rule_id in wanted]
        return DocumentResult(
            path=doc.path,
            sha256=doc.sha256,
            format=doc.format.value,
            pages=doc.pages,
            verdict=verdict,
            findings=findings,
            warnings=list(doc.warnings),
        )

    def _flags_for(self, section: list[str]) -> set[str]:
        """"rejected" / "education" when any heading on the path says so."""
        key = tuple(section)
        if key not in self._path_flags:
            self._path_flags[key] = self._path_flags_uncached(section)
        return self._path_flags[key]

    def _path_flags_uncached(self, section: list[str]) -> frozenset[str]:
        flags: set[str] = set()
        for depth, heading in enumerate(section, start=1):
            if heading not in self._heading_flags:
                from proposal_lint.nlp.pipeline import token_arrays

                arrays = token_arrays(self.nlp(heading))
                labels = {label for label, _, _ in self.matchers[2](*arrays)}
                found = set()
                if "context.rejected_heading" in labels:
                    # "Why not just a prompt?" rejects the prompt, not fine-tuning.
                    named = {label.split(".")[0] for label, _, _ in self.matchers[0](*arrays)}
                    if "fine_tuning" in named or not named & {"prompt_baseline", "retrieval"}:
                        found.add("rejected")
                if "context.education_heading" in labels:
                    found.add("education")
                elif "context.background_heading" in labels:
                    found.add("background")
                words = heading.lower().replace(".", " ").split()
                words = [w for w in words if w.isalpha()]
                if "context.this_engagement_heading" in labels:
                    pass  # "What was done before this SOW": this project's history
                elif "context.credentials_heading" in labels or (
                    # "About Summit Ridge" (not "About this proposal")
                    words[:1] == ["about"] and words[1:2] not in (["this"], ["the"], ["your"], ["you"])
                ):
                    found.add("credentials")
                if "context.price_heading" in labels:
                    found.add("price")
                self._heading_flags[heading] = frozenset(found)
            found = self._heading_flags[heading]
            # A price section is the innermost one ("8. Fees"), not a document
            # titled "Quote Q-117" whose every line would then be a price line.
            flags |= found if depth == len(section) else found - {"price"}
        return frozenset(flags)


def document_from_text(text: str, path: str = "<text>") -> Document:
    """A Document from a plain-text or Markdown passage (used by rule examples and eval)."""
    import hashlib

    from proposal_lint.ingest.text import parse_markdown
    from proposal_lint.model import Format

    blocks, title = parse_markdown(text)
    data = text.encode()
    return Document(path=path, format=Format.markdown, sha256=hashlib.sha256(data).hexdigest(),
                    size=len(data), title=title, blocks=blocks)

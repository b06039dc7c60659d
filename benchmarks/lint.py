"""End-to-end lint speed: proposal-lint on a 100-page text-heavy PDF vs bare pypdfium2.

    python benchmarks/lint.py [--pages 100] [--runs 3]

Two 100-page inputs: "dense" (benchmarks/extract.py's generator: every
sentence talks about fine-tuning, baselines and evals: the worst case for the
rules) and "proposals" (the paragraphs of the shipped fixture proposals laid
out one after another: the mix of on- and off-topic text a real proposal has).
For each, in this one
process times (best of N): bare pypdfium2 text extraction, and proposal-lint's
extraction + NLP + rules + verdict with the rules already loaded (as in the
watcher, or a CLI run over many files). Loading spaCy and the rules is a
one-off per process and is printed separately. Target: lint within 3x of
bare pypdfium2.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from extract import bare_pypdfium2, make_pdf  # noqa: E402


def make_proposals_pdf(path: Path, pages: int) -> None:
    """Fixture proposal paragraphs, in order, until the PDF has `pages` pages."""
    from reportlab import rl_config

    rl_config.invariant = 1
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate
    from xml.sax.saxutils import escape

    ss = getSampleStyleSheet()
    paras = []
    for src in sorted((HERE.parent / "fixtures" / "proposals" / "src").glob("*.md")):
        body = src.read_text(encoding="utf-8").split("---", 2)[2]
        for block in body.split("\n\n"):
            text = " ".join(block.replace("#", "").replace("|", " ").replace("*", "").split())
            if len(text) > 40:
                paras.append(escape(text))
    # ~45 lines of body text per A4 page; one paragraph is ~5 lines.
    story = [Paragraph(paras[i % len(paras)], ss["BodyText"]) for i in range(pages * 15)]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)


def best(fn, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="pl-lint-bench-") as tmp:
        from proposal_lint.ingest import load_document

        t0 = time.perf_counter()
        from proposal_lint.lint import Linter

        linter = Linter()
        load_s = time.perf_counter() - t0
        print(f"one-off: load spaCy + rules {load_s:.2f} s")
        for kind, make in (("dense", make_pdf), ("proposals", make_proposals_pdf)):
            path = Path(tmp) / f"{kind}-{args.pages}p.pdf"
            make(path, args.pages)
            base_s, chars = best(lambda: bare_pypdfium2(path), args.runs)
            extract_s, doc = best(lambda: load_document(path), args.runs)
            lint_s, result = best(lambda: linter.lint_one(load_document(path)), args.runs)
            nlp_s = lint_s - extract_s
            # The floor under NLP: spaCy's tokenizer alone over the same block texts.
            texts = [b.text for b in doc.blocks]
            tok_s, _ = best(lambda: list(linter.nlp.tokenizer.pipe(texts)), args.runs)
            words = sum(len(b.text.split()) for b in doc.blocks)
            print(f"\n{kind}: {doc.pages}-page PDF, {chars:,} chars, {words:,} words, {len(doc.blocks)} blocks")
            print(f"  bare pypdfium2 text      {base_s:7.3f} s")
            print(f"  proposal-lint extraction {extract_s:7.3f} s  ({extract_s / base_s:.2f}x)")
            print(f"  proposal-lint lint       {lint_s:7.3f} s  ({lint_s / base_s:.2f}x)  "
                  f"of which NLP + rules {nlp_s:.3f} s ({words / max(nlp_s, 1e-9):,.0f} words/s)")
            print(f"    (spaCy tokenizer alone over the blocks {tok_s:.3f} s, {tok_s / base_s:.2f}x)")
            print(f"  verdict: {result.verdict.recommendation.value}, findings: {[f.rule_id for f in result.findings]}")
            ratio = lint_s / base_s
            print(f"  lint / pypdfium2 = {ratio:.2f}x (target <= 3x): {'met' if ratio <= 3 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

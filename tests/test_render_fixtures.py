"""Checks on the labelled proposal fixtures and their renderer.

The label checks read the YAML front matter directly (not through the
renderer) so a bug in the renderer cannot hide a bad label.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "fixtures" / "proposals"
SRC = FIX / "src"
SOURCES = sorted(SRC.glob("*.md"))
CORE = {"PL001", "PL002", "PL003"}
EXTENDED = {"PL004", "PL005", "PL006", "PL007", "PL008"}
ALL_FINDINGS = CORE | EXTENDED
VERDICTS = {"prompt", "rag", "fine-tune-justified", "no-fine-tuning"}


def _load_renderer():
    spec = importlib.util.spec_from_file_location("render_fixtures", ROOT / "scripts" / "render_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["render_fixtures"] = mod
    spec.loader.exec_module(mod)
    return mod


render = _load_renderer()


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{path.name}: no front matter"
    fm, _ = text[4:].split("\n---\n", 1)
    meta = yaml.safe_load(fm)
    assert isinstance(meta, dict)
    return meta


def core_findings(meta: dict) -> list:
    """The core findings (PL001-PL003) of a document's labels, in label order."""
    return [f for f in meta["expect"]["findings"] if f in CORE]


def ids(paths):
    return [p.stem for p in paths]


def test_there_are_sources():
    assert len(SOURCES) >= 16


@pytest.mark.parametrize("path", SOURCES, ids=ids(SOURCES))
def test_front_matter_is_valid(path):
    assert re.fullmatch(r"\d{2}-[a-z0-9][a-z0-9-]*\.md", path.name)
    meta = front_matter(path)
    for key in ("title", "vendor", "kind", "style", "layout", "expect", "traps", "notes"):
        assert key in meta, f"{path.name}: missing {key}"
    assert meta["kind"] in {"quote", "sow", "rfp-response", "slide-deck", "one-pager", "long-plan", "email-offer"}
    assert meta["style"] in {"glossy", "terse", "consultancy", "legalistic", "non-native", "technical"}
    assert meta["layout"] in {"portrait", "slides", "two-column"}
    assert isinstance(meta["notes"], str) and meta["notes"].strip()
    findings = meta["expect"]["findings"]
    verdict = meta["expect"]["verdict"]
    assert isinstance(findings, list) and set(findings) <= ALL_FINDINGS, findings
    assert len(set(findings)) == len(findings)
    assert findings == sorted(findings), findings
    assert verdict in VERDICTS
    assert set(meta["traps"]) <= {
        "negation", "rejected-alternative", "rfp-quote", "other-tune", "rag-trained-on-docs",
        "justified", "education", "hypothetical", "staff-training", "pricing-model"}
    # the renderer's own schema check agrees
    render.parse_source(path)


@pytest.mark.parametrize("path", SOURCES, ids=ids(SOURCES))
def test_labels_are_consistent(path):
    meta = front_matter(path)
    findings = set(core_findings(meta))  # the verdict follows the core rules only
    verdict = meta["expect"]["verdict"]
    if verdict in ("no-fine-tuning", "fine-tune-justified"):
        assert findings == set(), f"{path.name}: {verdict} documents cannot have core findings"
    if verdict == "rag":
        assert "PL003" in findings
    if verdict == "prompt":
        assert "PL003" not in findings
        assert findings & {"PL001", "PL002"}
    if "justified" in meta["traps"]:
        assert verdict == "fine-tune-justified"
    if verdict == "no-fine-tuning":
        # every extended rule (PL004-PL008) applies only to a plan that fine-tunes
        assert meta["expect"]["findings"] == [], f"{path.name}: no-fine-tuning documents have no findings at all"


def test_at_least_half_are_hard_negatives():
    metas = [front_matter(p) for p in SOURCES]
    negatives = [m for m in metas if core_findings(m) == []]
    assert 2 * len(negatives) >= len(metas)
    # every hard negative carries at least one named trap
    assert all(m["traps"] for m in negatives)


def test_numbers_are_unique():
    numbers = [p.name[:2] for p in SOURCES]
    assert len(numbers) == len(set(numbers))


@pytest.mark.parametrize("path", SOURCES, ids=ids(SOURCES))
def test_every_source_is_rendered(path):
    pdf = FIX / "pdf" / f"{path.stem}.pdf"
    docx_path = FIX / "docx" / f"{path.stem}.docx"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF-")
    assert docx_path.is_file() and zipfile.is_zipfile(docx_path)


def test_labels_yaml_matches_sources():
    on_disk = (FIX / "labels.yaml").read_text(encoding="utf-8")
    assert on_disk == render.labels_yaml(render.load_sources(SRC)), "labels.yaml is stale: re-run the renderer"
    docs = yaml.safe_load(on_disk)["documents"]
    assert [d["id"] for d in docs] == [p.stem for p in SOURCES]
    for d, p in zip(docs, SOURCES):
        meta = front_matter(p)
        assert d["expect"]["findings"] == meta["expect"]["findings"]
        assert d["expect"]["verdict"] == meta["expect"]["verdict"]
        assert d["traps"] == meta["traps"]
        assert (d["kind"], d["style"], d["layout"]) == (meta["kind"], meta["style"], meta["layout"])
        assert (FIX / d["pdf"]).is_file() and (FIX / d["docx"]).is_file()
        assert (FIX / d["source"]) == p


@pytest.mark.parametrize("path", SOURCES, ids=ids(SOURCES))
def test_rendered_files_are_up_to_date(path, tmp_path):
    """Re-render into a temp dir: the committed bytes must be identical (deterministic + not stale)."""
    src = render.parse_source(path)
    render.render_pdf(src, tmp_path / "a.pdf")
    render.render_docx(src, tmp_path / "a.docx")
    assert (tmp_path / "a.pdf").read_bytes() == (FIX / "pdf" / f"{path.stem}.pdf").read_bytes()
    assert (tmp_path / "a.docx").read_bytes() == (FIX / "docx" / f"{path.stem}.docx").read_bytes()


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


@pytest.mark.parametrize("path", SOURCES, ids=ids(SOURCES))
def test_rendered_text_is_extractable(path):
    import docx
    import pypdfium2

    src = render.parse_source(path)
    headings = [b for b in src.blocks if b.kind == "heading"]
    pdf = pypdfium2.PdfDocument(str(FIX / "pdf" / f"{path.stem}.pdf"))
    try:
        pdf_text = _norm(" ".join(page.get_textpage().get_text_range() for page in pdf))
        n_pages = len(pdf)
    finally:
        pdf.close()
    for h in headings:
        assert _norm(render.pdf_safe(render.plain_text(h.text))) in pdf_text
    if src.meta["layout"] == "slides":
        assert n_pages >= sum(1 for h in headings if h.level == 2)
    for fid in src.footnote_order:
        fn = _norm(render.pdf_safe(render.plain_text(src.footnotes[fid])))
        assert fn[:40] in pdf_text

    d = docx.Document(str(FIX / "docx" / f"{path.stem}.docx"))
    styled = [(p.style.name, _norm(p.text)) for p in d.paragraphs]
    for h in headings:
        assert (f"Heading {h.level}", _norm(render.plain_text(h.text))) in styled
    if src.footnote_order:
        with zipfile.ZipFile(FIX / "docx" / f"{path.stem}.docx") as z:
            notes = z.read("word/footnotes.xml").decode("utf-8")
        assert notes.count("<w:footnote ") == len(src.footnote_order) + 2  # + separators

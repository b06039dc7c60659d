"""`proposal-lint diff OLD NEW` on real revisions: a fixture proposal and an
edited copy (sections moved, a quoted sentence reworded, a table row dropped,
a new fine-tuning sentence, a measured few-shot baseline that resolves PL001),
and two PDFs where the quoted page moved."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO_ROOT, make_pdf, run_cli
from proposal_lint import exitcodes
from proposal_lint.diff import match_quotes, similarity
from proposal_lint.model import Evidence, quote_fingerprint

SRC = REPO_ROOT / "fixtures/proposals/src/01-smileline-dental-assistant.md"
PDF = REPO_ROOT / "fixtures/proposals/pdf/01-smileline-dental-assistant.pdf"
CORE = ("--select", "PL001,PL002,PL003")  # the rules this fixture is labelled for

EDITED_OLD = "We will fine-tune a state-of-the-art large language model on SmileLine's own material"
EDITED_NEW = "We will fine-tune a modern large language model on SmileLine's own material"
ADDED = "We will also fine-tune the model on your recall letters so that reminders sound like your clinics."
DROPPED = "Fine-tuning of the SmileLine model (GPU compute included) | 12,400"
BASELINE = (
    "In our pre-study a few-shot prompt with GPT-4o-mini answered 64% of 300 real patient "
    "questions correctly, short of the 90% SmileLine needs."
)


def revise(text: str) -> str:
    def cut(start: str, end: str) -> tuple[str, str]:
        i = text.index(start)
        j = text.index(end, i)
        return text[:i] + text[j:], text[i:j]

    # section 2.1 moves to the end of the document, under a new number
    text, moved = cut("### 2.1 Always up to date", "### 2.2 Safety first")
    text = text.replace("## 7. Why Lumen", moved.replace("### 2.1", "## 6a.") + "## 7. Why Lumen")
    assert EDITED_OLD in text
    text = text.replace(EDITED_OLD, EDITED_NEW)
    text = text.replace("## 4. Quality assurance\n", f"## 4. Quality assurance\n\n{BASELINE}\n\n")
    text = text.replace("### 2.2 Safety first\n", f"### 2.2 Safety first\n\n{ADDED}\n\n")
    assert f"| {DROPPED} | |\n" in text
    return text.replace(f"| {DROPPED} | |\n", "")


@pytest.fixture(scope="module")
def revision(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("rev") / "01-smileline-v2.md"
    p.write_text(revise(SRC.read_text(encoding="utf-8")), encoding="utf-8")
    return p


def _quotes(evidence: list[dict]) -> list[str]:
    return [e["quote"] for e in evidence]


def test_diff_json_pdf_to_revised_markdown(revision):
    r = run_cli("diff", *CORE, "--format", "json", PDF, revision)
    assert r.returncode == exitcodes.FINDINGS, r.stderr  # NEW still has PL002 and PL003
    d = r.json()
    assert [f["rule_id"] for f in d["resolved"]] == ["PL001"]
    assert [o["rule_id"] for o in d["open"]] == ["PL002", "PL003"]
    assert d["new_findings"] == []
    assert d["summary"] == {"resolved": 1, "open": 2, "new": 0}
    assert d["verdict"] == {"old": "rag", "new": "rag", "changed": False}
    assert d["old"]["path"] == str(PDF) and d["new"]["path"] == str(revision)

    for o in d["open"]:
        q = o["quotes"]
        assert _quotes(q["new"]) == [ADDED], o["rule_id"]
        assert _quotes(q["gone"]) == [DROPPED], o["rule_id"]
        pairs = {p["old"]["quote"][:40]: p for p in q["kept"]}
        # the reworded sentence still matches, below 1.0
        edited = pairs[EDITED_OLD[:40]]
        assert edited["new"]["quote"].startswith(EDITED_NEW) and 0.8 <= edited["similarity"] < 1
        # the moved section's sentence matches exactly, on p1 before, in §6a now
        moved = pairs["To keep the assistant current we include"]
        assert moved["similarity"] == 1.0
        assert (moved["old"]["page"], moved["old"]["section"]) == (1, "2.1 Always up to date")
        assert moved["new"]["section"] == "6a. Always up to date"
    pl002 = d["open"][0]["quotes"]
    # the edited and the moved sentence, the unchanged opening promise and the
    # timeline row "Model training | Fine-tuning of the SmileLine model ..."
    assert len(pl002["kept"]) == 4


def test_diff_text_the_other_way_round(revision):
    """From the revision back to the original: PL001 is new again; exit 1."""
    r = run_cli("diff", *CORE, revision, SRC)
    assert r.returncode == exitcodes.FINDINGS, r.stderr
    out = r.stdout
    assert out.startswith(f"Comparing {revision} -> {SRC}\n")
    assert "Verdict: rag (unchanged)" in out
    assert "Resolved (0)\nStill open (2)\n  PL002 error" in out
    assert "New (1)\n  PL001 error  fine-tuning-without-prompt-baseline" in out
    assert f"    - \u201c{ADDED}\u201d" in out  # the recall-letters sentence is gone in the original
    assert "reworded" in out
    assert out.rstrip().endswith("0 resolved, 2 still open, 1 new")


def test_diff_moved_page_in_pdfs(tmp_path):
    old = make_pdf(tmp_path / "v1.pdf", [
        "Proposal for Acme",
        "Approach\nWe will fine-tune Llama 3 on your historic support tickets.\nThe model will then reply in your tone of voice.",
    ])
    new = make_pdf(tmp_path / "v2.pdf", [
        "Proposal for Acme",
        "Changes since the last version\nWe added a section on data protection.",
        "Approach\nWe will fine-tune Llama 3 on your past support tickets.\nThe model will then reply in your tone of voice.",
    ])
    r = run_cli("diff", "--select", "PL001", "--format", "json", old, new)
    assert r.returncode == exitcodes.FINDINGS, r.stderr
    d = r.json()
    [o] = d["open"]
    assert o["rule_id"] == "PL001" and o["quotes"]["new"] == [] and o["quotes"]["gone"] == []
    [pair] = o["quotes"]["kept"]
    assert (pair["old"]["page"], pair["new"]["page"]) == (2, 3)
    assert "past support tickets" in pair["new"]["quote"] and pair["similarity"] >= 0.8


def test_diff_unreadable_is_exit_3(tmp_path):
    r = run_cli("diff", SRC, tmp_path / "missing.pdf")
    assert r.returncode == exitcodes.UNREADABLE
    assert "missing.pdf: error[not-found]" in r.stderr


# ---- matching quotes (no documents) ---------------------------------------------


def _ev(quote: str, page: int | None = None) -> Evidence:
    return Evidence(quote=quote, page=page, fingerprint=quote_fingerprint(quote))


def test_similarity_ignores_case_spacing_and_punctuation():
    assert similarity("We will  fine-tune GPT-4o.", "we will fine tune gpt 4o") == 1.0
    assert similarity("We will fine-tune a model on tickets.", "Prices and policies change.") < 0.5


def test_match_quotes_pairs_best_first_and_reports_the_rest():
    old = [_ev("We will fine-tune Llama 3 on your historic tickets.", 2), _ev("Pricing is per month.", 4)]
    new = [
        _ev("A brand new sentence about adapters.", 1),
        _ev("We will fine-tune Llama 3 on your past tickets.", 3),
        _ev("We will fine-tune Llama 3 on your historic tickets!", 5),
    ]
    q = match_quotes(old, new)
    [pair] = q.kept
    assert pair.new.page == 5 and pair.similarity == 1.0  # the exact sentence wins over the near one
    assert [e.quote for e in q.gone] == ["Pricing is per month."]
    assert [e.page for e in q.new] == [1, 3]

"""The recommendation for a document, following the decision tree in DOMAIN.md.

  no fine-tuning in the plan            -> no-fine-tuning
  fine-tuning aimed at knowledge        -> rag
  fine-tuning without a measured,
  beaten prompt baseline (PL001/PL002)  -> prompt
  otherwise                             -> fine-tune-justified
"""

from __future__ import annotations

from proposal_lint.model import Finding, Recommendation, Verdict
from proposal_lint.nlp.units import Unit
from proposal_lint.rules.checks import where
from proposal_lint.rules.concepts import ConceptResult

QUOTE_CHARS = 160


def cite(unit: Unit) -> str:
    text = " ".join(unit.text.split())
    if len(text) > QUOTE_CHARS:
        text = text[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return f"{where(unit)}: “{text}”"


def _first(result: ConceptResult | None) -> Unit | None:
    units = result.units() if result else []
    return units[0] if units else None


def decide(results: dict[str, ConceptResult], findings: list[Finding]) -> Verdict:
    ft = results["fine_tuning"]
    fired = {f.rule_id for f in findings}
    reasons: list[str] = []

    if not ft.present:
        reasons.append("No plan to update model weights (fine-tuning) was found.")
        seen_reasons = set()
        for hit, why in ft.discounted:
            if why in seen_reasons or why == "heading":
                continue
            seen_reasons.add(why)
            reasons.append(f"Fine-tuning is mentioned only as {_describe(why)} ({cite(hit.unit)}).")
            if len(seen_reasons) == 3:
                break
        rag = _first(results.get("retrieval"))
        if rag:
            reasons.append(f"The plan answers from your content by retrieval (RAG) ({cite(rag)}).")
        return Verdict(recommendation=Recommendation.no_fine_tuning, reasons=reasons)

    reasons.append(f"Fine-tuning is proposed ({cite(ft.units()[0])}).")
    if "PL003" in fired:
        knowledge = next((f for f in findings if f.rule_id == "PL003"), None)
        aim = next((e for e in knowledge.evidence if e.role == "knowledge_use"), None) if knowledge else None
        if aim:
            reasons.append(f"It is aimed at answering from documents or knowledge (p. {aim.page or '?'}: “{_short(aim.quote)}”).")
        reasons.append(
            "Fine-tuning changes how a model behaves, not what it knows: retrieval (RAG) with a good prompt "
            "answers from your current documents, stays up to date when they change, and can cite them."
        )
        return Verdict(recommendation=Recommendation.rag, reasons=reasons)

    if fired & {"PL001", "PL002"}:
        if "PL001" in fired:
            reasons.append("No measured prompt baseline (zero- or few-shot result on the task) is reported.")
        if "PL002" in fired:
            reasons.append("No concrete evaluation plan (held-out set, metric, bar or comparison) is given.")
        reasons.append(
            "Start with a well-built prompt with a few worked examples, measure it on a held-out set, "
            "and fine-tune only if it cannot reach the bar."
        )
        return Verdict(recommendation=Recommendation.prompt, reasons=reasons)

    base, ev = _first(results.get("prompt_baseline")), _first(results.get("eval_plan"))
    if base:
        reasons.append(f"A measured prompt baseline is reported ({cite(base)}).")
    if ev:
        reasons.append(f"A concrete evaluation plan is given ({cite(ev)}).")
    task = _first(results.get("narrow_task"))
    if task:
        reasons.append(f"The task is narrow and repetitive ({cite(task)}).")
    else:
        reasons.append("Check that the task is narrow, repetitive and high-volume: the document does not say so clearly.")
    return Verdict(recommendation=Recommendation.fine_tune_justified, reasons=reasons)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"


_DESCRIBE = {
    "negated": "something the vendor will not do",
    "hypothetical": "a possible later option",
    "question": "a question (e.g. quoted from the RFP)",
    "requirement": "RFP requirement wording",
    "rejected": "a rejected alternative",
    "education": "general background",
    "history": "an entry of the document's change log",
    "other sense of tune": "tuning of something other than a model",
}


def _describe(reason: str) -> str:
    if reason.startswith("framing only"):
        return "marketing framing of a retrieval system (no weight updates described)"
    return _DESCRIBE.get(reason, reason)

"""Rule types. Each takes a rule and the concept results and returns a Finding or None.

Rules are document-level: at most one finding per rule per document, carrying
every supporting quote.
"""

from __future__ import annotations

from proposal_lint.model import Evidence, Finding, finding_fingerprint, quote_fingerprint
from proposal_lint.nlp.units import Unit
from proposal_lint.rules.concepts import ConceptResult, Hit
from proposal_lint.rules.schema import AbsenceCheck, CooccursCheck, PricedOnlyCheck, PurposeCheck, Rule

MAX_NEAR_MISSES = 3


def evidence(unit: Unit, role: str, note: str | None = None) -> Evidence:
    block = unit.block
    quote = unit.text.strip()
    return Evidence(
        quote=quote,
        fingerprint=quote_fingerprint(quote),
        page=unit.page,
        section=block.section[-1] if block.section else None,
        block=block.index,
        start=unit.start,
        end=unit.end,
        role=role if note is None else f"{role}: {note}",
    )


def where(unit: Unit) -> str:
    """"p. 3, §2.1 Approach" or "§2.1 Approach" or "the document"."""
    parts = []
    if unit.page:
        parts.append(f"p. {unit.page}")
    if unit.section:
        parts.append(f"§{unit.section[-1]}")
    return ", ".join(parts) or "the document"


def _pages(units: list[Unit]) -> str:
    pages = sorted({u.page for u in units if u.page})
    if not pages:
        return ""
    if len(pages) == 1:
        return f" on p. {pages[0]}"
    return " on pp. " + ", ".join(map(str, pages[:6])) + (" ..." if len(pages) > 6 else "")


def _near_misses(result: ConceptResult, role: str) -> list[Evidence]:
    out, seen = [], set()
    for hit, reason in result.discounted:
        if id(hit.unit) in seen or reason in ("heading",):
            continue
        seen.add(id(hit.unit))
        out.append(evidence(hit.unit, role, f"not counted ({reason})"))
        if len(out) >= MAX_NEAR_MISSES:
            break
    return out


def run_absence(rule: Rule, check: AbsenceCheck, results: dict[str, ConceptResult], label: dict[str, str]) -> Finding | None:
    present = results[check.when]
    if not present.present or results[check.missing].present:
        return None
    units = present.units()
    message = (
        f"{label[check.when].capitalize()} is proposed{_pages(units)}, "
        f"and no {label[check.missing]} appears anywhere in the document."
    )
    ev = [evidence(u, check.when) for u in units]
    ev += _near_misses(results[check.missing], check.missing)
    return _finding(rule, message, ev)


def purpose_split(check: PurposeCheck, results: dict[str, ConceptResult], units: list[Unit]):
    """Score what the `when` mentions are aimed at: (aim units, versus units, fires?)."""
    when_units = results[check.when].units()
    index = {id(u): i for i, u in enumerate(units)}

    def near(u: Unit) -> list[Unit]:
        # The sentence itself and its neighbours in the same section: "We fine-tune
        # a model on your knowledge:" is followed by the bullet saying what for.
        i = index[id(u)]
        return [v for v in units[max(0, i - 1) : i + 2] if v.section == u.section]

    def by_units(hits: list[Hit], near_only: bool) -> dict[int, Unit]:
        return {id(h.unit): h.unit for h in hits if near_only or h.group not in check.near_only}

    aim_hits, versus_hits = _hits(results, check.aim), _hits(results, check.versus)
    if check.served_by:
        served = {id(u) for u in results[check.served_by].units()} - {id(u) for u in when_units}
        aim_hits = [h for h in aim_hits if id(h.unit) not in served]
    aim_all, versus_all = by_units(aim_hits, True), by_units(versus_hits, True)
    aim_doc, versus_doc = by_units(aim_hits, False), by_units(versus_hits, False)

    k_near = [u for u in when_units if any(id(v) in aim_all for v in near(u))]
    t_near = [u for u in when_units if any(id(v) in versus_all for v in near(u))]
    K, T = len(aim_doc), len(versus_doc)
    # Mostly aimed at knowledge: more fine-tuning mentions next to documents or
    # questions than next to a narrow task, backed by the use case itself
    # somewhere ("answers staff questions"), by several such mentions, or by
    # the absence of any narrow task; on a tie, the document's use case decides.
    fires = (len(k_near) > len(t_near) and (K >= 1 or len(k_near) >= 2 or T == 0)) or (
        len(k_near) == len(t_near) and K > T and K >= 2
    )
    aim_units = [v for u in k_near for v in near(u) if id(v) in aim_all]
    aim_units += [u for u in aim_doc.values() if u not in aim_units]
    return aim_units, list(versus_doc.values()), bool(fires)


def _hits(results: dict[str, ConceptResult], ref: str) -> list[Hit]:
    """Counted hits of a concept, or of one term group ("concept.group")."""
    cid, _, group = ref.partition(".")
    hits = results[cid].counted
    return [h for h in hits if h.group == ref] if group else hits


def run_purpose(rule: Rule, check: PurposeCheck, results: dict[str, ConceptResult], units: list[Unit], label: dict[str, str]) -> Finding | None:
    if not results[check.when].present:
        return None
    aim_units, _, fires = purpose_split(check, results, units)
    if not fires:
        return None
    when_units = results[check.when].units()
    message = (
        f"{label[check.when].capitalize()} is proposed{_pages(when_units)} "
        f"for {label[check.aim]}{_pages(aim_units)}. {rule.message}"
    )
    ev = [evidence(u, check.when) for u in when_units]
    seen = {id(u) for u in when_units}
    ev += [evidence(u, check.aim) for u in aim_units if id(u) not in seen]
    return _finding(rule, message, ev)


def run_cooccurs(rule: Rule, check: CooccursCheck, results: dict[str, ConceptResult], label: dict[str, str],
                 fired: dict[str, Finding]) -> Finding | None:
    if not results[check.when].present:
        return None
    found = [ref for ref in check.also if ref in fired or (ref not in fired and ref.upper() != ref and _hits(results, ref))]
    if not found:
        return None
    when_units = results[check.when].units()
    also_units = [u for ref in found if ref not in fired for u in {id(h.unit): h.unit for h in _hits(results, ref)}.values()]
    what = " and ".join(fired[ref].name.replace("-", " ") if ref in fired else label[ref.split(".")[0]] for ref in found)
    message = f"{label[check.when].capitalize()} is proposed{_pages(when_units)}, with {what}{_pages(also_units)}. {rule.message}"
    seen = {id(u) for u in also_units}
    ev = [evidence(u, "also") for u in also_units] + [evidence(u, check.when) for u in when_units if id(u) not in seen]
    return _finding(rule, message, ev)


def run_priced_only(rule: Rule, check: PricedOnlyCheck, results: dict[str, ConceptResult], units: list[Unit], label: dict[str, str]) -> Finding | None:
    """Price lines = rows of tables with amounts, and sentences in a pricing section."""
    if not results[check.when].present:
        return None
    cid = check.costs
    money_label = f"{cid}.{check.money}"

    def is_price_line(u: Unit) -> bool:
        if u.is_heading:
            return False
        if "price" in u.heading_flags:
            return True
        return u.table is not None and bool(u.hits.get(money_label))

    def covers(u: Unit, group: str) -> bool:
        if not u.hits.get(f"{cid}.{group}"):
            return False
        # An amount: money, or any number in a table row ("Phase 1-3 | 68,000" under "Fee (USD)").
        return group not in check.amount_only or bool(u.hits.get(money_label)) or (u.table is not None and any(u.nums))

    lines = [u for u in units if is_price_line(u)]
    priced = {g for u in lines for g in check.priced + check.unpriced if covers(u, g)}
    if not (priced & set(check.priced)) or priced & set(check.unpriced):
        return None
    shown = [u for u in lines if any(covers(u, g) for g in check.priced)]
    missing = ", ".join(g.replace("_", " ") for g in check.unpriced)
    message = f"The price{_pages(shown)} covers {', '.join(sorted(priced))} but nothing for {missing}. {rule.message}"
    return _finding(rule, message, [evidence(u, "price") for u in shown])


def _finding(rule: Rule, message: str, ev: list[Evidence]) -> Finding:
    return Finding(
        rule_id=rule.id,
        name=rule.name,
        severity=rule.severity,
        message=message,
        why=" ".join(rule.documentation.why.split()),
        question=" ".join(rule.question.split()),
        evidence=ev,
        fingerprint=finding_fingerprint(rule.id, None, ev),
    )


def run_rule(rule: Rule, results, units, label, fired: dict[str, Finding] | None = None) -> Finding | None:
    """`fired`: findings of the rules already run on this document, by rule id."""
    check = rule.check
    if isinstance(check, AbsenceCheck):
        return run_absence(rule, check, results, label)
    if isinstance(check, CooccursCheck):
        return run_cooccurs(rule, check, results, label, fired or {})
    if isinstance(check, PricedOnlyCheck):
        return run_priced_only(rule, check, results, units, label)
    return run_purpose(rule, check, results, units, label)


"""SARIF 2.1.0 (OASIS), for code-scanning dashboards and SARIF viewers.

One run. tool.driver.rules comes from the rule files; each input is an
artifact; each finding is a result whose location is the document with the
first quote as region.snippet (further quotes are relatedLocations), page
and section in region.properties (startLine is always 1: SARIF needs a
start position, and a quote is located by page and section, not by line), and a stable partialFingerprints entry
(the finding's fingerprint: rule id + the first quote's normalised words,
so it survives moved pages and re-runs). Waived findings carry an external
suppression with the waiver's reason. Unreadable inputs are
toolExecutionNotifications and make the invocation unsuccessful.
"""

from __future__ import annotations

import json
import os
from pathlib import PurePath
from urllib.parse import quote

from proposal_lint import __version__
from proposal_lint.model import finding_fingerprint, quote_fingerprint
from proposal_lint.report import ReportOptions
from proposal_lint.report.common import one_line, rule_catalog, verdict_label

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "proposalLint/finding/v1"
MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text": "text/plain",
    "markdown": "text/markdown",
}


def path_to_uri(path: str) -> str:
    """A relative path stays a relative URI reference; an absolute one becomes file://."""
    if os.path.isabs(path):
        return PurePath(path).as_uri()
    return quote(path.replace(os.sep, "/"), safe="/")


def _rule_descriptor(rule) -> dict:
    doc = rule.documentation
    what, why, good = one_line(doc.what), one_line(doc.why), one_line(doc.good)
    question = one_line(rule.question)
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": one_line(rule.message)},
        "fullDescription": {"text": what},
        "help": {
            "text": f"{what}\n\nWhy it matters: {why}\n\nWhat good looks like: {good}\n\nAsk the vendor: {question}",
            "markdown": (
                f"{what}\n\n**Why it matters:** {why}\n\n**What good looks like:** {good}\n\n"
                f"**Ask the vendor:** {question}"
            ),
        },
        "defaultConfiguration": {"level": LEVELS[rule.severity.value]},
        "properties": {"question": question},
    }


def _descriptor_from_finding(f) -> dict:
    """For a finding whose rule is not in the catalogue (should not happen; keeps ruleIndex valid)."""
    return {
        "id": f.rule_id,
        "name": f.name,
        "shortDescription": {"text": one_line(f.message)},
        "defaultConfiguration": {"level": LEVELS[f.severity.value]},
    }


def _location(uri: str, index: int, ev, with_message: bool = False, ident: int | None = None) -> dict:
    # SARIF requires a start position in every region; quotes are located by
    # page and section (region.properties), not by line, so startLine is 1.
    region: dict = {"startLine": 1, "snippet": {"text": ev.quote}}
    props = {k: v for k, v in (("page", ev.page), ("section", ev.section)) if v is not None}
    if props:
        region["properties"] = props
    loc: dict = {"physicalLocation": {"artifactLocation": {"uri": uri, "index": index}, "region": region}}
    if ident is not None:
        loc = {"id": ident, **loc}
    if with_message:
        where = ", ".join(x for x in (f"p. {ev.page}" if ev.page is not None else "", ev.section or "") if x)
        loc["message"] = {"text": f"Also: {where}" if where else "Also here"}
    return loc


def _result(f, r, uri: str, index: int, rule_index: int) -> dict:
    fp = f.fingerprint or finding_fingerprint(
        f.rule_id, r.sha256, [e.model_copy(update={"fingerprint": e.fingerprint or quote_fingerprint(e.quote)}) for e in f.evidence]
    )
    result: dict = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[f.severity.value],
        "message": {"text": one_line(f.message)},
    }
    if f.evidence:
        result["locations"] = [_location(uri, index, f.evidence[0])]
        if len(f.evidence) > 1:
            result["relatedLocations"] = [
                _location(uri, index, ev, with_message=True, ident=i) for i, ev in enumerate(f.evidence[1:], 1)
            ]
    else:
        result["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": uri, "index": index}}}]
    result["partialFingerprints"] = {FINGERPRINT_KEY: fp}
    if f.suppressed is not None:
        s = f.suppressed
        sup: dict = {"kind": "external", "status": "accepted", "justification": s.reason}
        if s.source:
            sup["location"] = {"physicalLocation": {"artifactLocation": {"uri": path_to_uri(s.source)}}}
        props = {k: v for k, v in (("by", s.by), ("at", s.at)) if v}
        if props:
            sup["properties"] = props
        result["suppressions"] = [sup]
    props = {"name": f.name, "why": one_line(f.why), "question": one_line(f.question)}
    result["properties"] = {k: v for k, v in props.items() if v}
    return result


def to_dict(results, options: ReportOptions = ReportOptions()) -> dict:
    rules = [_rule_descriptor(r) for r in rule_catalog(options)]
    rule_index = {d["id"]: i for i, d in enumerate(rules)}
    artifacts, out_results, notifications = [], [], []
    for index, r in enumerate(results):
        uri = path_to_uri(r.path)
        artifact: dict = {"location": {"uri": uri}}
        if r.sha256:
            artifact["hashes"] = {"sha-256": r.sha256}
        if r.format in MIME:
            artifact["mimeType"] = MIME[r.format]
        props: dict = {}
        if r.format:
            props["format"] = r.format
        if r.pages is not None:
            props["pages"] = r.pages
        if r.verdict is not None:
            rec = r.verdict.recommendation.value
            props["verdict"] = rec
            props["verdictText"] = verdict_label(rec)
            props["verdictReasons"] = list(r.verdict.reasons)
        if r.warnings:
            props["warnings"] = list(r.warnings)
        if props:
            artifact["properties"] = props
        artifacts.append(artifact)

        if r.error is not None:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": f"{r.path}: could not be read: {r.error.message}"},
                    "descriptor": {"id": r.error.code},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri, "index": index}}}],
                }
            )
            continue
        for f in r.findings:
            if f.rule_id not in rule_index:
                rule_index[f.rule_id] = len(rules)
                rules.append(_descriptor_from_finding(f))
            out_results.append(_result(f, r, uri, index, rule_index[f.rule_id]))

    invocation: dict = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    driver = {
        "name": "proposal-lint",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": rules,
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [invocation],
                "artifacts": artifacts,
                "results": out_results,
            }
        ],
    }


def render(results, options: ReportOptions = ReportOptions()) -> str:
    return json.dumps(to_dict(results, options), indent=2, ensure_ascii=False) + "\n"

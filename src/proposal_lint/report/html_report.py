"""One self-contained HTML file: inline CSS, no scripts, no external requests, printable.

Per document: the verdict at the top, findings grouped by severity (each
quote with its page and section), waived findings with their reasons, the
checks that passed, and the questions to send the vendor.

Every string that comes from a proposal, a rule file or the file system goes
through `esc` (html.escape, quotes included) and nothing else is ever put
into markup: the only raw HTML is the literal template text in this module.
A Content-Security-Policy meta tag (no scripts, no connections, no remote
images) is a second line of defence, not the first.
"""

from __future__ import annotations

import html

from proposal_lint import __version__
from proposal_lint.report import ReportOptions
from proposal_lint.report.common import (
    document_details,
    SEVERITIES,
    SEVERITY_TITLES,
    active,
    one_line,
    passed_rules,
    plural,
    rule_catalog,
    severity_counts,
    verdict_label,
    waived,
    waiver_note,
    where,
)

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'"

CSS = """
:root { --ink: #1d2430; --muted: #5b6472; --line: #d8dde4; --bg: #f6f7f9;
  --error: #b42318; --warning: #a15c00; --info: #175cd3; --ok: #067647; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: var(--ink); margin: 0 auto; max-width: 60rem; padding: 1.5rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .25rem; word-break: break-all; }
h3 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid var(--line); }
h4 { font-size: 1rem; margin: 1rem 0 .5rem; }
.tool, .meta { color: var(--muted); margin: 0; }
table.summary { border-collapse: collapse; width: 100%; margin: 1rem 0; }
table.summary th, table.summary td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; }
table.summary td.n { text-align: right; }
.verdict { border: 2px solid var(--ok); border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; background: #ecfdf3; }
.verdict.rag, .verdict.prompt { border-color: var(--error); background: #fef3f2; }
.verdict .label { font-size: 1.15rem; font-weight: 700; margin: 0; }
.verdict ul { margin: .5rem 0 0; padding-left: 1.25rem; }
.unreadable { border: 2px solid var(--warning); border-radius: 6px; padding: .75rem 1rem; background: #fffaeb; }
.finding { border-left: 4px solid var(--line); padding: .25rem 0 .25rem .9rem; margin: 0 0 1.25rem; break-inside: avoid; }
.finding.error { border-color: var(--error); }
.finding.warning { border-color: var(--warning); }
.finding.info { border-color: var(--info); }
.finding h5 { font-size: 1rem; margin: 0; }
.sev { font-size: .75rem; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; padding: .05rem .4rem;
  border-radius: 3px; color: #fff; background: var(--muted); vertical-align: middle; }
.sev.error { background: var(--error); } .sev.warning { background: var(--warning); } .sev.info { background: var(--info); }
.rule-name { color: var(--muted); font-weight: 400; }
blockquote { margin: .5rem 0; padding: .4rem .8rem; background: var(--bg); border-radius: 4px; }
blockquote p { margin: 0; white-space: pre-wrap; }
blockquote footer { color: var(--muted); font-size: .85rem; }
dl { margin: .5rem 0 0; } dt { font-weight: 700; } dd { margin: 0 0 .4rem; }
.waived { color: var(--muted); }
.passed li::marker { content: "\\2713  "; color: var(--ok); }
ol.questions li { margin-bottom: .4rem; }
footer.page { margin-top: 2rem; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; color: #000; }
  section.document { break-before: page; }
  section.document:first-of-type { break-before: auto; }
  .verdict, .unreadable, blockquote, .sev { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2, h3, h4, h5 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def _finding(f, out: list[str], anchor: str) -> None:
    sev = f.severity.value
    out.append(f'<article class="finding {sev}" id="{esc(anchor)}">')
    out.append(
        f'<h5><span class="sev {sev}">{esc(sev)}</span> {esc(f.rule_id)} '
        f'<span class="rule-name">{esc(f.name)}</span></h5>'
    )
    out.append(f'<p class="message">{esc(f.message)}</p>')
    for ev in f.evidence:
        loc = where(ev.page, ev.section, long=True)
        out.append(f"<blockquote><p>\u201c{esc(ev.quote)}\u201d</p>")
        if loc:
            out.append(f"<footer>{esc(loc)}</footer>")
        out.append("</blockquote>")
    out.append("<dl>")
    if f.why:
        out.append(f"<dt>Why it matters</dt><dd>{esc(f.why)}</dd>")
    if f.question:
        out.append(f"<dt>Ask the vendor</dt><dd>{esc(f.question)}</dd>")
    out.append("</dl>")
    out.append("</article>")


def _document(r, n: int, catalog, out: list[str]) -> None:
    out.append(f'<section class="document" id="doc-{n}">')
    out.append(f"<h2>{esc(r.path)}</h2>")
    details = document_details(r, f"sha256 {r.sha256}")
    if details:
        out.append(f'<p class="meta">{esc(" · ".join(details))}</p>')

    if r.error is not None:
        out.append(
            f'<div class="unreadable"><p><strong>Could not be read</strong> '
            f"[{esc(r.error.code)}]: {esc(r.error.message)}</p></div>"
        )
        out.append("</section>")
        return
    if r.verdict is not None:
        rec = r.verdict.recommendation.value
        out.append(f'<div class="verdict {esc(rec)}">')
        out.append(f'<p class="label">Verdict: {esc(verdict_label(rec))}</p>')
        if r.verdict.reasons:
            out.append("<ul>" + "".join(f"<li>{esc(x)}</li>" for x in r.verdict.reasons) + "</ul>")
        out.append("</div>")
    for w in r.warnings:
        out.append(f'<p class="meta">Note: {esc(w)}</p>')

    open_ = active(r.findings)
    counts = severity_counts(open_)
    out.append("<h3>Findings</h3>")
    if not open_:
        out.append("<p>No open findings.</p>" if r.findings else "<p>No findings.</p>")
    k = 0
    for sev in SEVERITIES:
        group = [f for f in open_ if f.severity.value == sev]
        if not group:
            continue
        out.append(f'<h4 class="{sev}">{esc(SEVERITY_TITLES[sev])} ({counts[sev]})</h4>')
        for f in group:
            k += 1
            _finding(f, out, f"doc-{n}-finding-{k}")

    accepted = waived(r.findings)
    if accepted:
        out.append("<h3>Waived findings</h3>")
        out.append('<ul class="waived">')
        for f in accepted:
            out.append(
                f"<li><strong>{esc(f.rule_id)}</strong> {esc(f.name)} ({esc(f.severity.value)}): "
                f"{esc(f.message)}<br>Waived: {esc(waiver_note(f.suppressed))}</li>"
            )
        out.append("</ul>")

    passed = passed_rules(r, catalog)
    out.append("<h3>Passed checks</h3>")
    if passed:
        out.append('<ul class="passed">')
        for rule in passed:
            out.append(
                f"<li><strong>{esc(rule.id)}</strong> {esc(rule.name)}: "
                f"no finding for \u201c{esc(one_line(rule.message))}\u201d</li>"
            )
        out.append("</ul>")
    else:
        out.append("<p>None: every check raised a finding.</p>")

    questions = list(dict.fromkeys(one_line(f.question) for f in open_ if f.question))
    if questions:
        out.append("<h3>Questions to send the vendor</h3>")
        out.append('<ol class="questions">' + "".join(f"<li>{esc(q)}</li>" for q in questions) + "</ol>")
    out.append("</section>")


def _summary_table(results, out: list[str]) -> None:
    out.append('<table class="summary"><thead><tr><th>File</th><th>Verdict</th>')
    out.append("<th>Errors</th><th>Warnings</th><th>Notes</th><th>Waived</th></tr></thead><tbody>")
    for n, r in enumerate(results, 1):
        if r.error is not None:
            verdict = f"unreadable [{r.error.code}]"
        else:
            verdict = r.verdict.recommendation.value if r.verdict else ""
        c = severity_counts(active(r.findings))
        out.append(
            f'<tr><td><a href="#doc-{n}">{esc(r.path)}</a></td><td>{esc(verdict)}</td>'
            f'<td class="n">{c["error"]}</td><td class="n">{c["warning"]}</td><td class="n">{c["info"]}</td>'
            f'<td class="n">{len(waived(r.findings))}</td></tr>'
        )
    out.append("</tbody></table>")


def render(results, options: ReportOptions = ReportOptions()) -> str:
    catalog = rule_catalog(options)
    title = "proposal-lint: " + (results[0].path if len(results) == 1 else plural(len(results), "document"))
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        "<h1>proposal-lint report</h1>",
        f'<p class="tool">Is fine-tuning really what you need? {esc(plural(len(results), "document"))} checked.</p>',
        "</header>",
        "<main>",
    ]
    if len(results) > 1:
        _summary_table(results, out)
    for n, r in enumerate(results, 1):
        _document(r, n, catalog, out)
    out.append("</main>")
    out.append(f'<footer class="page"><p>proposal-lint {esc(__version__)}</p></footer>')
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out) + "\n"

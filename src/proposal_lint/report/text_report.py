"""Human-readable report for a buyer reading a terminal (rich, 80 columns)."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from proposal_lint.report import ReportOptions, summarize
from proposal_lint.report.common import VERDICTS, active, plural, severity_counts, waived
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _where(page: int | None, section: str | None) -> str:
    parts = [f"p{page}"] if page is not None else []
    if section:
        parts.append(f"§{section}")
    return " ".join(parts)


def _indent(renderable, n: int) -> Padding:
    return Padding(renderable, (0, 0, 0, n), expand=False)


def _hanging(label: Text | str, body: Text | str, n: int) -> Padding:
    """`label body` with the body's wrapped lines aligned under its first line."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row(label, body)
    return _indent(grid, n)


def _document(r) -> list:
    out: list = []
    head = Text(r.path, style="bold")
    if r.format:
        details = r.format.upper() + (f", {plural(r.pages, 'page')}" if r.pages is not None else "")
        head.append(f"  ({details})", style="dim")
    out.append(head)

    if r.error is not None:
        out.append(_indent(Text.assemble(("could not be read", "bold red"), f" [{r.error.code}]: {r.error.message}"), 2))
        return out
    for w in r.warnings:
        out.append(_indent(Text(f"note: {w}", style="dim"), 2))
    if r.verdict is not None:
        rec = r.verdict.recommendation.value
        out.append(_indent(Text.assemble(("Verdict: ", "bold"), (VERDICTS.get(rec, rec), "bold green"), f" [{rec}]"), 2))
        for reason in r.verdict.reasons:
            out.append(_hanging("-", reason, 4))
    if not active(r.findings):
        out.append(_indent(Text("No open findings." if r.findings else "No findings.", style="green"), 2))
    for f in active(r.findings) + waived(r.findings):
        sev = f.severity.value
        out.append(Text(""))
        out.append(_indent(Text.assemble((f.rule_id, "bold"), " ", (sev, SEVERITY_STYLE.get(sev, "")), "  ", (f.name, "dim")), 2))
        if f.suppressed is not None:  # a waiver: still shown, no longer counted
            by = ", ".join(x for x in (f.suppressed.by, f.suppressed.at) if x)
            out.append(_indent(Text(f"waived: {f.suppressed.reason}" + (f" ({by})" if by else ""), style="dim"), 4))
        out.append(_indent(Text(f.message), 4))
        for ev in f.evidence:
            quote = f"\u201c{ev.quote}\u201d"
            where = _where(ev.page, ev.section)
            out.append(_hanging(">", Text.assemble(quote, (f"  ({where})" if where else "", "dim")), 4))
        if f.why:
            out.append(_indent(Text.assemble(("Why it matters: ", "bold"), f.why), 4))
        if f.question:
            out.append(_indent(Text.assemble(("Ask the vendor: ", "bold"), f.question), 4))
    return out


def summary_table(results) -> Table:
    """file | verdict | errors | warnings | info | waived, one row per document."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1))
    table.add_column("file", overflow="fold", ratio=1)
    table.add_column("verdict", overflow="fold")
    for head in ("error", "warn", "info", "waived"):
        table.add_column(head, justify="right", no_wrap=True)
    for r in results:
        if r.error is not None:
            verdict = Text(f"unreadable [{r.error.code}]", style="red")
        else:
            verdict = Text(r.verdict.recommendation.value if r.verdict else "-")
        c = severity_counts(active(r.findings))
        cells = [str(c["error"]), str(c["warning"]), str(c["info"]), str(len(waived(r.findings)))]
        table.add_row(Text(r.path), verdict, *cells)
    return table


def summary_line(results) -> str:
    s = summarize(results)
    parts = []
    # waived findings are shown but no longer count
    open_ = sum(len(active(r.findings)) for r in results)
    with_open = sum(1 for r in results if active(r.findings))
    n_waived = sum(len(waived(r.findings)) for r in results)
    if open_:
        parts.append(f"{plural(open_, 'finding')} in {plural(with_open, 'file')}")
    else:
        parts.append("no findings")
    if n_waived:
        parts.append(f"{n_waived} waived")
    if s["unreadable"]:
        parts.append(f"{s['unreadable']} unreadable")
    if s["internal_errors"]:
        parts.append(plural(s["internal_errors"], "internal error"))
    return f"{plural(s['files'], 'file')}: " + ", ".join(parts)


def render(results, options: ReportOptions = ReportOptions()) -> str:
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=options.width,
        force_terminal=options.color,
        no_color=not options.color,
        color_system="standard" if options.color else None,
        highlight=False,
        emoji=False,
        markup=False,
    )
    shown = [
        r
        for r in results
        if (r.error is None or options.show_errors) and (not options.quiet or r.findings or r.error is not None)
    ]
    for r in shown:
        console.print(Group(*_document(r)))
        console.print()
    if not options.quiet:
        if len(results) > 1:
            console.print(summary_table(results))
            console.print()
        console.print(Text(summary_line(results), style="bold"))
    # rich pads wrapped lines to the full width; trailing blanks only get in the way
    return "".join(line.rstrip() + "\n" for line in buf.getvalue().splitlines())

"""`proposal-lint rules` (the rule table) and `proposal-lint explain RULE` (one rule's docs)."""

from __future__ import annotations

import click

from proposal_lint import exitcodes
from proposal_lint.cli import common_options
from proposal_lint.commands.options import config_options


def _render(renderables, no_color: bool) -> str:
    """Rich renderables as text for stdout: colours only on a terminal, no trailing blanks."""
    import io
    import os
    import shutil
    import sys

    from rich.console import Console

    tty = sys.stdout.isatty()
    color = tty and not no_color and not os.environ.get("NO_COLOR")
    width = min(shutil.get_terminal_size((80, 24)).columns, 100) if tty else 80
    buf = io.StringIO()
    console = Console(
        file=buf, width=width, force_terminal=color, no_color=not color, color_system="standard" if color else None,
        highlight=False, emoji=False, markup=False,
    )
    for r in renderables:
        console.print(r)
    return "".join(line.rstrip() + "\n" for line in buf.getvalue().splitlines())


def load_rules(settings):
    """The rule set for these settings (built-in rules plus rules-dirs); no spaCy."""
    from proposal_lint.config import ConfigError
    from proposal_lint.rules.loader import RuleLoadError, load_ruleset

    try:
        return load_ruleset(settings.rules_dirs)
    except RuleLoadError as exc:
        raise ConfigError(f"cannot load rules:\n{exc}") from None


@click.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@common_options
@config_options("config", "select", "extend_select", "ignore", "rules_dirs")
def rules_command(fmt, settings_flags, debug, quiet, no_color):
    """List every rule: id, name, severity (after the configuration's
    overrides) and whether it is enabled (after select / ignore)."""
    import json

    settings = settings_flags.settings()
    ruleset = load_rules(settings)
    enabled = set(settings.rule_ids(ruleset.rules))
    rows = [
        {
            "id": r.id,
            "name": r.name,
            "severity": settings.severity_of(r).value,
            "default_severity": r.severity.value,
            "enabled": r.id in enabled,
            "source": str(ruleset.sources[r.id]),
        }
        for r in ruleset.rules
    ]
    if fmt == "json":
        click.echo(json.dumps({"config": str(settings.config_path) if settings.config_path else None, "rules": rows}, indent=2))
        return exitcodes.OK

    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for col in ("ID", "Name", "Severity", "Enabled"):
        table.add_column(col, no_wrap=col != "Name")
    for row in rows:
        sev = row["severity"]
        sev_text = sev if sev == row["default_severity"] else f"{sev} (default {row['default_severity']})"
        table.add_row(row["id"], row["name"], _styled(sev_text, sev),
                      "yes" if row["enabled"] else "no")
    text = _render([table], no_color)
    if not quiet:
        n_on = sum(r["enabled"] for r in rows)
        where = f"configuration: {settings.config_path}" if settings.config_path else "no configuration file"
        text += f"{len(rows)} rules, {n_on} enabled ({where})\n"
    from proposal_lint.cli import _write

    _write(text, None)
    return exitcodes.OK


def _styled(text: str, severity: str):
    from rich.text import Text

    from proposal_lint.report.text_report import SEVERITY_STYLE

    return Text(text, style=SEVERITY_STYLE.get(severity, ""))


def rule_markdown(rule, severity: str | None = None) -> str:
    """One rule's documentation as Markdown: what, why, good, the question, examples."""
    sev = severity or rule.severity.value
    doc = rule.documentation

    def para(text: str) -> str:
        return " ".join(text.split())

    def example(text: str) -> str:
        text = text.strip()
        # A table, or several paragraphs (headings, bullets): keep the lines.
        if "\n|" in text or text.startswith("|") or "\n\n" in text:
            return "\n".join(["```text", text, "```"])
        return "> " + para(text)

    parts = [
        f"# {rule.id} {rule.name}",
        f"Severity: **{sev}**" + (f" (default {rule.severity.value})" if sev != rule.severity.value else ""),
        para(rule.message),
        "## What it checks",
        para(doc.what),
        "## Why it matters",
        para(doc.why),
        "## What good looks like",
        para(doc.good),
        "## Question to ask the vendor",
        para(rule.question),
        "## Flagged",
        *[example(e) for e in rule.examples.flag],
        "## Not flagged",
        *[example(e) for e in rule.examples.ok],
    ]
    return "\n\n".join(parts) + "\n"


def _plain(markdown: str, width: int = 80) -> str:
    """Markdown source, prose wrapped to `width` columns (code blocks untouched)."""
    import textwrap

    out, in_code = [], False
    for block in markdown.split("\n\n"):
        starts_code = block.startswith("```")
        if starts_code or in_code:
            out.append(block)
            # A code block may hold blank lines: it ends at its closing fence.
            fences = sum(1 for line in block.splitlines() if line.startswith("```"))
            in_code = (in_code or starts_code) and fences % 2 == (0 if in_code else 1)
            continue
        prefix = "> " if block.startswith("> ") else ""
        body = block[len(prefix):]
        out.append(textwrap.fill(body, width, initial_indent=prefix, subsequent_indent=prefix, break_long_words=False, break_on_hyphens=False))
    return "\n\n".join(out).rstrip("\n") + "\n"


@click.command("explain")
@click.argument("rule_id", metavar="RULE")
@common_options
@config_options("config", "rules_dirs")
def explain_command(rule_id, settings_flags, debug, quiet, no_color):
    """Explain a rule: what it checks, why it matters, what good looks like.

    Also the question to ask the vendor and flagged / not flagged examples,
    e.g. `proposal-lint explain PL001`. Rendered in a terminal, plain Markdown
    when piped."""
    settings = settings_flags.settings()
    ruleset = load_rules(settings)
    by_id = {r.id: r for r in ruleset.rules}
    rule = by_id.get(rule_id.strip().upper())
    if rule is None:
        from proposal_lint.config import ConfigError

        raise ConfigError(f"unknown rule '{rule_id}'; known rules: {', '.join(by_id)}")
    text = rule_markdown(rule, settings.severity.get(rule.id, rule.severity).value)
    import sys

    from proposal_lint.cli import _write

    if sys.stdout.isatty():
        from rich.markdown import Markdown

        _write(_render([Markdown(text)], no_color), None)
    else:
        _write(_plain(text), None)
    return exitcodes.OK

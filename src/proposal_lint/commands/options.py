"""Configuration options shared by check, rules, explain, waive and diff.

`@config_options(...)` adds --config (and, as asked, --select, --ignore,
--extend-select, --fail-on, --waivers, --rules-dir) and hands the command one
`settings_flags` argument instead of one per option, so commands stay short.
Put it directly above `def` (below `@common_options`): it turns a
`ConfigError` from the command's body into exit code 2 with the message.

Imports only click at the top, like every command module.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import click

from proposal_lint import exitcodes


class ConfigUsageError(click.ClickException):
    exit_code = exitcodes.USAGE_ERROR

    def show(self, file=None):
        click.echo(f"proposal-lint: {self.format_message()}", err=True)


@dataclass
class SettingsFlags:
    config: str | None = None
    select: tuple = ()
    extend_select: tuple = ()
    ignore: tuple = ()
    fail_on: str | None = None
    waivers: str | None = None
    rules_dirs: tuple = ()

    def settings(self, rules_dirs=(), formats=None):
        """Load the configuration file and merge these flags over it (raises ConfigError).

        `formats` is the --format flag of a command that writes reports; the
        configuration's `format` is then checked against the known formats.
        """
        from proposal_lint.config import check_formats, load_config, resolve

        loaded = load_config(self.config)
        settings = resolve(
            loaded,
            select=self.select,
            extend_select=self.extend_select,
            ignore=self.ignore,
            fail_on=self.fail_on,
            rules_dirs=tuple(rules_dirs) or self.rules_dirs,
            formats=formats,
            waivers=self.waivers,
        )
        if formats is not None or settings.formats:
            from proposal_lint.report import FORMATS

            check_formats(settings, FORMATS)
        return settings


_OPTIONS = {
    "config": click.option(
        "--config",
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help="Configuration file (default: the nearest proposal-lint.toml or pyproject.toml "
        "with [tool.proposal-lint], walking up from the current directory).",
    ),
    "select": click.option(
        "--select", multiple=True, metavar="IDS", help="Only these rules: ids or prefixes, comma-separated (replaces the config's)."
    ),
    "extend_select": click.option(
        "--extend-select", multiple=True, metavar="IDS", help="Add these rules to the selection (replaces the config's)."
    ),
    "ignore": click.option("--ignore", multiple=True, metavar="IDS", help="Skip these rules (replaces the config's)."),
    "fail_on": click.option(
        "--fail-on",
        type=click.Choice(["error", "warning", "info"]),
        help="Lowest severity that makes exit code 1 (default: any finding).",
    ),
    "waivers": click.option(
        "--waivers", type=click.Path(dir_okay=False), metavar="FILE", help="Waiver file (default: proposal-lint-waivers.yaml "
        "next to the configuration file or in the current directory)."
    ),
    "rules_dirs": click.option(
        "--rules-dir",
        "rules_dirs",
        multiple=True,
        type=click.Path(exists=True, file_okay=False),
        help="Extra folder of rule files (repeatable; replaces the config's rules-dirs).",
    ),
}
SELECTION = ("config", "select", "extend_select", "ignore", "fail_on", "waivers")


def config_options(*names: str):
    names = names or SELECTION

    def decorate(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            from proposal_lint.config import ConfigError

            flags = SettingsFlags(**{n: kwargs.pop(n) for n in names})
            try:
                return f(*args, settings_flags=flags, **kwargs)
            except ConfigError as exc:
                raise ConfigUsageError(str(exc)) from None

        for n in reversed(names):
            wrapper = _OPTIONS[n](wrapper)
        return wrapper

    return decorate

"""`proposal-lint attach TICKET REPORT...` and `--retry-outbox`; also the
hook `check --attach TICKET` calls (`attach_after_check`)."""

from __future__ import annotations

import click

from proposal_lint import exitcodes
from proposal_lint.cli import EPILOG, common_options


def _say(outcome, quiet: bool) -> None:
    if not outcome.ok:
        click.echo(f"proposal-lint: error: {outcome.message}", err=True)
    elif not quiet:
        click.echo(outcome.message, err=True)


def _logger(debug: bool):
    return (lambda msg: click.echo(f"proposal-lint: debug: {msg}", err=True)) if debug else None


@click.command("attach", epilog=EPILOG)
@click.argument("ticket", required=False, metavar="TICKET")
@click.argument("reports", nargs=-1, type=click.Path(exists=True, dir_okay=False), metavar="REPORT...")
@click.option("--retry-outbox", is_flag=True, help="First retry the deliveries kept in the outbox after earlier failures.")
@common_options
def attach_command(ticket, reports, retry_outbox, debug, quiet, no_color):
    """Attach report files to a procurement ticket, with a short comment
    (verdict and findings, from the JSON report among them).

    \b
    TICKET is one of:
      redmine:1234   jira:PROC-42   servicenow:sc_request/<sys_id>
      zendesk:9876   gitlab:group/project#12   github:owner/repo#12
      webhook:NAME
    Credentials come from environment variables (see the README); a delivery
    that fails is kept in the outbox and retried by --retry-outbox.
    """
    from proposal_lint.tickets.base import ConfigError, TicketRefError, parse_ticket
    from proposal_lint.tickets.deliver import attach_files, retry_outbox as retry

    if ticket is None and not retry_outbox:
        raise click.UsageError("give a TICKET and REPORT files, or --retry-outbox")
    if ticket is not None and not reports:
        raise click.UsageError("give at least one REPORT file to attach")
    if ticket is not None:
        try:
            parse_ticket(ticket)
        except TicketRefError as exc:
            raise click.BadParameter(str(exc), param_hint="TICKET") from None

    log = _logger(debug)
    outcomes = []
    try:
        if retry_outbox:
            done = retry(log=log)
            if not done and not quiet:
                click.echo("outbox: nothing to retry", err=True)
            outcomes += done
        if ticket is not None:
            try:
                outcomes.append(attach_files(ticket, list(reports), log=log))
            except ValueError as exc:  # two reports with the same name
                raise click.UsageError(str(exc)) from None
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    for outcome in outcomes:
        _say(outcome, quiet)
    return exitcodes.DELIVERY_FAILED if any(not o.ok for o in outcomes) else exitcodes.OK


def attach_after_check(ticket: str, results, debug: bool = False, quiet: bool = False, rules=None) -> bool:
    """`check --attach TICKET`: render the reports and attach them. Prints one
    line; returns False when the delivery failed (check then exits 4)."""
    from proposal_lint.tickets.base import ConfigError, TicketRefError
    from proposal_lint.tickets.deliver import attach_results

    try:
        outcome = attach_results(ticket, results, rules=rules, log=_logger(debug))
    except TicketRefError as exc:
        raise click.BadParameter(str(exc), param_hint="--attach") from None
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    _say(outcome, quiet)
    return outcome.ok

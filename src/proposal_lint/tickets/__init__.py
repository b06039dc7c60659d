"""Deliver lint reports to procurement tickets (issue 7).

One module per ticket system (redmine, jira, servicenow, zendesk, gitlab,
github, webhook), all built on `base` (ticket references, settings and
secrets from the environment, HTTP with retries, the step runner) and
`outbox` (failed deliveries kept on disk and retried).

Entry points for the CLI and the watched folder live in `deliver`:

    from proposal_lint.tickets.deliver import attach_files, attach_results, retry_outbox

This package never imports the CLI; the engine never imports this package.
"""

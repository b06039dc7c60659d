"""Process exit codes of the proposal-lint command.

A crash must never look like "has findings": internal errors share code 2
with usage errors, never 1. When several apply, the highest-priority code
wins: INTERNAL_ERROR/USAGE_ERROR, then UNREADABLE, then FINDINGS.
"""

OK = 0  # every input was read and no findings were raised
FINDINGS = 1  # at least one finding (0 instead with --exit-zero)
USAGE_ERROR = 2  # bad option or argument, bad rules folder
INTERNAL_ERROR = 2  # a bug in proposal-lint; the message says so
UNREADABLE = 3  # at least one input could not be read (missing, encrypted, corrupt, timeout...)
DELIVERY_FAILED = 4  # a report could not be attached to a ticket (attach, check --attach)
INTERRUPTED = 130  # Ctrl-C

HELP_LINES = (
    "0  no findings",
    "1  findings at or above fail-on that are not waived (0 with --exit-zero)",
    "2  usage error, or an internal error (a bug: never 1)",
    "3  at least one input could not be read (wins over 1)",
    "4  a report could not be attached to a ticket (wins over 1 and 3)",
)

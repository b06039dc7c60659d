"""Subcommands beyond `check` and `extract`, one module each.

A module imports only click at its top (so `--help` stays fast), defines one
click command, and is registered with one line at the bottom of cli.py.
"""

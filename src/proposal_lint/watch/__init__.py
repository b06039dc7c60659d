"""The watched folder: `proposal-lint watch INBOX`.

Drop a proposal into INBOX and its reports appear in INBOX/done/ next to it
(or a failed/ entry saying why not). Modelled on Paperless-ngx's consumption
directory:

- `inbox`: the folder layout, which names to ignore, stability tracking,
  claiming by atomic rename, unique names, atomic writes.
- `state`: the sha256 index and the finishing journal (an append-only JSON
  lines file, replayed on start) that make the watcher idempotent by content
  and safe to kill at any moment.
- `worker`: the pool process; loads the rules engine once and lints one file
  at a time; the parent enforces the per-file time limit by killing it.
- `hooks`: what runs after each finished report set (`--on-report`; tickets).
- `service`: the loop that ties them together, logs and signals.

Nothing here imports spaCy in the parent process: only workers load it.
"""

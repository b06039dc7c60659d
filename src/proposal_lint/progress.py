"""A progress bar on stderr while many files are linted from a terminal.

Shown only when stderr is a terminal, there is more than one file and -q was
not given; otherwise every call is a no-op, so pipes, CI logs and files stay
clean. The bar is transient (erased when done) and is refreshed by hand
rather than by rich's refresh thread: the extractor forks worker processes,
and forking while another thread holds a lock is asking for trouble.
"""

from __future__ import annotations

import os
import sys


class Progress:
    def __init__(self, files: int, *, enabled: bool, color: bool = True):
        self.enabled = enabled
        self._bar = None
        self._task = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        console = Console(stderr=True, no_color=not color, highlight=False, markup=False, emoji=False)
        self._bar = RichProgress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=True,  # our one-line errors print above the bar
        )
        # reading each file, loading the rules, linting each file
        self._task = self._bar.add_task("Reading", total=2 * files + 1)

    @staticmethod
    def wanted(files: int, quiet: bool) -> bool:
        return files > 1 and not quiet and sys.stderr.isatty()

    def start(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
            self._bar.refresh()
        return self

    def stop(self) -> None:
        """Erase the bar; safe to call more than once."""
        if self._bar is not None:
            self._bar.stop()

    def show(self, action: str, path: str | None = None) -> None:
        """What is being done now: `Reading …/quotes/acme.pdf`."""
        if self._bar is not None:
            self._bar.update(self._task, description=f"{action} {_short(path)}" if path else action)
            self._bar.refresh()

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)
            self._bar.refresh()


def _short(text: str, limit: int = 32) -> str:
    text = text.replace(os.sep, "/")
    return text if len(text) <= limit else "\u2026" + text[-(limit - 1):]

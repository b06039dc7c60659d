"""Pause Python's cyclic garbage collector while one document is processed.

Reading a PDF and analysing its text make tens of thousands of small
containers (lines, blocks, units, hit lists) that all live until the
document is done, so collector passes in between free nothing and keep
re-scanning them: ~20% of NLP time and ~5-10% of PDF reading on a 100-page
proposal (benchmarks/lint.py). Reference counting still frees everything
as soon as the document is dropped; the collector resumes right after.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

"""Where reports go: file names for --output-dir, and atomic writes.

--output-dir DIR writes one report per input per format, named after the
input's file name plus the format's extension:

    quote.pdf  ->  DIR/quote.pdf.html, DIR/quote.pdf.json, DIR/quote.pdf.sarif,
                   DIR/quote.pdf.md, DIR/quote.pdf.txt

When two inputs share a file name (a/quote.pdf, b/quote.pdf; compared
case-insensitively, for case-insensitive file systems), each of them gets
the first 8 hex digits of the SHA-256 of its path as given, so the names
never collide and stay the same from run to run:

    a/quote.pdf -> DIR/quote.pdf-1a2b3c4d.html
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter

EXTENSIONS = {"text": "txt", "json": "json", "sarif": "sarif", "markdown": "md", "html": "html"}


def report_stems(paths: list[str]) -> list[str]:
    """A collision-free file-name stem for each input path (in the same order)."""
    names = [os.path.basename(os.path.normpath(p)) or "input" for p in paths]
    counts = Counter(n.casefold() for n in names)
    stems = []
    for path, name in zip(paths, names):
        if counts[name.casefold()] > 1:
            name = f"{name}-{hashlib.sha256(path.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"
        stems.append(name)
    return stems


def report_path(directory: str, stem: str, fmt: str) -> str:
    return os.path.join(directory, f"{stem}.{EXTENSIONS[fmt]}")



"""proposal-lint: lint AI vendor proposals for unjustified fine-tuning.

Pipeline: ingest -> nlp -> rules -> verdict -> report -> deliver.
Keep this module import-light: `proposal-lint --version` must not pull in
spaCy, pdfplumber or pypdfium2.
"""

__version__ = "0.1.0"

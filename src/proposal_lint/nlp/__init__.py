"""NLP stage: spaCy pipeline, text units (sentences, table rows) and context."""

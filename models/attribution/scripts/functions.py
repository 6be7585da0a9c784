"""Registers the attribution_tagger factory, its architecture and scorer for `spacy train --code`."""

import quotes.learned  # noqa: F401

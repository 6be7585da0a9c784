"""Registers the attribution_tagger factory, its architecture and scorer for `spacy train --code`,
and the callback that gives the trained pipeline the base pipeline's lookups."""

import sys
from pathlib import Path
from typing import Callable

import spacy
from spacy.language import Language
from spacy.util import registry

import quotes.learned  # noqa: F401

# A base pipeline *directory* (not the installed package) names the recipe's tok2vec features
# and coreference factory, which the package would otherwise register on import.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import clusters  # noqa: E402, F401
import coref_component  # noqa: E402, F401
import person_titles  # noqa: E402, F401


@registry.callbacks("quotes.copy_lookups.v1")
def make_copy_lookups(base: str) -> Callable[[Language], Language]:
    def copy_lookups(nlp: Language) -> Language:
        source = spacy.load(
            base,
            exclude=[
                "tagger",
                "parser",
                "ner",
                "attribute_ruler",
                "lemmatizer",
                "quotes_coreferee",
            ],
        )
        for name in source.vocab.lookups.tables:
            if nlp.vocab.lookups.has_table(name):
                nlp.vocab.lookups.remove_table(name)
            nlp.vocab.lookups.set_table(name, source.vocab.lookups.get_table(name))
        return nlp

    return copy_lookups

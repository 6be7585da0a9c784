"""Load the spaCy pipeline once per process and run articles through it in batches."""

from __future__ import annotations

import contextlib
import importlib
import io
import warnings
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from . import attribution_model, ingest, learned
from . import component as quotes_component  # noqa: F401  (registers the "quotes" factory)
from .records import Article, Failure, Quote

DEFAULT_MODEL = "en_quotes_sm"
COREF_COMPONENTS = ("coreferee", "quotes_coreferee")


class ModelNotFound(Exception):
    """The requested spaCy pipeline is not installed."""


@lru_cache(maxsize=None)
def load(model: str = DEFAULT_MODEL, tagger: bool | str = True) -> Language:
    """The pipeline ``model`` with coreference (when available) and the ``quotes`` component.

    ``tagger`` says which learned attribution model the rules work with: ``True`` or
    ``"encoder"``, the attribution model on the frozen MiniLM encoder shipped in ``quotes/data``
    (any pipeline with a parser; raises when it cannot be loaded); ``"cnn"``, the older CNN
    tagger on en_quotes_sm's tok2vec (only with the tok2vec it was trained on); ``False``, the
    rules alone.
    """
    if tagger not in (True, False, "encoder", "cnn"):
        raise ValueError(f"tagger must be True, False, 'encoder' or 'cnn', not {tagger!r}")
    if Path(model).is_dir():
        _register_own_code()
    try:
        nlp = spacy.load(model)
    except OSError as error:
        raise ModelNotFound(
            f"spaCy pipeline {model!r} is not installed. Install the packaged model with "
            f"`pip install {model}-<version>.tar.gz` (or a wheel built by `spacy package`), "
            "or pass the path of a trained pipeline directory."
        ) from error
    if not any(name in nlp.pipe_names for name in COREF_COMPONENTS):
        try:
            import coreferee  # noqa: F401  (registers its factory)

            # coreferee prints its own red failure banner to stdout; our warning says it once.
            with contextlib.redirect_stdout(io.StringIO()):
                nlp.add_pipe("coreferee")
        except Exception as error:  # coreferee raises several types when its model is missing
            _warn_once(f"No coreference for {model!r} ({error}); pronouns resolve heuristically.")
    _narrow_coreference(nlp)
    if tagger is True or tagger == "encoder":
        attribution_model.attach(nlp)
    elif tagger == "cnn":
        learned.attach(nlp)
    if "quotes" not in nlp.pipe_names:
        nlp.add_pipe("quotes", last=True)
    return nlp


def _register_own_code() -> None:
    """A trained pipeline *directory* built by models/ names our coreference factory and the
    tok2vec's cluster features; the installed en_quotes_sm package registers both on import."""
    with contextlib.suppress(ImportError):
        importlib.import_module(DEFAULT_MODEL)


# How many sentences back coreferee looks for a pronoun's antecedent, and for a noun's
# (coreferee's own defaults: 5 and 2). Its cost grows with both and it is most of the
# pipeline's time; a quote's "he said" points at someone in this sentence or the last one.
# Measured on held-out GUM and LitBank (models/scripts/train_coref.py --evaluate-only) and on
# PolNeAR dev (`quotes eval`), the narrower reach loses no attribution and makes the pipeline
# about a third faster (models/scripts/benchmark.py). en_quotes_sm 0.3.0 sets the same in its
# component's config; this brings coreferee's own component and older models down to it.
COREF_ANAPHORA_SENTENCES = 1
COREF_NOUN_SENTENCES = 0


def _narrow_coreference(nlp: Language) -> None:
    for name in COREF_COMPONENTS:
        component = nlp.get_pipe(name) if name in nlp.pipe_names else None
        if hasattr(component, "anaphora_sentences"):
            # Ours applies its own reach on every call (coreferee's rules analyzer is one
            # per language and process): narrow that setting, never widen it.
            component.anaphora_sentences = min(
                component.anaphora_sentences, COREF_ANAPHORA_SENTENCES
            )
            component.noun_sentences = min(component.noun_sentences, COREF_NOUN_SENTENCES)
        rules = getattr(getattr(component, "annotator", None), "rules_analyzer", None)
        if rules is None:
            continue
        # Never wider than the model's own setting.
        rules.maximum_anaphora_sentence_referential_distance = min(
            rules.maximum_anaphora_sentence_referential_distance, COREF_ANAPHORA_SENTENCES
        )
        rules.maximum_coreferring_nouns_sentence_referential_distance = min(
            rules.maximum_coreferring_nouns_sentence_referential_distance, COREF_NOUN_SENTENCES
        )


@lru_cache(maxsize=None)
def _warn_once(message: str) -> None:
    warnings.warn(message, stacklevel=3)


def find_quotes(
    nlp: Language, articles: Iterable[Article], batch_size: int = 16
) -> Iterator[tuple[Article, list[Quote] | Failure]]:
    """Each article with its quotations, or the :class:`Failure` that stopped them, in input
    order.

    The pipeline reads each article's normalised view (one kind of line break, no front matter
    or boilerplate lines: :mod:`quotes.ingest.view`); the quotes' offsets are mapped back to
    the stored text.

    Articles go through ``nlp.pipe`` ``batch_size`` at a time. An exception anywhere in the
    pipeline (a component, the ``quotes`` extraction) ends ``nlp.pipe`` for the whole batch
    without saying which article caused it, so the articles of that batch not yet yielded
    are run again one at a time: the one that fails gets its Failure and the others their
    quotes, exactly as the batch would have given them (results do not depend on batching).
    ``nlp.pipe`` is called with ``as_tuples`` and consumed lazily, one Doc per article
    yielded, so a wrapper around ``nlp`` (``quotes eval`` keeps each Doc) sees them in step.
    """
    iterator = iter(articles)
    while batch := list(islice(iterator, batch_size)):
        done = 0
        try:
            pairs = _viewed(batch)
            for doc, (article, view) in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
                quotes = _quotes_of(doc, view)
                done += 1
                yield article, quotes
        except Exception:
            for article in batch[done:]:
                yield article, _one(nlp, article)


def _viewed(batch: list[Article]) -> Iterator[tuple[str, tuple[Article, ingest.View]]]:
    # a generator, so a view that fails to build ends nlp.pipe like a component would
    for article in batch:
        view = ingest.view(article)
        yield view.text, (article, view)


def _quotes_of(doc: Doc, view: ingest.View) -> list[Quote]:
    return [view.restore(quote) for quote in doc._.quotes or []]


def _one(nlp: Language, article: Article) -> list[Quote] | Failure:
    try:
        view = ingest.view(article)
        for doc, _ in nlp.pipe([(view.text, None)], as_tuples=True, batch_size=1):
            return _quotes_of(doc, view)
        return Failure("internal error while finding quotes: the pipeline returned no Doc")
    except Exception as error:
        return Failure.of("finding quotes", error)

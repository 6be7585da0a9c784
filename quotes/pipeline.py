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

from . import attribution_model, ingest, learned
from . import component as quotes_component  # noqa: F401  (registers the "quotes" factory)
from .records import Article, Failure, Quote

DEFAULT_MODEL = "en_quotes_sm"
COREF_COMPONENTS = ("coreferee", "quotes_coreferee")


class ModelNotFound(Exception):
    """The requested spaCy pipeline is not installed."""


@lru_cache(maxsize=None)
def load(
    model: str = DEFAULT_MODEL,
    tagger: bool | str = True,
    windowed_coreference: bool = True,
    threads: int = 1,
) -> Language:
    """The pipeline ``model`` with coreference (when available) and the ``quotes`` component.

    ``tagger`` says which learned attribution model the rules work with: ``True`` or
    ``"encoder"``, the attribution model on the frozen MiniLM encoder shipped in ``quotes/data``
    (any pipeline with a parser; raises when it cannot be loaded); ``"cnn"``, the older CNN
    tagger on en_quotes_sm's tok2vec (only with the tok2vec it was trained on); ``False``, the
    rules alone.

    ``threads`` is how many threads the encoder's ONNX Runtime session may use (0: its own
    default, every core). One by default, for two reasons: the same text must give the same
    quotes on every machine, and the runtime's threaded sums change the features' last bits
    and, now and then, a label (so `quotes eval` scores what `quotes index` stores); and
    ``quotes index`` gets its parallelism from worker processes, one per core.
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
        attribution_model.attach(nlp, threads=threads)
    elif tagger == "cnn":
        learned.attach(nlp)
    if "quotes" not in nlp.pipe_names:
        # Coreference runs only around the pronouns that cues make speakers, inside the
        # quotes component, not over whole articles (attribute.WindowedCoreference).
        coref = next((name for name in COREF_COMPONENTS if name in nlp.pipe_names), None)
        if windowed_coreference and coref is not None:
            nlp.add_pipe("quotes", last=True, config={"coreference_component": coref})
            nlp.disable_pipe(coref)
        else:
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


# Longest text the pipeline reads in one Doc; a longer one goes through in pieces. A Doc's
# memory grows with its length (a 500 KB article took 2.3 GB in one Doc) and so does the time
# per word of tok2vec and the parser (half as much again at 500 KB as at 5 KB), so a 2 MB
# article is read as twenty of about 100 KB, each longer than nearly every news article
# (PolNeAR's longest is 34 KB). Only what reaches across a cut is lost.
PIECE_CHARS = 100_000


def find_quotes(
    nlp: Language,
    articles: Iterable[Article],
    batch_size: int = 16,
    max_length: int | None = None,
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
    ``nlp.pipe`` is called with ``as_tuples`` and consumed lazily, so a wrapper around ``nlp``
    (``quotes eval`` keeps each Doc) sees them in step.

    A text longer than ``max_length`` characters (by default :data:`PIECE_CHARS`, or the
    pipeline's own ``nlp.max_length`` past which spaCy refuses a text, if that is less) goes
    through in paragraph-aligned pieces (:func:`pieces`), one Doc at a time; its quotes keep
    offsets into the whole text.
    """
    limit = min(nlp.max_length, PIECE_CHARS) if max_length is None else max_length
    iterator = iter(articles)
    while batch := list(islice(iterator, batch_size)):
        done = 0
        try:
            for n, quotes in _through(nlp, batch, batch_size, limit):
                done += 1
                yield batch[n], quotes
        except Exception:
            for article in batch[done:]:
                yield article, _one(nlp, article, limit)


def pieces(text: str, limit: int) -> list[tuple[int, str]]:
    """``text`` cut into pieces of at most ``limit`` characters, with the offset of each.

    A piece ends after a blank line where one falls in the second half of its span, else
    after a line break, else after a space; only a text with none of these is cut mid-word.
    A report never runs over a paragraph break in the rules, so a cut there loses only what
    reaches across paragraphs (coreference one sentence back, a continued quotation).
    """
    out, start = [], 0
    while len(text) - start > limit:
        end = start + limit
        floor = start + limit // 2
        cut = end
        for separator in ("\n\n", "\n", " "):
            k = text.rfind(separator, floor, end)
            if k != -1:
                cut = k + len(separator)
                break
        out.append((start, text[start:cut]))
        start = cut
    out.append((start, text[start:]))
    return out


def _through(
    nlp: Language, batch: list[Article], batch_size: int, limit: int
) -> Iterator[tuple[int, list[Quote]]]:
    """(position in the batch, quotes) of each article, in order, once its last piece is read.
    A batch holding a text in pieces goes through one Doc at a time, so that a long article
    never has many of its pieces in memory as Docs at once."""
    views = [ingest.view(article) for article in batch]
    parts = [pieces(view.text, limit) for view in views]
    one_each = all(len(p) == 1 for p in parts)
    pairs = (
        (piece, (n, offset, k == len(parts[n]) - 1))
        for n in range(len(batch))
        for k, (offset, piece) in enumerate(parts[n])
    )
    found: list[Quote] = []
    size = batch_size if one_each else 1
    for doc, (n, offset, last) in nlp.pipe(pairs, as_tuples=True, batch_size=size):
        found.extend(views[n].restore(q.shifted(offset)) for q in doc._.quotes or [])
        if last:
            yield n, found
            found = []


def _one(nlp: Language, article: Article, limit: int) -> list[Quote] | Failure:
    try:
        for _, quotes in _through(nlp, [article], 1, limit):
            return quotes
        return Failure("internal error while finding quotes: the pipeline returned no Doc")
    except Exception as error:
        return Failure.of("finding quotes", error)

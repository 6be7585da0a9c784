"""Pronoun resolution for the en_quotes_sm pipeline.

coreferee normally finds its model by the spaCy model's name and version and
imports a `coreferee_model_en` package downloaded from GitHub. Our pipeline is
trained in-house, so this component keeps coreferee's trained files (feature
table and thinc ensemble) inside the pipeline's own directory and builds
coreferee's `Annotator` from them. The annotations are exactly coreferee's:
`doc._.coref_chains` and `token._.coref_chains`.

The module is shipped with the package via `spacy package --code`, which
registers the `quotes_coreferee` factory when the package is loaded. Loading a
pipeline *directory* with `spacy.load(path)` needs this module imported first.
"""

from __future__ import annotations

import logging
import pickle
import warnings
from pathlib import Path
from typing import Callable, Iterable, Iterator

import srsly
from coreferee.annotation import Annotator
from coreferee.data_model import FeatureTable
from coreferee.manager import (
    FEATURE_TABLE_FILENAME,
    THINC_MODEL_FILENAME,
    CorefereeBroker,
)
from coreferee.tendencies import create_thinc_model
from spacy import util
from spacy.language import Language
from spacy.tokens import Doc
from thinc.api import Model

logger = logging.getLogger(__name__)

FACTORY_NAME = "quotes_coreferee"

# Inside the pipeline the feature table is kept as JSON rather than coreferee's
# pickle: a pipeline directory should not execute code when it is loaded.
FEATURE_TABLE_JSON = "feature_table.json"
MODEL_FILE = "model"


def feature_table_to_dict(feature_table: FeatureTable) -> dict[str, list[str]]:
    return {key: list(value) for key, value in vars(feature_table).items()}


def feature_table_from_dict(data: dict[str, list[str]]) -> FeatureTable:
    return FeatureTable(**data)


def load_coreferee_files(model_dir: str | Path) -> tuple[FeatureTable, Model]:
    """Read a model in coreferee's own layout: `feature_table.bin` (pickle) and `model`."""
    model_dir = Path(model_dir)
    with (model_dir / FEATURE_TABLE_FILENAME).open("rb") as file:
        feature_table = pickle.load(file)
    thinc_model = create_thinc_model()
    thinc_model.from_disk(model_dir / THINC_MODEL_FILENAME)
    return feature_table, thinc_model


def save_coreferee_files(
    model_dir: str | Path, feature_table: FeatureTable, thinc_model: Model
) -> None:
    """Write a model in coreferee's own layout, as its trainer does."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    with (model_dir / FEATURE_TABLE_FILENAME).open("wb") as file:
        pickle.dump(feature_table, file)
    thinc_model.to_disk(model_dir / THINC_MODEL_FILENAME)


class QuotesCoreferee:
    """Runs coreferee's annotator with a model stored in the pipeline."""

    def __init__(
        self,
        nlp: Language,
        name: str = FACTORY_NAME,
        anaphora_sentences: int = 5,
        noun_sentences: int = 2,
    ) -> None:
        self.nlp = nlp
        self.name = name
        self.anaphora_sentences = anaphora_sentences
        self.noun_sentences = noun_sentences
        self.feature_table: FeatureTable | None = None
        self.thinc_model: Model | None = None
        self.annotator: Annotator | None = None
        CorefereeBroker.set_extensions()

    def set_model(self, feature_table: FeatureTable, thinc_model: Model) -> None:
        self.feature_table = feature_table
        self.thinc_model = thinc_model
        # The rules are chosen by nlp.meta["lang"] only; the pipeline's own
        # vocab stands in for the vectors model, as for coreferee's _sm models.
        self.annotator = Annotator(self.nlp, self.nlp, feature_table, thinc_model)
        self._apply_reach()

    def _apply_reach(self) -> None:
        # How far back coreferee looks for a pronoun's antecedent and for a noun's, in
        # sentences. Its cost grows with both; its own defaults are 5 and 2. coreferee keeps
        # one rules analyzer per language for the whole process, so every call sets ours
        # again: another English coreference component may have changed it since.
        rules = self.annotator.rules_analyzer
        rules.maximum_anaphora_sentence_referential_distance = self.anaphora_sentences
        rules.maximum_coreferring_nouns_sentence_referential_distance = self.noun_sentences

    def __call__(self, doc: Doc) -> Doc:
        if self.annotator is None:
            raise ValueError(
                f"The '{self.name}' component has no model: load one with "
                "add_to_pipeline() or from a trained pipeline."
            )
        self._apply_reach()
        try:
            with warnings.catch_warnings():
                # W007: similarity from tok2vec tensors, expected without static
                # vectors (coreferee's _sm models work the same way).
                warnings.filterwarnings("ignore", message=r"\[W007\]")
                self.annotator.annotate(doc)
        except Exception as error:  # noqa: BLE001
            # As coreferee does: a document coreferee cannot handle keeps its
            # other annotations; the pipeline must not stop on it.
            logger.debug("coreferee failed on a document", exc_info=True)
            warnings.warn(
                f"coreferee could not annotate a document ({error!r}); skipping it",
                RuntimeWarning,
                stacklevel=2,
            )
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in stream:
            yield self(doc)

    def _require_model(self) -> tuple[FeatureTable, Model]:
        if self.feature_table is None or self.thinc_model is None:
            raise ValueError(f"The '{self.name}' component has no model to save.")
        return self.feature_table, self.thinc_model

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        feature_table, thinc_model = self._require_model()
        serializers: dict[str, Callable[[], bytes]] = {
            FEATURE_TABLE_JSON: lambda: srsly.json_dumps(
                feature_table_to_dict(feature_table)
            ).encode("utf8"),
            MODEL_FILE: lambda: thinc_model.to_bytes(),
        }
        return util.to_bytes(serializers, exclude)

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()) -> QuotesCoreferee:
        data: dict[str, bytes] = {}
        deserializers = {
            FEATURE_TABLE_JSON: lambda b: data.__setitem__(FEATURE_TABLE_JSON, b),
            MODEL_FILE: lambda b: data.__setitem__(MODEL_FILE, b),
        }
        util.from_bytes(bytes_data, deserializers, exclude)
        feature_table = feature_table_from_dict(srsly.json_loads(data[FEATURE_TABLE_JSON]))
        thinc_model = create_thinc_model().from_bytes(data[MODEL_FILE])
        self.set_model(feature_table, thinc_model)
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = tuple()) -> None:
        feature_table, thinc_model = self._require_model()
        serializers = {
            FEATURE_TABLE_JSON: lambda p: srsly.write_json(p, feature_table_to_dict(feature_table)),
            MODEL_FILE: lambda p: thinc_model.to_disk(p),
        }
        util.to_disk(path, serializers, exclude)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = tuple()) -> QuotesCoreferee:
        path = Path(path)
        feature_table = feature_table_from_dict(srsly.read_json(path / FEATURE_TABLE_JSON))
        thinc_model = create_thinc_model().from_disk(path / MODEL_FILE)
        self.set_model(feature_table, thinc_model)
        return self


def make_quotes_coreferee(
    nlp: Language, name: str, anaphora_sentences: int, noun_sentences: int
) -> QuotesCoreferee:
    return QuotesCoreferee(nlp, name, anaphora_sentences, noun_sentences)


# This file ships inside en_quotes_sm and also lives in the training scripts; when both are
# imported in one process (tests, training next to an installed model) register it once.
if not Language.has_factory(FACTORY_NAME):
    Language.factory(
        FACTORY_NAME,
        func=make_quotes_coreferee,
        default_config={"anaphora_sentences": 5, "noun_sentences": 2},
    )


def add_to_pipeline(
    nlp: Language, model_dir: str | Path, name: str = FACTORY_NAME, **config: int
) -> QuotesCoreferee:
    """Add (or replace) the coreference component, loading a model saved in
    coreferee's layout (`feature_table.bin` and `model` in *model_dir*); *config* sets
    its reach (`anaphora_sentences`, `noun_sentences`)."""
    feature_table, thinc_model = load_coreferee_files(model_dir)
    if name in nlp.pipe_names:
        nlp.remove_pipe(name)
    component = nlp.add_pipe(FACTORY_NAME, name=name, last=True, config=config)
    component.set_model(feature_table, thinc_model)
    return component

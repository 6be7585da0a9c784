"""The second training stage's config (models/scripts/anneal_config.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin
from thinc.api import Config

MODELS = Path(__file__).resolve().parents[1] / "models"
sys.path.insert(0, str(MODELS / "scripts"))

import anneal_config  # noqa: E402
import clusters  # noqa: E402, F401  (registers the tok2vec's architecture)
import numpy  # noqa: E402
from minilm_vectors import vectors_pipeline  # noqa: E402

BASE = Config().from_disk(MODELS / "configs" / "en_quotes_sm.cfg", interpolate=False)
VECTORS_EMBED = {
    **BASE["components"]["tok2vec"]["model"]["embed"],
    "@architectures": "quotes.ClusterHashEmbed.v2",
    "include_static_vectors": True,
}


def test_every_trained_component_is_sourced_and_the_rate_falls_to_zero():
    config = anneal_config.anneal_config(BASE, "first/model-best", 300, 0.0005, 800)
    for name in ("tok2vec", "tagger", "parser", "ner"):
        assert config["components"][name] == {"source": "first/model-best"}
    training = config["training"]
    assert training["max_steps"] == 300 and training["patience"] == 300
    assert training["optimizer"]["use_averages"] is True
    schedule = training["optimizer"]["learn_rate"]
    assert schedule["initial_rate"] == 0.0005 and schedule["total_steps"] == 300
    assert training["batcher"]["size"] == 800
    # the first stage's config is left as it was
    assert "factory" in BASE["components"]["parser"]


def _docs(nlp) -> list[Doc]:
    words = ["Petrov", "said", "the", "raids", "were", "wrong", "."]
    return [
        Doc(
            nlp.vocab,
            words=words,
            tags=["NNP", "VBD", "DT", "NNS", "VBD", "JJ", "."],
            heads=[1, 1, 3, 4, 1, 4, 1],
            deps=["nsubj", "ROOT", "det", "nsubj", "ccomp", "acomp", "punct"],
            ents=["B-PERSON", "O", "O", "O", "O", "O", "O"],
        )
        for _ in range(4)
    ]


def test_the_derived_config_continues_training_a_saved_pipeline(tmp_path):
    from spacy.cli.train import train
    from spacy.training.initialize import init_nlp

    docs = tmp_path / "docs.spacy"
    DocBin(docs=_docs(spacy.blank("en"))).to_disk(docs)
    # The recipe's variant with static vectors (README): the sourced second stage must find
    # the first stage's table again, or its tok2vec would look up rows in an empty one.
    words = ["petrov", "said", "the", "raids", "were", "wrong"]
    table = numpy.random.default_rng(0).normal(size=(len(words), 8)).astype("float32")
    vectors_pipeline(words, table).to_disk(tmp_path / "vectors")
    paths = {"train": str(docs), "dev": str(docs), "vectors": str(tmp_path / "vectors")}
    first = BASE.merge(
        {
            "paths": paths,
            "components": {
                # four documents: keep every parser action, however rare
                "parser": {"min_action_freq": 1},
                "tok2vec": {"model": {"embed": VECTORS_EMBED}},
            },
        }
    )
    nlp = init_nlp(first)
    nlp.to_disk(tmp_path / "first")

    config = anneal_config.anneal_config(first, str(tmp_path / "first"), 3, 0.001, 100)
    config.to_disk(tmp_path / "anneal.cfg")
    train(
        tmp_path / "anneal.cfg",
        tmp_path / "second",
        overrides={f"paths.{name}": path for name, path in paths.items()},
    )
    second = spacy.load(tmp_path / "second" / "model-last")
    assert second.pipe_names == ["tok2vec", "tagger", "parser", "ner"]
    doc = second("Petrov said the raids were wrong.")
    assert len(doc) == 7 and doc.has_annotation("DEP")
    assert second.vocab.vectors.shape == (6, 8) and doc[0].has_vector

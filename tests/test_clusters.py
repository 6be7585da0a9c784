"""Brown-cluster features of the shared tok2vec (models/scripts/clusters.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy
import spacy
from spacy.util import registry

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models" / "scripts"))

import clusters  # noqa: E402

ATTRS = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]


def blank_with(table: dict[str, int]):
    nlp = spacy.blank("en")
    lookup = nlp.vocab.lookups.add_table(clusters.CLUSTER_TABLE)
    for word, cluster in table.items():
        lookup[word] = cluster
    return nlp


def test_columns_are_whole_id_and_low_bits_with_a_marker():
    nlp = blank_with({"Enron": 0b1100100110, "Dresden": 0b10110100110})
    doc = nlp("Enron Dresden nobody")
    cols = clusters.cluster_features([doc], [0, 4, 6])[0]
    assert cols.shape == (3, 3)
    assert cols[0].tolist() == [0b1100100110, 0b0110 | 0b10000, 0b100110 | 0b1000000]
    # "Enron" and "Dresden" part at the whole id, share their coarse classes
    assert cols[0, 0] != cols[1, 0]
    assert (cols[0, 1:] == cols[1, 1:]).all()
    # a form without a cluster is 0 everywhere, never a cluster whose low bits are 0
    assert cols[2].tolist() == [0, 0, 0]


def test_a_vocab_without_the_table_gives_zeros():
    doc = spacy.blank("en")("Enron said so")
    assert not clusters.cluster_features([doc], [0, 8])[0].any()


def test_case_matters_as_in_the_table():
    nlp = blank_with({"Seattle": 166})
    cols = clusters.cluster_features([nlp("Seattle seattle")], [0])[0]
    assert cols[:, 0].tolist() == [166, 0]


def test_add_clusters_fills_the_vocab_from_lookups_data():
    nlp = spacy.blank("en")
    registry.callbacks.get("quotes.add_clusters.v1")()(nlp)
    assert nlp.vocab["Microsoft"].cluster == nlp.vocab["Enron"].cluster != 0
    assert nlp.vocab["Qwxzzyq"].cluster == 0
    # run twice (a re-initialised pipeline): still one table
    registry.callbacks.get("quotes.add_clusters.v1")()(nlp)
    assert nlp.vocab.lookups.tables == [clusters.CLUSTER_TABLE]


def test_embedding_width_and_round_trip(tmp_path):
    nlp = blank_with({"Enron": 806, "said": 116})
    make = registry.architectures.get("quotes.ClusterHashEmbed.v1")
    model = make(
        width=16, attrs=ATTRS, rows=[50, 20, 20, 20], cluster_bits=[0, 4], cluster_rows=[30, 10]
    )
    docs = [nlp("Enron said it ."), nlp("No")]
    model.initialize(X=docs)
    out = model.predict(docs)
    assert [y.shape for y in out] == [(4, 16), (1, 16)]
    again = make(
        width=16, attrs=ATTRS, rows=[50, 20, 20, 20], cluster_bits=[0, 4], cluster_rows=[30, 10]
    )
    again.from_bytes(model.to_bytes())
    numpy.testing.assert_allclose(again.predict(docs)[0], out[0])
    # the cluster feeds the vector: the same word with another cluster reads differently
    other = blank_with({"Enron": 502, "said": 116})
    changed = model.predict([other("Enron said it .")])[0]
    assert not numpy.allclose(changed[0], out[0][0])
    numpy.testing.assert_allclose(changed[3], out[0][3])


def test_v2_adds_the_static_vectors_and_v1_is_v2_without_them():
    from spacy.vectors import Vectors

    nlp = blank_with({"Enron": 806, "said": 116})
    table = numpy.eye(3, 8, dtype="float32")
    nlp.vocab.vectors = Vectors(
        strings=nlp.vocab.strings,
        data=table,
        keys=[nlp.vocab.strings.add(w) for w in ("Enron", "Microsoft", "said")],
    )
    sizes = {"attrs": ATTRS, "rows": [50, 20, 20, 20], "cluster_bits": [0], "cluster_rows": [30]}
    make = registry.architectures.get("quotes.ClusterHashEmbed.v2")
    model = make(width=16, include_static_vectors=True, **sizes)
    docs = [nlp("Enron said it .")]
    model.initialize(X=docs)
    out = model.predict(docs)[0]
    assert out.shape == (4, 16)
    # the same spelling and cluster with another vector reads differently
    nlp.vocab.vectors.add(nlp.vocab.strings["Enron"], row=1)
    assert not numpy.allclose(model.predict([nlp("Enron said it .")])[0][0], out[0])

    v1 = registry.architectures.get("quotes.ClusterHashEmbed.v1")(width=16, **sizes)
    v2 = make(width=16, include_static_vectors=False, **sizes)
    assert [n.name for n in v1.walk()] == [n.name for n in v2.walk()]


def test_the_table_is_saved_with_the_pipeline(tmp_path):
    nlp = blank_with({"Enron": 806})
    nlp.to_disk(tmp_path / "p")
    assert spacy.load(tmp_path / "p").vocab["Enron"].cluster == 806


def test_attribution_training_copies_the_base_lookups(tmp_path):
    """The tagger's recipe sources a frozen tok2vec, which spaCy loads without the base vocab's
    lookups; its callback must bring the cluster table along."""
    base = blank_with({"Enron": 806})
    base.to_disk(tmp_path / "base")
    functions_py = Path(__file__).resolve().parents[1] / "models/attribution/scripts/functions.py"
    spec = importlib.util.spec_from_file_location("attribution_functions", functions_py)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    nlp = spacy.blank("en")
    registry.callbacks.get("quotes.copy_lookups.v1")(str(tmp_path / "base"))(nlp)
    assert nlp.vocab["Enron"].cluster == 806

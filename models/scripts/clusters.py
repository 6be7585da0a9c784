"""Brown clusters as a feature of the shared tok2vec.

The treebanks hold some 350k words; most names in news never occur in them, so the model
cannot tell that "Enron" behaves like "Microsoft" or "Raqqa" like "Dresden". spaCy's lookups
data (spacy-lookups-data, on PyPI) carries 1,000 Brown clusters over about 190k word forms,
learned from a very large corpus: distributional word classes that the parser, tagger and
recognizer can read alongside the hashed spellings, the way Koo et al. (2008) fed them to a
dependency parser. A cluster id stores its path in the cluster tree from the low bit up, so
its low bits are coarse classes (names, places, companies) and the whole id the finest one.

The table is put in the pipeline's vocab (``vocab.lookups["lexeme_cluster"]``), so it is
saved with the pipeline and ``Lexeme.cluster`` works too. The module ships with the package
(``spacy package --code``); loading a pipeline *directory* needs it imported first, and
``spacy train`` needs ``--code scripts/clusters.py``.
"""

from __future__ import annotations

from typing import Callable, List

import numpy
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import (
    HashEmbed,
    Maxout,
    Model,
    chain,
    concatenate,
    list2ragged,
    ragged2list,
    with_array,
)
from thinc.types import Floats2d, Ints2d

CLUSTER_TABLE = "lexeme_cluster"


def load_clusters(lang: str = "en") -> dict[str, int]:
    """Word form -> cluster id, for the forms that have one (0 means none)."""
    from spacy.lookups import load_lookups

    table = load_lookups(lang, [CLUSTER_TABLE]).get_table(CLUSTER_TABLE)
    # Table keys are hashes already; keep them, dropping the forms without a cluster.
    return {key: value for key, value in table.items() if value}


@registry.callbacks("quotes.add_clusters.v1")
def make_add_clusters(lang: str = "en") -> Callable[[Language], Language]:
    """[initialize.before_init]: put the cluster table in the vocab before the model sees data."""

    def add_clusters(nlp: Language) -> Language:
        if nlp.vocab.lookups.has_table(CLUSTER_TABLE):
            nlp.vocab.lookups.remove_table(CLUSTER_TABLE)
        table = nlp.vocab.lookups.add_table(CLUSTER_TABLE)
        for key, value in load_clusters(lang).items():
            table[key] = value
        return nlp

    return add_clusters


def cluster_features(docs: list[Doc], bits: list[int]) -> list[numpy.ndarray]:
    """One column per entry of ``bits``: the cluster's low ``b`` bits (0: the whole id).

    A form without a cluster gets 0 in every column; a set marker bit above the kept bits
    keeps "no cluster" apart from a cluster whose low bits happen to be 0.
    """
    out = []
    for doc in docs:
        lookups = doc.vocab.lookups
        table = lookups.get_table(CLUSTER_TABLE) if lookups.has_table(CLUSTER_TABLE) else {}
        ids = numpy.asarray(
            [table.get(orth, 0) for orth in doc.to_array(ORTH).tolist()], dtype="uint64"
        )
        cols = numpy.zeros((len(doc), len(bits)), dtype="uint64")
        known = ids != 0
        for j, b in enumerate(bits):
            if b == 0:
                cols[:, j] = ids
            else:
                cols[:, j] = numpy.where(known, (ids & ((1 << b) - 1)) | (1 << b), 0)
        out.append(cols)
    return out


def ClusterFeatures(attrs: list[str], bits: list[int]) -> Model[List[Doc], List[Ints2d]]:
    """spaCy's FeatureExtractor(attrs) with the cluster columns appended."""

    def forward(model: Model, docs: list[Doc], is_train: bool):
        clusters = cluster_features(docs, bits)
        feats = [
            model.ops.asarray2i(
                numpy.hstack((doc.to_array(attrs).reshape((len(doc), -1)), c)), dtype="uint64"
            )
            for doc, c in zip(docs, clusters)
        ]
        return feats, lambda d_feats: []

    return Model("extract_features", forward, attrs={"columns": attrs, "bits": bits})


@registry.architectures("quotes.ClusterHashEmbed.v1")
def ClusterHashEmbed(
    width: int,
    attrs: List[str],
    rows: List[int],
    cluster_bits: List[int],
    cluster_rows: List[int],
) -> Model[List[Doc], List[Floats2d]]:
    """spaCy's MultiHashEmbed (no static vectors) plus one hashed table per cluster column."""
    return ClusterHashEmbedVectors(width, attrs, rows, cluster_bits, cluster_rows, False)


@registry.architectures("quotes.ClusterHashEmbed.v2")
def ClusterHashEmbedVectors(
    width: int,
    attrs: List[str],
    rows: List[int],
    cluster_bits: List[int],
    cluster_rows: List[int],
    include_static_vectors: bool,
) -> Model[List[Doc], List[Floats2d]]:
    """v1, optionally with the pipeline's static vectors projected in, as MultiHashEmbed.v2
    does (``[initialize] vectors`` names the table, e.g. scripts/minilm_vectors.py's)."""
    if len(rows) != len(attrs) or len(cluster_rows) != len(cluster_bits):
        raise ValueError("rows must match attrs and cluster_rows must match cluster_bits")
    all_rows = [*rows, *cluster_rows]
    embeddings = [
        HashEmbed(width, n, column=i, seed=8 + i, dropout=0.0) for i, n in enumerate(all_rows)
    ]
    hashed = [
        ClusterFeatures(attrs, cluster_bits), list2ragged(), with_array(concatenate(*embeddings))
    ]
    pieces = len(embeddings)
    if include_static_vectors:
        from spacy.ml.staticvectors import StaticVectors

        hashed = [concatenate(chain(*hashed), StaticVectors(width, dropout=0.0))]
        pieces += 1
    # Without vectors the layers stay one flat chain, as v1 always built it, so that
    # pipelines trained with v1 load their weights into the same tree.
    return chain(
        *hashed,
        with_array(Maxout(width, width * pieces, nP=3, dropout=0.0, normalize=True)),
        ragged2list(),
    )

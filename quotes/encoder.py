"""A frozen pretrained encoder (all-MiniLM-L6-v2, ONNX int8) whose features the learned heads read.

The ``quotes_encoder`` component runs the encoder over each Doc's text in overlapping windows of
word pieces, keeps for every word piece the window in which it sits furthest from an edge, and
averages each spaCy token's word pieces into one vector (``doc._.encoder_features``, float32,
one row per token; whitespace tokens get zeros). The model and its tokenizer ship in
``quotes/data/encoder`` (exported once by models/attribution/scripts/export_encoder.py); at run
time only ``onnxruntime`` and ``tokenizers`` are needed.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path

import numpy
from spacy.language import Language
from spacy.tokens import Doc

SHIPPED = Path(__file__).parent / "data" / "encoder"
CLS, SEP = 101, 102

if not Doc.has_extension("encoder_features"):
    Doc.set_extension("encoder_features", default=None)


# Windows in one run past which the encoder runs without ONNX Runtime's memory arena. A run's
# buffers grow with its windows (a 100,000-character piece: 140 windows, 1.5 GB), and the
# arena keeps what it took and takes more for the next, longer input: a 500 KB article's six
# pieces left one process at 4.7 GB. Without the arena, short articles ran 19% slower in the
# encoder (40 dev articles, 12.0 s against 9.9 s), so only long inputs go without it.
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

    def _session(self, arena: bool):
        import onnxruntime as ort

        options = ort.SessionOptions()
        if self._threads:
            options.intra_op_num_threads = self._threads
            options.inter_op_num_threads = 1
        # Idle intra-op threads spin by default, burning a core that other worker processes
        # (or the index's writer) need; off, 40 dev articles ran as fast on two threads
        # (5.4 s against 5.6 s) with 7% less CPU.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.enable_cpu_mem_arena = arena
        return ort.InferenceSession(self._model, options, providers=self._providers)

    def _session_for(self, windows: int):
        """The session for a run of ``windows`` windows: inputs longer than
        :data:`LONG_WINDOWS` run on a session without a memory arena (same weights and
        results), which frees a long run's buffers when it ends."""
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

    def encode_pieces(self, ids: numpy.ndarray, window: int = 256, stride: int = 192) -> numpy.ndarray:
        """One feature row per word piece; long inputs in windows ``stride`` apart.

        Each window holds ``window - 2`` pieces between [CLS] and [SEP]; a piece takes its row
        from the window where it has the most context on its nearer side.
        """
        n = len(ids)
        out = numpy.zeros((n, self.width), dtype=numpy.float32)
        if n == 0:
            return out
        size = window - 2
        starts = list(range(0, max(n - size, 0) + 1, stride))
        if starts[-1] + size < n:
            starts.append(n - size)
        batch = numpy.zeros((len(starts), min(size, n) + 2), dtype=numpy.int64)
        mask = numpy.zeros_like(batch)
        for row, s in enumerate(starts):
            chunk = ids[s : s + size]
            batch[row, 0], batch[row, 1 : len(chunk) + 1], batch[row, len(chunk) + 1] = (
                CLS, chunk, SEP,
            )
            mask[row, : len(chunk) + 2] = 1
        with self._lock:
            session = self._session_for(len(starts))
            feats = session.run(["features"], {"input_ids": batch, "attention_mask": mask})[0]
        best = numpy.full(n, -1, dtype=numpy.int64)
        for row, s in enumerate(starts):
            e = min(s + size, n)
            pos = numpy.arange(s, e)
            # context on the nearer side; the document's own ends count as full context
            left = numpy.where(s == 0, size, pos - s)
            right = numpy.where(e == n, size, e - 1 - pos)
            room = numpy.minimum(left, right)
            take = room > best[s:e]
            best[s:e] = numpy.where(take, room, best[s:e])
            out[s:e][take] = feats[row, 1 : e - s + 1][take]
        return out

    def token_features(self, doc: Doc, window: int = 256, stride: int = 192) -> numpy.ndarray:
        """One row per spaCy token: the mean of the word pieces that overlap it."""
        ids, offsets = self.pieces(doc.text)
        feats = self.encode_pieces(ids, window, stride)
        return align(doc, offsets, feats)


def align(doc: Doc, offsets: numpy.ndarray, feats: numpy.ndarray) -> numpy.ndarray:
    """Average word-piece rows into spaCy tokens by character offsets."""
    out = numpy.zeros((len(doc), feats.shape[1]), dtype=numpy.float32)
    if len(doc) == 0 or len(offsets) == 0:
        return out
    starts = numpy.fromiter((t.idx for t in doc), dtype=numpy.int64, count=len(doc))
    owner = numpy.searchsorted(starts, offsets[:, 0], side="right") - 1
    owner = numpy.clip(owner, 0, len(doc) - 1)
    counts = numpy.bincount(owner, minlength=len(doc)).astype(numpy.float32)
    numpy.add.at(out, owner, feats)
    out /= numpy.maximum(counts, 1.0)[:, None]
    return out


@lru_cache(maxsize=None)
def load(path: str = str(SHIPPED), threads: int = 0, gpu: bool = False) -> Encoder:
    return Encoder(Path(path), threads, gpu)


@Language.factory(
    "quotes_encoder",
    assigns=["doc._.encoder_features"],
    default_config={"window": 256, "stride": 192, "path": None, "threads": 0},
)
def make_encoder(
    nlp: Language, name: str, window: int, stride: int, path: str | None, threads: int
) -> EncoderComponent:
    return EncoderComponent(load(path or str(SHIPPED), threads), window, stride)


class EncoderComponent:
    """Sets ``doc._.encoder_features`` (tokens x 384 floats) on every Doc."""

    def __init__(self, encoder: Encoder, window: int = 256, stride: int = 192) -> None:
        if not 8 < window <= 512 or not 0 < stride <= window - 2:
            raise ValueError(f"bad encoder window {window} / stride {stride}")
        self.encoder, self.window, self.stride = encoder, window, stride

    def __call__(self, doc: Doc) -> Doc:
        doc._.encoder_features = self.encoder.token_features(doc, self.window, self.stride)
        return doc

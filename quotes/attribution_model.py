"""The learned attribution model: cue, source and content spans from the frozen encoder's features.

The ``attribution_model`` component reads ``doc._.encoder_features`` (quotes/encoder.py) and the
rules' per-token signals (inside quote marks, a known cue word, the parse's clauses:
:func:`rule_inputs`), runs a small head (:class:`BiLSTM`, numpy at run time; the older window
CNN of :func:`build_head` still loads) over the stretches the encoder read
(``doc._.encoder_mask``; every other token is O) and decodes whole spans with a constrained
Viterbi over B/I/O labels (an ``I-`` only continues its own role). It writes the labels to ``doc._.attribution_iob``, the same place the older CNN tagger
(quotes/learned.py) wrote them, so every consumer of the tagger reads it unchanged, and links
each content to its cue and source in ``doc._.attribution_links``.

The head's weights ship in ``quotes/data/attribution_model`` (``head.npz`` and ``meta.json``),
trained by models/attribution (``python models/attribution/scripts/recipe.py``).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy
from spacy.language import Language
from spacy.tokens import Doc

from . import encoder as _encoder  # registers "quotes_encoder"
from . import gate, learned
from .doctools import doc_text

SHIPPED = Path(__file__).parent / "data" / "attribution_model"
LABELS = learned.LABELS  # O, B-CUE, I-CUE, B-SOURCE, I-SOURCE, B-CONTENT, I-CONTENT
N_RULES = learned.N_FEATURES + 2

if not Doc.has_extension("attribution_links"):
    Doc.set_extension("attribution_links", default=None)
# Each token's label probabilities (tokens x LABELS, float32), for the quote screen
# (quotes/scorer.py); the quotes component drops them once read, as this one drops the
# encoder's features.
if not Doc.has_extension("attribution_probs"):
    Doc.set_extension("attribution_probs", default=None)


class ModelMissing(RuntimeError):
    """The shipped attribution head (quotes/data/attribution_model) cannot be loaded."""


def rule_inputs(doc: Doc) -> numpy.ndarray:
    """The rules' signals per token (0/1): quotes.learned.rule_features, then a sentence's first
    token and a paragraph's first token (a content rarely runs over a paragraph break)."""
    X = numpy.zeros((len(doc), N_RULES), dtype="f")
    if not len(doc):
        return X
    X[:, : learned.N_FEATURES] = learned.rule_features(doc)
    X[:, learned.N_FEATURES] = doc.to_array("SENT_START") == 1
    para = gate.paragraphs(doc)
    X[0, learned.N_FEATURES + 1] = 1.0
    X[1:, learned.N_FEATURES + 1] = para[1:] != para[:-1]
    return X


# --- the head -------------------------------------------------------------------------------------


def build_head(
    n_inputs: int,
    width: int = 128,
    depth: int = 3,
    window: int = 1,
    pieces: int = 2,
    dropout: float = 0.1,
):
    """Maxout to ``width``, ``depth`` residual window layers (``window`` tokens each side), softmax.

    A convolutional head over the encoder's contextual features: the encoder already sees 256
    word pieces; the windows add the neighbours' decisions. Replaced by :class:`BiLSTM` (trained
    with PyTorch; thinc's numpy LSTM was too slow to train here), kept for heads trained with
    ``recipe.py --head cnn``; see models/attribution/README.md.
    """
    from thinc.api import Maxout, Softmax, chain, clone, expand_window, residual, with_array

    layer = chain(
        expand_window(window_size=window),
        Maxout(nO=width, nI=width * (2 * window + 1), nP=pieces, dropout=dropout, normalize=True),
    )
    return with_array(
        chain(
            Maxout(nO=width, nI=n_inputs, nP=pieces, dropout=dropout, normalize=True),
            clone(residual(layer), depth),
            Softmax(nO=len(LABELS), nI=width),
        )
    )


# The BiLSTM head's stretches: at most this many tokens each, cut where a paragraph starts, as the
# encoder's windows are (training cuts the same way: models/attribution/scripts/train_bilstm.py).
LSTM_PIECE = 256


def lstm_pieces(n: int, paragraph_first: numpy.ndarray, size: int = LSTM_PIECE) -> list[tuple[int, int]]:
    """(start, end) pieces of a stretch of ``n`` tokens for the BiLSTM head: at most ``size``
    tokens, ending where a paragraph starts (``paragraph_first``: 1 on a paragraph's first
    token), so that a paragraph keeps its own context."""
    breaks = numpy.flatnonzero(numpy.asarray(paragraph_first[:n]) > 0)
    # the encoder's windows, made a partition: where a paragraph is spread over windows of one
    # length they may share a token or two, and each token must be labelled exactly once
    starts = sorted({a for a, _ in _encoder.windows(n, size, 0, breaks)})
    return list(zip(starts, starts[1:] + [n]))


class BiLSTM:
    """The BiLSTM head at run time, in numpy: a projection (linear, ReLU), ``layers``
    bidirectional LSTM layers and a softmax over the labels. Trained with PyTorch
    (models/attribution/scripts/train_bilstm.py, which checks this forward pass against
    PyTorch's on dev before it writes the weights); PyTorch is not needed here.

    Weights (``head.npz``): ``proj_W`` (inputs x width), ``proj_b``; per layer ``k`` and
    direction ``d`` (0 forward, 1 backward) ``lstm{k}_{d}_Wih`` (in x 4H), ``_Whh`` (H x 4H) and
    ``_b`` (4H, PyTorch's two biases summed), gates in PyTorch's order i, f, g, o; ``out_W``
    (2H x labels), ``out_b``.
    """

    def __init__(self, weights: dict[str, numpy.ndarray], layers: int) -> None:
        self.proj_W = weights["proj_W"].astype("f")
        self.proj_b = weights["proj_b"].astype("f")
        self.out_W = weights["out_W"].astype("f")
        self.out_b = weights["out_b"].astype("f")
        self.layers = []
        for k in range(layers):
            Wih = numpy.stack([weights[f"lstm{k}_{d}_Wih"] for d in (0, 1)]).astype("f")
            Whh = numpy.stack([weights[f"lstm{k}_{d}_Whh"] for d in (0, 1)]).astype("f")
            b = numpy.stack([weights[f"lstm{k}_{d}_b"] for d in (0, 1)]).astype("f")
            H = Whh.shape[1]
            # sigmoid(x) = (tanh(x / 2) + 1) / 2: halving the i, f and o gates' weights lets one
            # tanh per step serve all four gates
            half = numpy.ones(4 * H, dtype="f")
            half[: 2 * H] = half[3 * H :] = 0.5
            self.layers.append((Wih * half, Whh * half, b * half, H))

    def probabilities_of(self, Xs: list[numpy.ndarray]) -> list[numpy.ndarray]:
        """Label probabilities per stretch (tokens x inputs each), the stretches run as one batch."""
        if not Xs:
            return []
        # No padding: the stretches' tokens lie end to end, longest stretch first, and step t
        # runs only the stretches longer than t, reading and writing their rows by index (a
        # padded batch spent 42% of its work on padding over 60 dev articles)
        order = sorted(range(len(Xs)), key=lambda j: -len(Xs[j]))
        lengths = numpy.array([len(Xs[j]) for j in order])
        starts = numpy.concatenate([[0], numpy.cumsum(lengths)[:-1]])
        N, T = int(lengths.sum()), int(lengths[0])
        rows = []  # per step: the forward rows, then (offset by N) the backward rows
        for t in range(T):
            n = int((lengths > t).sum())
            rows.append(numpy.concatenate([starts[:n] + t, N + starts[:n] + lengths[:n] - 1 - t]))
        x = numpy.concatenate([Xs[j] for j in order]).astype("f", copy=False)
        x = numpy.maximum(x @ self.proj_W + self.proj_b, 0.0)
        for Wih, Whh, b, H in self.layers:
            # both directions' input gates, rows 0..N-1 forward and N..2N-1 backward
            xg = numpy.concatenate([x @ Wih[0] + b[0], x @ Wih[1] + b[1]])
            out = numpy.empty((2 * N, H), dtype="f")
            h = numpy.zeros((2, len(Xs), H), dtype="f")
            c = numpy.zeros((2, len(Xs), H), dtype="f")
            for r in rows:
                n = len(r) // 2
                h, c = h[:, :n], c[:, :n]
                g = numpy.matmul(h, Whh)
                g += xg[r].reshape(2, n, 4 * H)
                numpy.tanh(g, out=g)
                # all four gates at once (the g gate's half is not used): fewer numpy calls per
                # step, which is where a step's time goes at these sizes
                s = g * 0.5
                s += 0.5
                c = s[..., H : 2 * H] * c + s[..., :H] * g[..., 2 * H : 3 * H]
                h = s[..., 3 * H :] * numpy.tanh(c)
                out[r] = h.reshape(2 * n, H)
            x = numpy.concatenate([out[:N], out[N:]], axis=1)
        logits = x @ self.out_W + self.out_b
        logits -= logits.max(-1, keepdims=True)
        probs = numpy.exp(logits)
        probs /= probs.sum(-1, keepdims=True)
        result: list[numpy.ndarray] = [probs[:0]] * len(Xs)
        for k, j in enumerate(order):
            result[j] = probs[starts[k] : starts[k] + lengths[k]]
        return result


def allowed_transitions() -> numpy.ndarray:
    """allowed[a, b]: may label b follow label a? An I- only continues its own role."""
    n = len(LABELS)
    ok = numpy.ones((n, n), dtype=bool)
    for b, label in enumerate(LABELS):
        if label.startswith("I-"):
            role = label[2:]
            ok[:, b] = [prev in (f"B-{role}", f"I-{role}") for prev in LABELS]
    return ok


_ALLOWED = allowed_transitions()
_START_OK = numpy.array([not label.startswith("I-") for label in LABELS])
# per label: None when any label may come before it, else the two that may (B- and I- of its role)
_PREVIOUS = [
    (LABELS.index(f"B-{label[2:]}"), LABELS.index(label)) if label.startswith("I-") else None
    for label in LABELS
]


def viterbi(probs: numpy.ndarray) -> list[int]:
    """The most probable label sequence in which every span is whole (B then I's of its role)."""
    n = len(probs)
    if n == 0:
        return []
    logp = numpy.log(numpy.clip(probs, 1e-9, 1.0)).astype(numpy.float64)
    best = logp.argmax(1)
    if _START_OK[best[0]] and _ALLOWED[best[:-1], best[1:]].all():
        # each token's own best label already makes whole spans: no constrained path scores
        # more
        return best.tolist()
    # A step per token in plain Python: with 7 labels, numpy's per-call overhead cost more
    # than the arithmetic. O and B- follow anything (the best previous label); an I- follows
    # its own role's B- or I- (the better of the two; the first on a tie, as argmax).
    rows = logp.tolist()
    score = [v if ok else -math.inf for v, ok in zip(rows[0], _START_OK.tolist())]
    back = []
    for row in rows[1:]:
        top = max(score)
        arg = score.index(top)
        step, new = [], []
        for b, prev in enumerate(_PREVIOUS):
            if prev is None:
                step.append(arg)
                new.append(top + row[b])
            else:
                a = prev[0] if score[prev[0]] >= score[prev[1]] else prev[1]
                step.append(a)
                new.append(score[a] + row[b])
        back.append(step)
        score = new
    path = [score.index(max(score))]
    for step in reversed(back):
        path.append(step[path[-1]])
    return path[::-1]


# --- links ----------------------------------------------------------------------------------------

Span3 = tuple[int, int, str]  # token start, token end (exclusive), role


def _sentence_starts(doc: Doc) -> numpy.ndarray:
    """Per token, the first token of its sentence (0 throughout without sentences)."""
    starts = doc.to_array("SENT_START") == 1
    if not starts.any():
        return numpy.zeros(len(doc), dtype=numpy.int64)
    starts[0] = True
    return numpy.maximum.accumulate(numpy.where(starts, numpy.arange(len(doc)), 0))


def link(doc: Doc, spans: list[Span3]) -> list[dict]:
    """Each content with its cue and that cue's source: the nearest cue in the content's own
    sentence (or, failing that, the sentence before or after in the same paragraph: "He said
    so on Tuesday. 'We will not ...'"), then the source nearest that cue in the cue's sentence.
    """
    para = gate.paragraphs(doc)
    first = _sentence_starts(doc)
    cues = [s for s in spans if s[2] == "CUE"]
    sources = [s for s in spans if s[2] == "SOURCE"]
    sent = {i: int(first[i]) for s in spans for i in (s[0], s[1] - 1)}

    def gap(a: Span3, b: Span3) -> int:
        if a[1] <= b[0]:
            return b[0] - a[1]
        if b[1] <= a[0]:
            return a[0] - b[1]
        return 0

    def same_sentence(a: Span3, b: Span3) -> bool:
        sa = {sent[a[0]], sent[a[1] - 1]}
        sb = {sent[b[0]], sent[b[1] - 1]}
        return bool(sa & sb)

    links = []
    for content in (s for s in spans if s[2] == "CONTENT"):
        near = [c for c in cues if para[c[0]] == para[content[0]] or para[c[0]] == para[content[1] - 1]]
        inside = [c for c in near if same_sentence(c, content)]
        pool = inside or [c for c in near if gap(c, content) <= 40]
        cue = min(pool, key=lambda c: gap(c, content), default=None)
        source = None
        if cue is not None:
            mates = [s for s in sources if same_sentence(s, cue) and para[s[0]] == para[cue[0]]]
            source = min(mates, key=lambda s: gap(s, cue), default=None)
        links.append(
            {
                "content": [content[0], content[1]],
                "cue": [cue[0], cue[1]] if cue else None,
                "source": [source[0], source[1]] if source else None,
            }
        )
    return links


# --- run time -------------------------------------------------------------------------------------


class Head:
    """The trained head and its settings, loaded once per process: the window CNN (thinc,
    ``head.bin``) or the BiLSTM (numpy, ``head.npz``), as ``meta.json``'s ``kind`` says."""

    def __init__(self, path: Path = SHIPPED) -> None:
        def needed(name: str) -> Path:
            file = Path(path) / name
            if not file.exists():
                raise ModelMissing(
                    f"{file} is missing; reinstall quotes, or train the head with "
                    "models/attribution/scripts/recipe.py"
                )
            return file

        self.meta = json.loads(needed("meta.json").read_text())
        self.kind = self.meta.get("kind", "cnn")
        weights = needed("head.npz" if self.kind == "bilstm" else "head.bin")
        if tuple(self.meta["labels"]) != LABELS:
            raise ModelMissing(f"{weights} was trained on other labels: {self.meta['labels']}")
        if self.kind == "bilstm":
            with numpy.load(weights) as arrays:
                self.lstm: BiLSTM | None = BiLSTM(dict(arrays), self.meta["layers"])
            return
        self.lstm = None
        self.model = build_head(
            self.meta["inputs"], self.meta["width"], self.meta["depth"], self.meta["window"],
            self.meta["pieces"],
        )
        self.model.from_bytes(weights.read_bytes())
        from thinc.api import NumpyOps

        if type(self.model.ops) is NumpyOps:
            # numpy's own matrix product (OpenBLAS) rather than thinc's blis: 3x faster for
            # these shapes on one core of this machine (models/attribution/README.md)
            ops = NumpyOps(use_blis=False)
            for node in self.model.walk():
                node.ops = ops

    def probabilities_of(
        self, stretches: list[tuple[numpy.ndarray, numpy.ndarray]]
    ) -> list[numpy.ndarray]:
        """Label probabilities for each (encoder features, rule inputs) stretch of tokens."""
        Xs = [numpy.hstack([f.astype("f", copy=False), r.astype("f", copy=False)])
              for f, r in stretches]
        for X in Xs:
            if X.shape[1] != self.meta["inputs"]:
                raise ModelMissing(
                    f"the head reads {self.meta['inputs']} inputs per token, the Doc gives {X.shape[1]}"
                )
        if not Xs:
            return []
        if self.lstm is not None:
            return self._lstm_probabilities(Xs)
        return [self.model.ops.to_numpy(p) for p in self.model.predict(Xs)]

    def _lstm_probabilities(self, Xs: list[numpy.ndarray]) -> list[numpy.ndarray]:
        """Each stretch cut into the pieces the BiLSTM was trained on, all pieces one batch."""
        assert self.lstm is not None
        # rule_inputs' last column marks a paragraph's first token
        cuts = [lstm_pieces(len(X), X[:, -1]) if len(X) else [] for X in Xs]
        probs = self.lstm.probabilities_of([X[a:b] for X, cut in zip(Xs, cuts) for a, b in cut])
        out, k = [], 0
        for cut in cuts:
            out.append(
                numpy.concatenate(probs[k : k + len(cut)])
                if cut
                else numpy.zeros((0, len(LABELS)), dtype="f")
            )
            k += len(cut)
        return out

    def tags(self, doc: Doc) -> list[str]:
        """Labels per token (see ``read``)."""
        return self.read(doc)[0]

    def read(self, doc: Doc) -> tuple[list[str], numpy.ndarray]:
        """Labels per token and their probabilities (tokens x LABELS); where the encoder ran
        over some stretches only (``doc._.encoder_mask``), the head reads and labels those and
        every other token is O (probability 1)."""
        every = numpy.zeros((len(doc), len(LABELS)), dtype="f")
        every[:, 0] = 1.0
        if not len(doc):
            return [], every
        feats = doc._.encoder_features
        if feats is None or len(feats) != len(doc):
            raise ValueError(
                "attribution_model needs doc._.encoder_features: add the quotes_encoder "
                "component before it"
            )
        mask = doc._.encoder_mask
        stretches = [(0, len(doc))] if mask is None else _encoder.runs(numpy.asarray(mask, bool))
        rules = rule_inputs(doc)
        probs = self.probabilities_of([(feats[a:b], rules[a:b]) for a, b in stretches])
        tags = ["O"] * len(doc)
        for (a, b), p in zip(stretches, probs):
            every[a:b] = p
            tags[a:b] = [LABELS[i] for i in viterbi(p)]
        return tags, every


@lru_cache(maxsize=None)
def load(path: str = str(SHIPPED)) -> Head:
    return Head(Path(path))


@Language.factory(
    "attribution_model",
    requires=["doc._.encoder_features", "token.dep", "token.lemma"],
    assigns=["doc._.attribution_iob", "doc._.attribution_links", "doc._.attribution_probs"],
    default_config={"path": None, "keep_features": False},
)
def make_attribution_model(
    nlp: Language, name: str, path: str | None, keep_features: bool
) -> AttributionModel:
    return AttributionModel(load(path or str(SHIPPED)), keep_features)


class AttributionModel:
    """Labels cue / source / content spans (``doc._.attribution_iob``) and links them
    (``doc._.attribution_links``: token offsets of each content, its cue and its source).

    Unless ``keep_features``, the encoder's features are dropped once read: they are 384 floats
    per token, and nothing after this component needs them.
    """

    def __init__(self, head: Head, keep_features: bool = False) -> None:
        self.head, self.keep_features = head, keep_features

    def __call__(self, doc: Doc) -> Doc:
        tags, doc._.attribution_probs = self.head.read(doc)
        doc._.attribution_iob = tags
        doc._.attribution_links = link(doc, learned.spans_from_iob(tags))
        if not self.keep_features:
            doc._.encoder_features = doc._.encoder_mask = None
        return doc


def attach(nlp: Language, path: str | None = None, threads: int = 0) -> None:
    """Add the encoder and the attribution model after the parse and names (``ner``).

    ``threads``: the encoder's ONNX Runtime threads (0: its default, every core).

    Raises EncoderMissing / ModelMissing when either cannot be loaded: a broken install must
    say so rather than quietly fall back to the rules alone.
    """
    if "attribution_model" in nlp.pipe_names:
        return
    after = "ner" if "ner" in nlp.pipe_names else nlp.pipe_names[-1]
    for later in ("person_titles", "entity_ruler"):
        if later in nlp.pipe_names and nlp.pipe_names.index(later) > nlp.pipe_names.index(after):
            after = later
    nlp.add_pipe("quotes_encoder", after=after, config={"threads": threads})
    nlp.add_pipe(
        "attribution_model", after="quotes_encoder", config={"path": path} if path else {}
    )


# --- the model's spans refine the rules' quotes ---------------------------------------------------

# Which of the model's spans replace the rules' boundaries (measured on PolNeAR dev, see
# models/attribution/README.md). Contents keep the rules' boundaries (no "that", no full stop):
# the window CNN's moved exact content F1 by 0.1 only; the BiLSTM's by 0.9, all of it from
# starting a report at "that", as PolNeAR's annotators sometimes do and this project does not.
REFINE_ROLES = ("SOURCE", "CUE")


def char_spans(doc: Doc, role: str) -> list[tuple[int, int]]:
    """The model's spans of ``role`` as character ranges, from first to last word (no
    whitespace token at either end), in text order."""
    return char_spans_by_role(doc).get(role, [])


def char_spans_by_role(doc: Doc) -> dict[str, list[tuple[int, int]]]:
    """``char_spans`` of every role, reading the labels once."""
    tags = doc._.attribution_iob or []
    out: dict[str, list[tuple[int, int]]] = {}
    for s, e, r in learned.spans_from_iob(tags):
        words = [t for t in doc[s:e] if not t.is_space]
        if words:
            out.setdefault(r, []).append((words[0].idx, words[-1].idx + len(words[-1].text)))
    return out


def _best_overlap(
    target: tuple[int, int], spans: list[tuple[int, int]], min_jaccard: float
) -> tuple[int, int] | None:
    best, best_j = None, min_jaccard
    for s, e in spans:
        inter = min(e, target[1]) - max(s, target[0])
        if inter <= 0:
            continue
        j = inter / (max(e, target[1]) - min(s, target[0]))
        if j >= best_j:
            best, best_j = (s, e), j
    return best


def refine(doc: Doc, quotes: list, roles: tuple[str, ...] = REFINE_ROLES) -> list:
    """The rules' quotes with the model's boundaries where both read the same thing.

    A speaker mention, cue or reported clause (not a quotation the marks bound) that a model
    span overlaps takes the model's ends: it learnt PolNeAR's boundaries ("President Donald
    Trump", "told reporters"), the rules take a parse's. Nothing changes without the model.
    """
    from dataclasses import replace

    from .records import Span as CharSpan

    if doc._.attribution_iob is None or doc._.attribution_links is None:
        return quotes  # no attribution model in the pipeline (the older tagger sets no links)
    spans = {role: char_spans(doc, role) for role in roles}
    # doc.text joins every token again on each read: read per quote, a 100,000-character
    # piece spent three quarters of its time here (doctools.doc_text reads it once)
    text = doc_text(doc)

    def char_span(ends: tuple[int, int]) -> CharSpan:
        return CharSpan(ends[0], ends[1], text[ends[0] : ends[1]])

    out = []
    for q in quotes:
        if "CONTENT" in spans and q.kind != "direct":
            new = _best_overlap((q.content.start, q.content.end), spans["CONTENT"], 0.5)
            cue = (q.cue.start, q.cue.end) if q.cue else None
            if new and not (cue and new[0] < cue[1] and cue[0] < new[1]):
                q = replace(q, content=char_span(new))
        if "CUE" in spans and q.cue is not None:
            new = _best_overlap((q.cue.start, q.cue.end), spans["CUE"], 0.01)
            if (
                new
                and q.kind != "direct"
                and not q.parts
                and new[0] <= q.content.start < new[1] < q.content.end
                and q.cue.end <= q.content.start
            ):
                # "called | for steep new tariffs": the rules' clause took the cue's particle,
                # the model reads "called for" as the cue; the report starts after it
                start = new[1]
                while start < q.content.end and text[start].isspace():
                    start += 1
                q = replace(q, content=char_span((start, q.content.end)))
            if new and not (new[0] < q.content.end and q.content.start < new[1]):
                # "replied:" -> "replied": the colon belongs to no cue
                while new[1] > new[0] and text[new[1] - 1] in ":,;—–- ":
                    new = (new[0], new[1] - 1)
                if new[1] > new[0]:  # a colon cue ("WALLACE: ...") stays the colon
                    q = replace(q, cue=char_span(new))
        if "SOURCE" in spans and q.mention is not None:
            new = _best_overlap((q.mention.start, q.mention.end), spans["SOURCE"], 0.01)
            if new and not (new[0] < q.content.end and q.content.start < new[1]):
                if q.speaker is not None and q.speaker.mention is not None:
                    q = replace(q, speaker=replace(q.speaker, mention=char_span(new)))
                elif q.unresolved_mention is not None:
                    q = replace(q, unresolved_mention=char_span(new))
        out.append(q)
    return out

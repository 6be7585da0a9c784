"""A learned attribution tagger: cue, source and content tokens predicted from PolNeAR.

The ``attribution_tagger`` component labels every token ``B-``/``I-`` CUE, SOURCE or CONTENT, or
``O``, and stores the labels in ``doc._.attribution_iob``. It reads the pipeline's shared tok2vec
output (``doc.tensor`` through a listener) plus a few features the rules already compute (inside
quote marks, a known cue verb, inside a verb's clausal complement), so it adds a small
feed-forward network to the pipeline rather than a second encoder.

It does not make quotes on its own: the rules (:mod:`quotes.reports`, :mod:`quotes.extract`)
stay in charge of pairing cues with speakers and contents; the functions at the end of this module (:func:`cue_heads`,
:func:`content_for`, :func:`source_for`) are what the rules consult, and answer "nothing" when the
pipeline has no tagger.
"""

from __future__ import annotations

import bisect
import hashlib
import weakref
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy
import srsly
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.scorer import PRFScore
from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan
from spacy.training import Example, validate_examples, validate_get_examples
from spacy.util import registry
from spacy.vocab import Vocab
from thinc.api import (
    Config,
    Maxout,
    Model,
    Optimizer,
    SequenceCategoricalCrossentropy,
    Softmax_v2,
    chain,
    clone,
    concatenate,
    expand_window,
    residual,
    set_dropout_rate,
    with_array,
)
from thinc.types import Floats2d

from .cues import AUXILIARY_FORMS, cue_lemma
from .marks import find_marked

ROLES = ("CUE", "SOURCE", "CONTENT")
# A token in two annotated roles (an attribution nested in another's content) takes the most
# specific one: a cue word is a cue first, whatever clause it sits in.
PRIORITY = {role: rank for rank, role in enumerate(ROLES)}
LABELS = ("O",) + tuple(f"{prefix}-{role}" for role in ROLES for prefix in "BI")
SPANS_KEY = "attribution"  # the span group that holds gold roles in the training DocBins

if not Doc.has_extension("attribution_iob"):
    Doc.set_extension("attribution_iob", default=None)


def _token_role(token: Token) -> str | None:
    tags = token.doc._.attribution_iob
    if not tags or tags[token.i] == "O":
        return None
    return tags[token.i][2:]


def _doc_spans(doc: Doc) -> list[SpacySpan]:
    tags = doc._.attribution_iob
    return [SpacySpan(doc, s, e, label=role) for s, e, role in spans_from_iob(tags or [])]


if not Token.has_extension("attribution"):
    Token.set_extension("attribution", getter=_token_role)
if not Doc.has_extension("attribution_spans"):
    Doc.set_extension("attribution_spans", getter=_doc_spans)


# --- labels -------------------------------------------------------------------------------

TokenSpan = tuple[int, int, str]  # token start, token end (exclusive), role


def iob_tags(n_tokens: int, spans: Iterable[TokenSpan]) -> tuple[list[str], int]:
    """IOB labels for ``n_tokens`` tokens from role spans, and how many tokens had two roles.

    Each span keeps its own ``B-``: two adjacent contents stay two. Where spans overlap, the
    role earlier in ``ROLES`` wins and the token is counted.
    """
    owner: list[tuple[int, int] | None] = [None] * n_tokens  # (priority, span number)
    roles: list[str] = []
    clashes = 0
    for number, (start, end, role) in enumerate(spans):
        roles.append(role)
        for i in range(max(0, start), min(end, n_tokens)):
            mine = (PRIORITY[role], number)
            if owner[i] is None:
                owner[i] = mine
            else:
                clashes += 1
                owner[i] = min(owner[i], mine)
    tags = []
    for i, this in enumerate(owner):
        if this is None:
            tags.append("O")
        else:
            begins = i == 0 or owner[i - 1] is None or owner[i - 1][1] != this[1]
            tags.append(("B-" if begins else "I-") + roles[this[1]])
    return tags, clashes


def spans_from_iob(tags: Sequence[str]) -> list[TokenSpan]:
    """Role spans from IOB labels; an ``I-`` after another role starts a span, as ``B-`` does."""
    spans: list[TokenSpan] = []
    start, role = None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, this = tag.partition("-")
        if role is not None and (prefix != "I" or this != role):
            spans.append((start, i, role))
            start, role = None, None
        if prefix in ("B", "I") and role is None:
            start, role = i, this
    return spans


def gold_tags(example: Example) -> list[str]:
    """The reference roles of an example as labels over its predicted tokens."""
    spans = example.reference.spans[SPANS_KEY] if SPANS_KEY in example.reference.spans else []
    aligned = example.get_aligned_spans_y2x(spans, allow_overlap=True)
    tags, _ = iob_tags(len(example.predicted), ((s.start, s.end, s.label_) for s in aligned))
    return tags


# --- features the rules know -------------------------------------------------------------

_COMPLEMENTS = frozenset({"ccomp", "xcomp", "parataxis"})
_DEPS = (
    "nsubj",
    "nsubjpass",
    "ccomp",
    "xcomp",
    "parataxis",
    "ROOT",
    "agent",
    "pobj",
    "advcl",
    "conj",
    "appos",
    "dobj",
)
_QUOTE_CHARS = "\"“”„«»'‘’"
N_FEATURES = 8 + len(_DEPS)


def rule_features(doc: Doc) -> numpy.ndarray:
    """Per token: what the rules would notice, as 0/1 columns (see the list in the code).

    Read from ``doc.to_array`` and worked out once per distinct word, not token by token: this
    runs on every Doc in the pipeline (the attribution model's inputs), where building a Token
    object per token and per question was most of its cost (models/attribution/README.md).
    """

    X = numpy.zeros((len(doc), N_FEATURES), dtype="f")
    if not len(doc):
        return X
    starts = doc.to_array("IDX").astype(numpy.int64)
    for m in find_marked(doc.text):
        lo, hi = numpy.searchsorted(starts, [m.start, m.end])
        X[lo:hi, 0 if m.double else 1] = 1.0
    strings = doc.vocab.strings
    orth = doc.to_array("ORTH")
    lemma = doc.to_array("LEMMA")
    # per distinct (word, lemma): a quote mark, a cue ("according" too), a cue verb, a line break
    words: dict[tuple[int, int], tuple[bool, bool, bool, bool]] = {}
    for key in set(zip(orth.tolist(), lemma.tolist())):
        text, lem = strings[key[0]], strings[key[1]] if key[1] else ""
        verb = bool(cue_lemma(text, lem))
        words[key] = (text in _QUOTE_CHARS, verb or text.lower() == "according", verb, "\n" in text)
    table = numpy.array([words[key] for key in zip(orth.tolist(), lemma.tolist())], dtype=bool)
    X[:, 2] = table[:, 0]
    X[:, 3] = table[:, 1]
    X[:, 4] = table[:, 3]
    dep_ids = doc.to_array("DEP")
    if not dep_ids.any():  # no parse (doc.has_annotation, without a Token per token)
        return X
    deps = [strings[d] if d else "" for d in dep_ids.tolist()]
    heads = numpy.arange(len(doc)) + doc.to_array("HEAD").astype(numpy.int64)
    dep_column = {dep: 8 + k for k, dep in enumerate(_DEPS)}
    for i, dep in enumerate(deps):
        column = dep_column.get(dep)
        if column is None:
            continue
        X[i, column] = 1.0
        head = int(heads[i])
        if dep in _COMPLEMENTS and head != i:
            token = doc[i]
            lo, hi = token.left_edge.i, token.right_edge.i + 1
            X[lo:hi, 5] = 1.0  # inside some verb's reported clause
            if table[head, 1]:
                X[lo:hi, 6] = 1.0  # ... of a verb the rules know as a cue
        if dep in ("nsubj", "nsubjpass") and table[head, 2]:
            token = doc[i]
            X[token.left_edge.i : token.right_edge.i + 1, 7] = 1.0  # a known cue's subject
    return X


@registry.layers("quotes.RuleFeatures.v1")
def RuleFeatures() -> Model[list[Doc], list[Floats2d]]:
    """The rules' view of each token; nothing to learn, nothing to backpropagate into."""

    def forward(model: Model, docs: list[Doc], is_train: bool):
        out = [model.ops.asarray2f(rule_features(doc)) for doc in docs]
        return out, lambda d_out: []

    return Model("rule_features", forward, dims={"nO": N_FEATURES})


@registry.architectures("quotes.AttributionTagger.v1")
def build_attribution_tagger(
    tok2vec: Model[list[Doc], list[Floats2d]],
    width: int = 64,
    depth: int = 2,
    window_size: int = 2,
    maxout_pieces: int = 2,
    use_rule_features: bool = True,
) -> Model[list[Doc], list[Floats2d]]:
    """tok2vec (+ rule features) -> a narrow window encoder -> softmax over ``LABELS``.

    The encoder widens the context the shared tok2vec sees (``depth * window_size`` tokens
    each side) at a width small enough to stay cheap next to the parser.
    """
    inputs = concatenate(tok2vec, RuleFeatures()) if use_rule_features else tok2vec
    encode = chain(
        Maxout(width, nP=maxout_pieces, normalize=True, dropout=0.0),
        clone(
            residual(
                chain(
                    expand_window(window_size=window_size),
                    Maxout(
                        width,
                        width * (2 * window_size + 1),
                        nP=maxout_pieces,
                        normalize=True,
                        dropout=0.0,
                    ),
                )
            ),
            depth,
        ),
    )
    output = Softmax_v2(len(LABELS), width, normalize_outputs=False)
    model = chain(inputs, with_array(chain(encode, output)))
    model.set_ref("tok2vec", tok2vec)
    model.set_ref("output_layer", output)
    return model


# --- the component ------------------------------------------------------------------------

DEFAULT_MODEL = """
[model]
@architectures = "quotes.AttributionTagger.v1"
width = 64
depth = 2
window_size = 2
maxout_pieces = 2
use_rule_features = true

[model.tok2vec]
@architectures = "spacy.Tok2VecListener.v1"
width = 128
upstream = "*"
"""


@registry.scorers("quotes.attribution_scorer.v1")
def make_attribution_scorer() -> Callable[[Iterable[Example]], dict[str, object]]:
    return score_attribution


@Language.factory(
    "attribution_tagger",
    assigns=["doc._.attribution_iob"],
    default_config={
        "model": Config().from_str(DEFAULT_MODEL)["model"],
        "scorer": {"@scorers": "quotes.attribution_scorer.v1"},
    },
    default_score_weights={
        "attribution_f": 1.0,
        "attribution_p": 0.0,
        "attribution_r": 0.0,
        "attribution_tok_acc": 0.0,
        "attribution_per_type": None,
    },
)
def make_attribution_tagger(
    nlp: Language, name: str, model: Model, scorer: Callable | None
) -> AttributionTagger:
    return AttributionTagger(nlp.vocab, model, name, scorer=scorer)


class AttributionTagger(TrainablePipe):
    """Sets ``doc._.attribution_iob``: one of ``LABELS`` per token."""

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "attribution_tagger",
        *,
        scorer: Callable | None = None,
    ) -> None:
        self.vocab = vocab
        self.model = model
        self.name = name
        self.cfg = {"labels": list(LABELS)}
        self.scorer = scorer

    @property
    def labels(self) -> tuple[str, ...]:
        return LABELS

    def predict(self, docs: Iterable[Doc]) -> list[numpy.ndarray]:
        docs = list(docs)
        if not any(len(doc) for doc in docs):
            return [numpy.zeros((0,), dtype="i") for _ in docs]
        # One doc at a time. with_array runs a batch's docs as one array, and the window
        # encoder then read each doc's neighbours' first and last tokens: a doc's labels
        # depended on the batch it came in (issue 16: `--batch-size 1` and `16` gave different
        # quotes on the same files). Alone, a doc's edges see the zeros expand_window gives
        # them; the shared tok2vec before it is padded per doc by spaCy already. The encoder
        # is narrow, so this costs little next to the parser.
        scores = [
            self.model.predict([doc])[0] if len(doc) else numpy.zeros((0, len(LABELS)), "f")
            for doc in docs
        ]
        return [self.model.ops.to_numpy(self.model.ops.xp.argmax(s, axis=1)) for s in scores]

    def set_annotations(self, docs: Iterable[Doc], guesses: list[numpy.ndarray]) -> None:
        for doc, guess in zip(docs, guesses):
            doc._.attribution_iob = [LABELS[int(k)] for k in guess]

    def update(
        self,
        examples: Iterable[Example],
        *,
        drop: float = 0.0,
        sgd: Optimizer | None = None,
        losses: dict[str, float] | None = None,
    ) -> dict[str, float]:
        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        examples = list(examples)
        validate_examples(examples, "AttributionTagger.update")
        if not any(len(eg.predicted) for eg in examples):
            return losses
        set_dropout_rate(self.model, drop)
        scores, backprop = self.model.begin_update([eg.predicted for eg in examples])
        loss, d_scores = self.get_loss(examples, scores)
        backprop(d_scores)
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

    def get_loss(self, examples: Iterable[Example], scores: list[Floats2d]):
        loss_func = SequenceCategoricalCrossentropy(names=LABELS, normalize=False)
        truths = [gold_tags(eg) for eg in examples]
        d_scores, loss = loss_func(scores, truths)
        if self.model.ops.xp.isnan(loss):
            raise ValueError("NaN loss in attribution_tagger")
        return float(loss), d_scores

    def initialize(
        self, get_examples: Callable[[], Iterable[Example]], *, nlp: Language | None = None
    ) -> None:
        validate_get_examples(get_examples, "AttributionTagger.initialize")
        docs, labels = [], []
        for eg in list(get_examples())[:10]:
            docs.append(eg.x)
            one_hot = numpy.zeros((len(eg.x), len(LABELS)), dtype="f")
            for i, tag in enumerate(gold_tags(eg)):
                one_hot[i, LABELS.index(tag)] = 1.0
            labels.append(self.model.ops.asarray2f(one_hot))
        self.model.initialize(X=docs, Y=labels)

    def add_label(self, label: str) -> int:
        raise NotImplementedError("attribution_tagger has a fixed label set (LABELS)")


def score_attribution(examples: Iterable[Example], **kwargs) -> dict[str, object]:
    """Exact-span P/R/F per role and overall, plus token accuracy, on the predicted tokens."""
    total, per_role = PRFScore(), {role: PRFScore() for role in ROLES}
    right = seen = 0
    for eg in examples:
        gold = gold_tags(eg)
        guess = eg.predicted._.attribution_iob or ["O"] * len(eg.predicted)
        right += sum(g == p for g, p in zip(gold, guess))
        seen += len(gold)
        gold_spans, guess_spans = set(spans_from_iob(gold)), set(spans_from_iob(guess))
        for role in ROLES:
            g = {s for s in gold_spans if s[2] == role}
            p = {s for s in guess_spans if s[2] == role}
            per_role[role].score_set(p, g)
            total.score_set(p, g)
    return {
        "attribution_p": total.precision,
        "attribution_r": total.recall,
        "attribution_f": total.fscore,
        "attribution_tok_acc": right / seen if seen else None,
        "attribution_per_type": {role: s.to_dict() for role, s in per_role.items()},
    }


# --- what the rules consult ---------------------------------------------------------------


def has_predictions(doc: Doc) -> bool:
    return doc._.attribution_iob is not None


# Each Doc's predicted spans by role (and where each ends), built once: reading
# ``doc._.attribution_spans`` rebuilds them from every token's label, per cue a pass over the
# whole Doc that made the rules quadratic in article length.
_SPANS: weakref.WeakKeyDictionary[Doc, tuple[list[str], dict[str, tuple[list, list[int]]]]] = (
    weakref.WeakKeyDictionary()
)


def _spans_by_role(doc: Doc) -> dict[str, tuple[list[SpacySpan], list[int]]]:
    tags = doc._.attribution_iob
    cached = _SPANS.get(doc)
    if cached is not None and cached[0] is tags:  # the same labels (new labels, a new list)
        return cached[1]
    by_role: dict[str, tuple[list[SpacySpan], list[int]]] = {}
    for span in _doc_spans(doc):
        spans, ends = by_role.setdefault(span.label_, ([], []))
        spans.append(span)
        ends.append(span.end)
    _SPANS[doc] = (tags, by_role)
    return by_role


def predicted_spans(doc: Doc, role: str) -> list[SpacySpan]:
    """The tagger's spans of one role, in text order (they never overlap)."""
    return _spans_by_role(doc).get(role, ([], []))[0]


def cue_heads(doc: Doc) -> dict[int, str]:
    """Token index -> lemma of the main word of each predicted cue the word lists lack.

    The main word is the verb the parse makes the cue's head ("ratcheting" in "'s been
    ratcheting up his critique of"), else its first verb, else its last word.
    """
    heads: dict[int, str] = {}
    if not has_predictions(doc):
        return heads
    for span in predicted_spans(doc, "CUE"):
        words = [t for t in span if not (t.is_punct or t.is_space)]
        if not words or any(cue_lemma(t.text, t.lemma_) for t in words):
            continue
        verbs = [
            t for t in words
            if t.tag_.startswith("VB") and t.lemma_ not in ("be", "have")
            and t.lower_ not in AUXILIARY_FORMS
        ]
        if doc.has_annotation("DEP") and span.root in verbs:
            head = span.root
        else:
            head = verbs[0] if verbs else words[-1]
        heads[head.i] = head.lemma_ or head.lower_
    return heads


def _gap_is_short(doc: Doc, a: int, b: int, limit: int = 3) -> bool:
    """At most ``limit`` tokens (punctuation aside) and no paragraph break between a and b."""
    words = 0
    for i in range(min(a, b), max(a, b)):  # stops at the first break or word too many
        token = doc[i]
        if "\n" in token.text:
            return False
        if not token.is_punct:
            words += 1
            if words > limit:
                return False
    return True


def _nearest(doc: Doc, role: str, i: int) -> tuple[list[SpacySpan], int, int]:
    """The spans of ``role``, the position of the last one ending at or before token ``i``
    (or -1) and that of the first one starting after it. A gap only grows with distance, so
    the spans beyond these two can be close enough to a cue only when these are."""
    spans, ends = _spans_by_role(doc).get(role, ([], []))
    k = bisect.bisect_right(ends, i) - 1
    j = k + 1
    while j < len(spans) and spans[j].start <= i:
        j += 1
    return spans, k, j


def content_for(doc: Doc, cue: Token, last: Token | None = None) -> tuple[int, int] | None:
    """The char range of the predicted content next to a cue (within three tokens), or None."""
    if not has_predictions(doc):
        return None
    last = last or cue
    best = None
    # "Y, the ministry said": the nearest content ending before the cue, the speaker between.
    spans, k, _ = _nearest(doc, "CONTENT", cue.i)
    if k >= 0 and _gap_is_short(doc, spans[k].end, cue.i, limit=6):
        best = (cue.i - spans[k].end + 1, spans[k])
    _, _, j = _nearest(doc, "CONTENT", last.i)
    if j < len(spans) and _gap_is_short(doc, last.i + 1, spans[j].start):
        distance = spans[j].start - last.i
        if best is None or distance < best[0]:  # a tie goes to the content before
            best = (distance, spans[j])
    if best is None:
        return None
    span = best[1]
    return span.start_char, span.end_char


def source_for(doc: Doc, cue: Token) -> Token | None:
    """The head of the predicted source next to a cue (before it, or right after it)."""
    if not has_predictions(doc):
        return None
    spans, k, j = _nearest(doc, "SOURCE", cue.i)
    found = None
    # Before the cue, the earliest source close enough wins (the first in text order).
    while k >= 0 and _gap_is_short(doc, spans[k].end, cue.i, limit=2):
        found, k = spans[k], k - 1
    if found is None and j < len(spans) and _gap_is_short(doc, cue.i + 1, spans[j].start, limit=1):
        found = spans[j]
    if found is None:
        return None
    return found.root if doc.has_annotation("DEP") else found[-1]


# --- shipping the trained tagger with the project ---------------------------------------------

# The trained weights live in the package, not in the en_quotes_sm wheel: the tagger reads the
# pipeline's own tok2vec, so it is tied to one tok2vec, identified by its hash.
SHIPPED = Path(__file__).parent / "data" / "attribution_tagger"
COMPONENT = "attribution_tagger"


def tok2vec_digest(nlp: Language) -> str | None:
    """SHA-256 of the pipeline's shared tok2vec weights, or None when it has none."""
    if "tok2vec" not in nlp.pipe_names:
        return None
    return hashlib.sha256(nlp.get_pipe("tok2vec").to_bytes(exclude=["vocab"])).hexdigest()


def export(trained: Language, out: Path = SHIPPED) -> Path:
    """Write a trained pipeline's tagger (weights, config, the tok2vec it reads) to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    trained.get_pipe(COMPONENT).to_disk(out / "component", exclude=["vocab"])
    srsly.write_json(
        out / "meta.json",
        {
            "config": trained.config["components"][COMPONENT],
            "tok2vec_sha256": tok2vec_digest(trained),
            "base": {k: trained.meta.get(k) for k in ("name", "version")},
        },
    )
    return out


def attach(nlp: Language, shipped: Path = SHIPPED) -> bool:
    """Add the shipped tagger after ``ner`` when ``nlp`` has the tok2vec it was trained on.

    Returns False (and leaves ``nlp`` alone) for any other pipeline: the rules then run
    without it, exactly as before the tagger existed.
    """
    meta_path = shipped / "meta.json"
    if COMPONENT in nlp.pipe_names or not meta_path.exists():
        return COMPONENT in nlp.pipe_names
    meta = srsly.read_json(meta_path)
    if tok2vec_digest(nlp) != meta["tok2vec_sha256"]:
        return False
    config = {k: v for k, v in meta["config"].items() if k != "factory"}
    after = "ner" if "ner" in nlp.pipe_names else nlp.pipe_names[-1]
    pipe = nlp.add_pipe(COMPONENT, after=after, config=config)
    pipe.from_disk(shipped / "component", exclude=["vocab"])
    # The listener has no weights of its own; it reads what the pipeline's tok2vec computes.
    nlp.get_pipe("tok2vec").add_listener(pipe.model.get_ref("tok2vec"), COMPONENT)
    return True

"""Which found quotes are attributions: a learned screen over the rules' and the model's quotes.

The rules and the attribution model propose quotes; some are no one's statement ("the state
had added the additional week, known as the Golden Week", "He made the criticism") or a
fragment the two readings disagree on. A logistic regression over what each quote looks like
(its kind and category, its cue, whether it has a speaker, how much of it the model tagged as
a content, cue and source and with what probability, whether the model links the same cue, its
length) estimates how likely PolNeAR's annotators are to have marked it; a quote below the
threshold is dropped.

Trained on PolNeAR train by models/attribution/scripts/train_scorer.py on the quotes the
pipeline finds with the shipped head (the screen off), its threshold chosen on dev; the weights
lie beside the head (``scorer.json``). Without that file nothing is screened.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path

import numpy
from spacy.tokens import Doc

from .attribution_model import char_spans_by_role
from .cues import cue_lemma
from .doctools import doc_text
from .learned import LABELS
from .records import CATEGORIES, METHODS, QUOTE_KINDS, Quote

SHIPPED = Path(__file__).parent / "data" / "attribution_model" / "scorer.json"
_SENTENCE_BREAK = re.compile(r"[.!?][\"”’']?\s+[\"“‘']?[A-Z]")
_WORD = re.compile(r"\w+")
_QUOTE_MARKS = "\"“”"


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _jaccard(a: tuple[int, int], b: tuple[int, int]) -> float:
    return _overlap(a, b) / max(1, max(a[1], b[1]) - min(a[0], b[0]))


# Two quotes whose contents share this much (Jaccard) are one statement read twice: "The
# Republican nominee continues to insist that he should be the exception" gave one quote by
# the rules' cue ("insist") and one by another cue the model linked to the same words; a
# quotation and the model's report over it likewise. PolNeAR annotates such a pair once (6 of
# dev's 2,192 contents lie this close to another). The screen keeps the one it scores higher:
# dev attribution F1 75.8 -> 76.3, train's first 150 articles 73.6 -> 74.3; a looser test
# (half the shorter span) dropped quotations inside reports that PolNeAR keeps apart.
SAME_WORDS = 0.8


def _close(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Overlap of at least half the shorter span (``quotes eval``'s content match)."""
    inter = _overlap(a, b)
    return inter > 0 and inter >= 0.5 * min(a[1] - a[0], b[1] - b[0])


class ModelReading:
    """The attribution model's spans and links of one Doc, as character ranges."""

    def __init__(self, doc: Doc) -> None:
        def chars(start: int, end: int) -> tuple[int, int]:
            return doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text)

        found = char_spans_by_role(doc)
        self.spans = {role: found.get(role, []) for role in ("CONTENT", "CUE", "SOURCE")}
        # a role's spans never overlap, so their ends rise with their starts: bisect finds
        # those over a quote (a quote per span scanned every span: quadratic in a long article)
        self._ends = {role: [end for _, end in spans] for role, spans in self.spans.items()}
        self.links: list[dict] = sorted(
            (
                {role: chars(*ends) if ends else None for role, ends in link.items()}
                for link in doc._.attribution_links or []
            ),
            key=lambda link: link["content"],
        )
        self._link_contents = [link["content"] for link in self.links]
        self._link_ends = [end for _, end in self._link_contents]
        self.doc = doc
        probs = doc._.attribution_probs
        self.probs = None if probs is None or len(probs) != len(doc) else numpy.asarray(probs)

    def probability(self, span: tuple[int, int] | None, role: str) -> float:
        """The mean over ``span``'s tokens of the model's probability that a token is in a
        span of ``role`` (its B- and I- labels together); 0 without probabilities."""
        if span is None or self.probs is None:
            return 0.0
        tokens = self.doc.char_span(span[0], span[1], alignment_mode="expand")
        if tokens is None or not len(tokens):
            return 0.0
        columns = [LABELS.index(f"B-{role}"), LABELS.index(f"I-{role}")]
        return float(self.probs[tokens.start : tokens.end, columns].sum(1).mean())

    def covered(self, span: tuple[int, int] | None, role: str) -> float:
        """The share of ``span``'s characters inside the model's spans of ``role``."""
        if span is None or span[1] <= span[0]:
            return 0.0
        return sum(_overlap(span, s) for s in self.over(span, role)) / (span[1] - span[0])

    def over(self, span: tuple[int, int], role: str) -> list[tuple[int, int]]:
        """The model's spans of ``role`` that overlap ``span``."""
        spans = self.spans[role]
        return [spans[k] for k in _overlapping(spans, self._ends[role], span)]

    def links_over(self, span: tuple[int, int]) -> list[dict]:
        """The model's links whose content overlaps ``span`` (contents never overlap)."""
        return [self.links[k] for k in _overlapping(self._link_contents, self._link_ends, span)]


def _overlapping(spans: list[tuple[int, int]], ends: list[int], span: tuple[int, int]) -> range:
    """Indices of the ``spans`` (in text order, none overlapping another, ``ends`` theirs)
    that overlap ``span``."""
    first = bisect_right(ends, span[0])
    last = first
    while last < len(spans) and spans[last][0] < span[1]:
        last += 1
    return range(first, last)


def features(doc: Doc, quote: Quote, reading: ModelReading) -> dict[str, float]:
    """What the screen reads of one quote (names -> values; an absent name reads 0)."""
    text = doc_text(doc)
    start, end = quote.pieces[0].start, quote.pieces[-1].end
    content = (start, end)
    cue = (quote.cue.start, quote.cue.end) if quote.cue else None
    mention = (quote.mention.start, quote.mention.end) if quote.mention else None
    f = {f"kind_{quote.kind}": 1.0, f"category_{quote.category}": 1.0, f"method_{quote.method}": 1.0}
    f["confidence"] = quote.confidence
    f["has_cue"] = float(cue is not None)
    if quote.cue is not None:
        words = quote.cue.text.lower().split()
        f["cue_punctuation"] = float(not _WORD.search(quote.cue.text))  # "WALLACE:", a dash
        f["cue_known"] = float(any(cue_lemma(w) for w in words))
        f["cue_before"] = float(quote.cue.end <= start)
        gap = start - quote.cue.end if quote.cue.end <= start else quote.cue.start - end
        f["log_gap"] = math.log1p(max(0, gap))
    f["has_mention"] = float(mention is not None)
    f["has_speaker"] = float(quote.speaker is not None)
    f["model_content"] = reading.covered(content, "CONTENT")
    f["model_cue"] = reading.covered(cue, "CUE")
    f["model_source"] = reading.covered(mention, "SOURCE")
    f["p_content"] = reading.probability(content, "CONTENT")
    f["p_cue"] = reading.probability(cue, "CUE")
    f["p_source"] = reading.probability(mention, "SOURCE")
    close = [link for link in reading.links_over(content) if _close(content, link["content"])]
    f["link_close"] = float(bool(close))
    f["link_cue"] = float(
        cue is not None and any(link["cue"] and _overlap(cue, link["cue"]) for link in close)
    )
    f["link_source"] = float(
        mention is not None
        and any(link["source"] and _overlap(mention, link["source"]) for link in close)
    )
    n = len(_WORD.findall(" ".join(piece.text for piece in quote.pieces)))
    f["log_words"] = math.log1p(n)
    f["short"] = float(n <= 3)
    f["sentences"] = float(bool(_SENTENCE_BREAK.search(text[start:end])))
    f["after_that"] = float(text[max(0, start - 5) : start].strip().lower().endswith("that"))
    f["interrupted"] = float(len(quote.parts) > 1)
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end < 0 else para_end
    f["paragraph_first"] = float(not text[para_start:start].strip(" \"“'‘"))
    f["marks_in_paragraph"] = float(any(ch in text[para_start:para_end] for ch in _QUOTE_MARKS))
    return f


def _spared(row: dict[str, float]) -> bool:
    """A quote the screen never drops: a quotation in marks given to a speaker or a cue ('"We
    will rebuild," the mayor said'; one with neither is as often a title or a scare quote,
    "Legend in the Coal Fields."); a line a named speaker's label opens ("WALLACE:
    If I may, sir, ..."); and a report the rules give a named speaker through a speech verb
    the lists know whose words the model reads as reported words too ("The US is overplaying
    the strategic significance of the fall of Raqqa, it charged": the two readings agree on
    what was said). Someone's own words are what the index is for; the screen judges the rest.
    Until 2026-12-05 every report with a known cue and a named speaker was spared, but those
    the screen drops where the model reads the words otherwise are mostly clauses a bad parse
    cut short ("Scott beamed and", "who works directly for RT and", "Recently, however" as the
    content of "said" / "asked" / "calling for"): judging them raised attribution F1 on
    PolNeAR dev 76.6 -> 77.2 and, with the screen fitted without them, on train's first 150
    articles 74.8 -> 75.5 (models/attribution/README.md, "Fourth round")."""
    named = row.get("has_mention", 0.0) == 1.0
    if row.get("kind_direct", 0.0) == 1.0:
        return named or row.get("has_cue", 0.0) == 1.0
    if named and row.get("cue_punctuation", 0.0) == 1.0:
        return True
    speech = row.get("category_speech", 0.0) == 1.0 and row.get("cue_known", 0.0) == 1.0
    return named and speech and row.get("model_content", 0.0) >= 0.5


def feature_names() -> list[str]:
    """Every feature ``features`` can set, in a fixed order."""
    return sorted(
        [f"kind_{k}" for k in QUOTE_KINDS]
        + [f"category_{c}" for c in CATEGORIES]
        + [f"method_{m}" for m in METHODS]
        + [
            "confidence", "has_cue", "cue_punctuation", "cue_known", "cue_before", "log_gap",
            "has_mention", "has_speaker", "model_content", "model_cue", "model_source",
            "link_close", "link_cue", "link_source", "p_content", "p_cue", "p_source", "log_words", "short", "sentences",
            "after_that", "interrupted", "paragraph_first", "marks_in_paragraph",
        ]
    )


def matrix(rows: list[dict[str, float]], names: list[str]) -> numpy.ndarray:
    return numpy.array([[row.get(n, 0.0) for n in names] for row in rows], dtype="f8").reshape(
        len(rows), len(names)
    )


def fit(X: numpy.ndarray, y: numpy.ndarray, l2: float = 1.0, steps: int = 50) -> numpy.ndarray:
    """Logistic regression weights (the bias last) by Newton's method, L2-penalised (not the
    bias); ``X`` already standardised."""
    A = numpy.hstack([X, numpy.ones((len(X), 1))])
    w = numpy.zeros(A.shape[1])
    penalty = numpy.full(A.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + numpy.exp(-(A @ w)))
        grad = A.T @ (p - y) + penalty * w
        hess = (A * (p * (1 - p))[:, None]).T @ A + numpy.diag(penalty) + 1e-9 * numpy.eye(len(w))
        step = numpy.linalg.solve(hess, grad)
        w -= step
        if numpy.abs(step).max() < 1e-8:
            break
    return w


class Scorer:
    """The screen's weights and threshold (``scorer.json``): ``names``, ``mean``, ``scale``,
    ``weights`` (one per name, then the bias), ``threshold``."""

    def __init__(self, settings: dict) -> None:
        self.settings = settings
        self.names: list[str] = settings["names"]
        self.mean = numpy.array(settings["mean"])
        self.scale = numpy.array(settings["scale"])
        self.weights = numpy.array(settings["weights"])
        self.threshold: float = settings["threshold"]

    @classmethod
    def from_file(cls, path: Path) -> Scorer:
        return cls(json.loads(Path(path).read_text()))

    def probabilities(self, rows: list[dict[str, float]]) -> numpy.ndarray:
        if not rows:
            return numpy.zeros(0)
        X = (matrix(rows, self.names) - self.mean) / self.scale
        return 1.0 / (1.0 + numpy.exp(-(X @ self.weights[:-1] + self.weights[-1])))

    def kept(
        self,
        rows: list[dict[str, float]],
        contents: list[tuple[int, int]] | None = None,
        cues: list[tuple[int, int] | None] | None = None,
    ) -> numpy.ndarray:
        """Which quotes (by their features) stay: those the screen scores at or above the
        threshold, and those it never drops (``_spared``). Given the quotes' ``contents``
        (first to last character, one article's), of two over the same words only the likelier
        stays (``SAME_WORDS``); given their ``cues``, of two reports through one cue only the
        likelier stays."""
        spared = numpy.array([_spared(row) for row in rows], dtype=bool)
        probabilities = self.probabilities(rows)
        kept = (probabilities >= self.threshold) | spared
        chosen: list[tuple[int, int]] = []
        claimed: set[tuple[int, int]] = set()
        for k in sorted(numpy.flatnonzero(kept), key=lambda k: -probabilities[k]):
            if contents is not None:
                if any(_jaccard(contents[k], other) >= SAME_WORDS for other in chosen):
                    kept[k] = False
                    continue
                chosen.append(contents[k])
            # The rules and the model may each read what one cue reports ("Trump has responded
            # with attacks on Machado, including Friday's tweets": the rules' clause, the
            # model's object); PolNeAR's annotators mark one. A quotation is never dropped for
            # its cue ('"...," he said, adding that ...': a cue may introduce a quotation and a
            # report).
            cue = cues[k] if cues is not None else None
            if cue is None or rows[k].get("kind_direct", 0.0) == 1.0:
                continue
            if cue in claimed:
                kept[k] = False
            else:
                claimed.add(cue)
        return kept

    def screen(self, doc: Doc, quotes: list[Quote]) -> list[Quote]:
        """The quotes that stay (``kept``)."""
        reading = ModelReading(doc)
        rows = [features(doc, q, reading) for q in quotes]
        kept = self.kept(
            rows,
            [(q.pieces[0].start, q.pieces[-1].end) for q in quotes],
            [(q.cue.start, q.cue.end) if q.cue else None for q in quotes],
        )
        return [q for q, keep in zip(quotes, kept) if keep]


@lru_cache(maxsize=None)
def load(path: str = str(SHIPPED)) -> Scorer | None:
    """The shipped screen, or None where the attribution model has none."""
    return Scorer.from_file(Path(path)) if Path(path).exists() else None

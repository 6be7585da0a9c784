"""Attribution quality measured against an annotated corpus: PolNeAR's BRAT standoff files.

Gold comes from ``SPLIT/text/*.txt`` and ``SPLIT/attributions/*.ann``; predictions are the
records ``quotes export`` would write for the same files (content span, cue span, speaker mention
span and canonical speaker name). Scoring is plain Python over character offsets, so it is
tested without spaCy; only :func:`make_runner` loads a pipeline.

The rules, in full:

* a predicted quote matches a gold Content when their spans overlap by at least half of the
  shorter one (a discontinuous gold span counts from its first to its last character); matching
  is one-to-one, highest Jaccard first;
* the source is right when the predicted speaker mention overlaps a gold Source span, or when the
  canonical speaker name contains the last word of the gold Source (not for pronoun Sources,
  whose last word says nothing about who spoke); a gold attribution without a Source is right
  whenever it is matched;
* a cue is right when the predicted cue span overlaps the gold Cue.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from quotes import ingest
from quotes.records import Article, Failure, Quote, Span, Speaker

if TYPE_CHECKING:
    from spacy.tokens import Doc

MIN_OVERLAP = 0.5  # of the shorter span
OURS, BASELINE = "quotes", "textacy"
# the rules with the older CNN tagger (quotes/learned.py), before the encoder's model led
OURS_CNN = "quotes-cnn"

# --- gold: BRAT standoff ------------------------------------------------------------------


@dataclass(frozen=True)
class GoldAttribution:
    """One annotated attribution; Source and Cue keep their discontinuous pieces."""

    content: Span  # first to last character of all Content pieces
    cue: tuple[Span, ...] = ()
    source: tuple[Span, ...] = ()
    id: str = ""  # the BRAT event id, "E3"

    @property
    def source_text(self) -> str:
        return " ".join(piece.text for piece in self.source)

    @property
    def cue_text(self) -> str:
        return " ".join(piece.text for piece in self.cue)

    @property
    def direct(self) -> bool:
        return opens_with_quote_mark(self.content.text)


@dataclass(frozen=True)
class GoldArticle:
    article: Article
    publisher: str
    annotation: str  # the .ann file the gold came from
    attributions: tuple[GoldAttribution, ...]

    @property
    def name(self) -> str:
        return Path(self.article.source).stem


_T_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t")
_E_LINE = re.compile(r"^(E\d+)\t(.*)$")


def parse_brat(ann: str, text: str) -> list[GoldAttribution]:
    """The attributions in one BRAT ``.ann`` file over ``text``, in file order.

    Lines that are neither text-bound annotations nor events (notes, and the stray lines a
    multi-line span's text leaves behind) are ignored, as are events with no Content.
    """
    pieces: dict[str, list[Span]] = {}
    events: list[tuple[str, list[tuple[str, str]]]] = []
    for line in ann.splitlines():
        if m := _T_LINE.match(line):
            pieces[m[1]] = [
                Span(int(a), int(b), text[int(a) : int(b)])
                for a, b in (p.split() for p in m[3].split(";"))
            ]
        elif m := _E_LINE.match(line):
            args = [arg.split(":", 1) for arg in m[2].split() if ":" in arg]
            # the first argument is the event's own trigger ("Attribution:T4"); roles follow
            events.append((m[1], [(re.sub(r"\d+$", "", r), t) for r, t in args[1:]]))
    attributions = []
    for event_id, roles in events:
        by_role: dict[str, list[Span]] = {}
        for role, target in roles:
            by_role.setdefault(role, []).extend(pieces.get(target, []))
        contents = by_role.get("Content")
        if not contents:
            continue
        start, end = min(p.start for p in contents), max(p.end for p in contents)
        attributions.append(
            GoldAttribution(
                content=Span(start, end, text[start:end]),
                cue=tuple(sorted(by_role.get("Cue", []), key=lambda s: s.start)),
                source=tuple(sorted(by_role.get("Source", []), key=lambda s: s.start)),
                id=event_id,
            )
        )
    return attributions


def read_publishers(metadata_tsv: str | Path) -> dict[str, str]:
    """PolNeAR's metadata.tsv as file name (no extension) -> publisher code."""
    with open(metadata_tsv, encoding="utf-8", newline="") as f:
        return {row["filename"]: row["publisher"] for row in csv.DictReader(f, delimiter="\t")}


def publisher_of(name: str, publishers: dict[str, str]) -> str:
    # PolNeAR file names start with the publisher code: "nyt_2016-09-12_..."
    return publishers.get(name) or name.split("_", 1)[0]


def read_split(split_dir: str | Path, limit: int | None = None) -> list[GoldArticle]:
    """The annotated articles of a split directory, in file-name order.

    An article annotated by several people has one ``.ann`` file each (``NAME_xxxx.ann``); the
    first by file name is used, so results do not depend on directory order. Articles without
    an annotation file are left out.
    """
    split = Path(split_dir)
    texts = sorted((split / "text").glob("*.txt"))
    if not texts:
        raise FileNotFoundError(f"no text/*.txt files under {split}")
    metadata = split.parent / "metadata.tsv"
    publishers = read_publishers(metadata) if metadata.exists() else {}
    articles = []
    for path in texts:
        anns = sorted((split / "attributions").glob(f"{glob_escape(path.stem)}_*.ann"))
        if not anns:
            continue
        article = ingest.read_article(str(path))
        gold = parse_brat(anns[0].read_text(encoding="utf-8"), article.text)
        articles.append(
            GoldArticle(article, publisher_of(path.stem, publishers), str(anns[0]), tuple(gold))
        )
        if limit and len(articles) == limit:
            break
    return articles


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


# --- predictions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Predicted:
    """The fields of an exported quote record that scoring looks at (same names as export)."""

    start: int
    end: int
    text: str = ""
    kind: str | None = None
    cue: str | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    speaker: str | None = None  # the canonical speaker's name
    speaker_mention: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None


def predicted(quote: Quote, speaker: Speaker | None) -> Predicted:
    """The record ``quotes export`` writes for ``quote``, as resolved by ``quotes index``."""
    cue, mention = quote.cue, quote.mention
    # An interrupted quote is scored from its first piece to its last, as PolNeAR's
    # discontinuous contents are.
    pieces = quote.pieces
    return Predicted(
        start=pieces[0].start,
        end=pieces[-1].end,
        text=" ".join(piece.text for piece in pieces),
        kind=quote.kind,
        cue=cue.text if cue else None,
        cue_start=cue.start if cue else None,
        cue_end=cue.end if cue else None,
        speaker=speaker.name if speaker else None,
        speaker_mention=mention.text if mention else None,
        speaker_start=mention.start if mention else None,
        speaker_end=mention.end if mention else None,
    )


# --- matching and the source rule ---------------------------------------------------------

QUOTE_MARKS = "\"“'‘"
PRONOUNS = frozenset(
    """
    i me my mine we us our ours you your yours he him his she her hers it its they them their
    theirs himself herself itself themselves ourselves myself yourself who whom whose which
    that this these those one
""".split()
)


def opens_with_quote_mark(text: str) -> bool:
    return text.lstrip()[:1] in tuple(QUOTE_MARKS)


def overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def jaccard(a_start: int, a_end: int, b_start: int, b_end: int) -> float:
    inter = overlap(a_start, a_end, b_start, b_end)
    union = max(a_end, b_end) - min(a_start, b_start)
    return inter / union if union > 0 else 0.0


def close_enough(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Overlap of at least half the shorter span (and of something at all)."""
    shorter = min(a_end - a_start, b_end - b_start)
    inter = overlap(a_start, a_end, b_start, b_end)
    return inter > 0 and inter >= MIN_OVERLAP * shorter


def match(predictions: Sequence[Predicted], gold: Sequence[GoldAttribution]) -> dict[int, int]:
    """One-to-one matches as {prediction index: gold index}, best Jaccard first."""
    pairs = []
    for i, p in enumerate(predictions):
        for j, g in enumerate(gold):
            if close_enough(p.start, p.end, g.content.start, g.content.end):
                pairs.append((-jaccard(p.start, p.end, g.content.start, g.content.end), i, j))
    pairs.sort()  # ties go to the earlier prediction, then the earlier gold
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for _, i, j in pairs:
        if i not in matched and j not in taken:
            matched[i] = j
            taken.add(j)
    return matched


_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*")


def words(text: str) -> list[str]:
    # a possessive is not part of the name: "Clinton's" -> "clinton"
    return [re.sub(r"['’]s$", "", w) for w in _WORD.findall(text.lower())]


def is_pronoun(text: str) -> bool:
    found = words(text)
    return len(found) == 1 and found[0] in PRONOUNS


def source_right(p: Predicted, g: GoldAttribution) -> bool:
    if not g.source:
        return True
    if (
        p.speaker_start is not None
        and p.speaker_end is not None
        and any(overlap(p.speaker_start, p.speaker_end, s.start, s.end) for s in g.source)
    ):
        return True
    if p.speaker and not is_pronoun(g.source_text):
        last = words(g.source_text)[-1:]
        return bool(last) and last[0] in words(p.speaker)
    return False


def cue_right(p: Predicted, g: GoldAttribution) -> bool:
    if p.cue_start is None or p.cue_end is None:
        return False
    return any(overlap(p.cue_start, p.cue_end, c.start, c.end) for c in g.cue)


# --- counting -----------------------------------------------------------------------------


@dataclass
class Counts:
    """What the figures are computed from; counts add up across articles and publishers."""

    articles: int = 0
    predicted: int = 0
    gold: int = 0
    matched: int = 0
    attributed: int = 0  # matched with the right source
    cues_scored: int = 0  # matched pairs whose gold has a Cue
    cues_right: int = 0
    direct_gold: int = 0
    direct_attributed: int = 0
    # exact spans per role (both ends agree after trim_span; one-to-one): hits, predicted, gold
    exact_source: int = 0
    exact_source_predicted: int = 0
    exact_source_gold: int = 0
    exact_cue: int = 0
    exact_cue_predicted: int = 0
    exact_cue_gold: int = 0
    exact_content: int = 0
    exact_content_predicted: int = 0
    exact_content_gold: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{k: v + getattr(other, k) for k, v in asdict(self).items()})

    def figures(self) -> dict[str, float | None]:
        content = prf(self.matched, self.predicted, self.gold)
        attribution = prf(self.attributed, self.predicted, self.gold)
        return {
            "content_p": content[0],
            "content_r": content[1],
            "content_f1": content[2],
            "attribution_p": attribution[0],
            "attribution_r": attribution[1],
            "attribution_f1": attribution[2],
            "direct_attributed": ratio(self.direct_attributed, self.direct_gold),
            "cue_accuracy": ratio(self.cues_right, self.cues_scored),
            **{
                f"exact_{role}_{name}": value
                for role in EXACT_ROLES
                for name, value in zip(
                    ("p", "r", "f1"),
                    prf(
                        getattr(self, f"exact_{role}"),
                        getattr(self, f"exact_{role}_predicted"),
                        getattr(self, f"exact_{role}_gold"),
                    ),
                )
            },
        }


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def prf(hits: int, predicted: int, gold: int) -> tuple[float | None, float | None, float | None]:
    p, r = ratio(hits, predicted), ratio(hits, gold)
    f = (
        2 * p * r / (p + r)
        if p is not None and r is not None and p + r
        else (0.0 if p is not None and r is not None else None)
    )
    return p, r, f


EXACT_ROLES = ("source", "cue", "content")
# What an exact span may differ by at its ends: whitespace, quote marks, final punctuation.
_TRIM_START = " \t\r\n\"“”„«»'‘’"
_TRIM_END = _TRIM_START + ".,;:!?"


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """A span's ends without whitespace, quote marks or final punctuation (CofeNet's exact match
    on PolNeAR compares token spans; this is its character-level equivalent)."""
    while start < end and text[start] in _TRIM_START:
        start += 1
    while end > start and text[end - 1] in _TRIM_END:
        end -= 1
    return start, end


def _role_spans(
    text: str, spans: Iterable[tuple[int | None, int | None]]
) -> set[tuple[int, int]]:
    out = set()
    for start, end in spans:
        if start is None or end is None:
            continue
        trimmed = trim_span(text, start, end)
        if trimmed[1] > trimmed[0]:
            out.add(trimmed)
    return out


def exact_spans(
    text: str, predictions: Sequence[Predicted], gold: Sequence[GoldAttribution]
) -> dict[str, tuple[int, int, int]]:
    """Per role: (exact hits, predicted spans, gold spans); each distinct span counts once.

    A gold Source or Cue in several pieces is the stretch from its first piece to its last."""
    predicted_spans = {
        "source": _role_spans(text, ((p.speaker_start, p.speaker_end) for p in predictions)),
        "cue": _role_spans(text, ((p.cue_start, p.cue_end) for p in predictions)),
        "content": _role_spans(text, ((p.start, p.end) for p in predictions)),
    }

    def whole(pieces: Sequence[Span]) -> tuple[int | None, int | None]:
        return (pieces[0].start, pieces[-1].end) if pieces else (None, None)

    gold_spans = {
        "source": _role_spans(text, (whole(g.source) for g in gold)),
        "cue": _role_spans(text, (whole(g.cue) for g in gold)),
        "content": _role_spans(text, ((g.content.start, g.content.end) for g in gold)),
    }
    return {
        role: (
            len(predicted_spans[role] & gold_spans[role]),
            len(predicted_spans[role]),
            len(gold_spans[role]),
        )
        for role in EXACT_ROLES
    }


def count(
    predictions: Sequence[Predicted], gold: Sequence[GoldAttribution], text: str | None = None
) -> Counts:
    """The counts for one article (exact spans too when the article's ``text`` is given)."""
    matched = match(predictions, gold)
    c = Counts(articles=1, predicted=len(predictions), gold=len(gold), matched=len(matched))
    if text is not None:
        for role, (hits, n_pred, n_gold) in exact_spans(text, predictions, gold).items():
            setattr(c, f"exact_{role}", hits)
            setattr(c, f"exact_{role}_predicted", n_pred)
            setattr(c, f"exact_{role}_gold", n_gold)
    c.direct_gold = sum(g.direct for g in gold)
    for i, j in matched.items():
        p, g = predictions[i], gold[j]
        if source_right(p, g):
            c.attributed += 1
            c.direct_attributed += g.direct
        if g.cue:
            c.cues_scored += 1
            c.cues_right += cue_right(p, g)
    return c


@dataclass
class Report:
    overall: Counts = field(default_factory=Counts)
    by_publisher: dict[str, Counts] = field(default_factory=dict)

    def add(self, publisher: str, counts: Counts) -> None:
        self.overall = self.overall + counts
        self.by_publisher[publisher] = self.by_publisher.get(publisher, Counts()) + counts

    def to_dict(self) -> dict:
        def one(c: Counts) -> dict:
            return {"counts": asdict(c), "figures": c.figures()}

        return {
            "overall": one(self.overall),
            "by_publisher": {k: one(v) for k, v in sorted(self.by_publisher.items())},
        }


def score(results: Iterable[tuple[GoldArticle, Sequence[Predicted]]]) -> Report:
    report = Report()
    for gold, predictions in results:
        report.add(gold.publisher, count(predictions, gold.attributions, gold.article.text))
    return report


# --- error analysis -----------------------------------------------------------------------

# Cues of belief, intention and plans rather than speech; PolNeAR annotates them all.
BELIEF_WORDS = frozenset(
    """
    believe believes believed believing think thinks thought thinking want wants wanted wanting
    plan plans planned planning hope hopes hoped hoping expect expects expected expecting fear
    fears feared fearing feel feels felt feeling know knows knew known knowing consider
    considers considered considering intend intends intended intending wish wishes wished worry
    worries worried worrying suspect suspects suspected doubt doubts doubted view views viewed
    seek seeks sought seeking aim aims aimed hoping decide decides decided deciding
""".split()
)
NOMINAL_DETERMINERS = ("the", "a", "an")
_SENTENCE_BREAK = re.compile(r"[.!?][\"”’']?\s+[\"“‘']?[A-Z]|\n")

CATEGORIES = (
    "boundary",
    "paraphrase/belief",
    "no cue verb",
    "multi-sentence content",
    "direct quote",
    "pronoun source",
    "nominal source",
    "wrong source",
    "other miss",
    "false alarm",
)


def known_cue(text: str) -> bool:
    """Whether a gold cue holds a speech verb the rules know (quotes.cues, or "according")."""
    from quotes.cues import cue_lemma

    return any(w == "according" or cue_lemma(w) for w in words(text))


def is_nominal(source: str) -> bool:
    """A common-noun phrase ("the official", "campaign aides") rather than a name or pronoun.

    "The Post" and "The New York Times" are names, so a capitalised word after the article
    makes the phrase a name.
    """
    found = _WORD.findall(source)
    if not found or is_pronoun(source):
        return False
    if found[0].lower() in NOMINAL_DETERMINERS:
        return len(found) == 1 or found[1].islower()
    return found[0].islower()


def tags(g: GoldAttribution) -> list[str]:
    """Everything about a gold attribution that may explain a miss, most specific first."""
    found = []
    cue_words = set(words(g.cue_text))
    if cue_words & BELIEF_WORDS:
        found.append("paraphrase/belief")
    elif g.cue and not known_cue(g.cue_text):
        found.append("no cue verb")
    if _SENTENCE_BREAK.search(g.content.text.strip()):
        found.append("multi-sentence content")
    if g.direct:
        found.append("direct quote")
    if g.source and is_pronoun(g.source_text):
        found.append("pronoun source")
    elif g.source and is_nominal(g.source_text):
        found.append("nominal source")
    return found


@dataclass
class Error:
    kind: str  # "miss" (gold not matched, or matched with the wrong source) or "false alarm"
    category: str
    tags: list[str]
    source: str  # the article file
    publisher: str
    gold_id: str | None = None
    gold_content: str | None = None
    gold_start: int | None = None
    gold_end: int | None = None
    gold_cue: str | None = None
    gold_source: str | None = None
    predicted: str | None = None
    predicted_start: int | None = None
    predicted_end: int | None = None
    predicted_cue: str | None = None
    predicted_speaker: str | None = None
    predicted_mention: str | None = None


def errors(article: GoldArticle, predictions: Sequence[Predicted]) -> list[Error]:
    """The misses and false alarms in one article, each with the category to blame first."""
    gold = article.attributions
    matched = match(predictions, gold)
    by_gold = {j: i for i, j in matched.items()}
    found = []
    for j, g in enumerate(gold):
        i = by_gold.get(j)
        if i is not None and source_right(predictions[i], g):
            continue
        tagged = tags(g)
        near = [
            k
            for k, p in enumerate(predictions)
            if k not in matched and overlap(p.start, p.end, g.content.start, g.content.end)
        ]
        if i is not None:
            # the content was found: only the source can be to blame
            source_tags = [t for t in tagged if t in ("pronoun source", "nominal source")]
            category = source_tags[0] if source_tags else "wrong source"
            # no speaker at all and the wrong speaker call for different fixes
            said = "no speaker predicted" if predictions[i].speaker is None else "wrong speaker"
            tagged = ["wrong source", said, *tagged]
        elif near:
            i, category = near[0], "boundary"
            tagged = ["boundary", *tagged]
        else:
            category = tagged[0] if tagged else "other miss"
        p = predictions[i] if i is not None else None
        found.append(_error(article, "miss", category, tagged, g, p))
    for i, p in enumerate(predictions):
        if i in matched:
            continue
        near_gold = [
            j for j, g in enumerate(gold) if overlap(p.start, p.end, g.content.start, g.content.end)
        ]
        if near_gold:
            # a quote split where the gold has one ("'A,' she said. 'B.'") leaves a piece over
            tagged = ["boundary"] + (["piece of a matched gold"] if near_gold[0] in by_gold else [])
            found.append(_error(article, "false alarm", "boundary", tagged, gold[near_gold[0]], p))
        else:
            found.append(_error(article, "false alarm", "false alarm", [], None, p))
    return found


def _error(
    article: GoldArticle,
    kind: str,
    category: str,
    tagged: list[str],
    g: GoldAttribution | None,
    p: Predicted | None,
) -> Error:
    e = Error(kind, category, tagged, article.article.source, article.publisher)
    if g is not None:
        e.gold_id, e.gold_content = g.id, g.content.text
        e.gold_start, e.gold_end = g.content.start, g.content.end
        e.gold_cue, e.gold_source = g.cue_text, g.source_text or None
    if p is not None:
        e.predicted, e.predicted_start, e.predicted_end = p.text, p.start, p.end
        e.predicted_cue, e.predicted_speaker = p.cue, p.speaker
        e.predicted_mention = p.speaker_mention
    return e


def error_summary(
    found: Iterable[Error], examples: int = 2
) -> list[tuple[str, str, int, list[Error]]]:
    """(kind, category, how many, a few examples): misses first, then most frequent first."""
    by_category: dict[tuple[str, str], list[Error]] = {}
    for e in found:
        by_category.setdefault((e.kind, e.category), []).append(e)
    ranked = sorted(by_category.items(), key=lambda kv: (kv[0][0] != "miss", -len(kv[1]), kv[0]))
    return [(kind, category, len(es), es[:examples]) for (kind, category), es in ranked]


def error_counts(found: Iterable[Error]) -> dict[str, dict[str, int]]:
    return {
        kind: {category: n for _, category, n, _ in summary}
        for kind in ("miss", "false alarm")
        if (summary := [s for s in error_summary(found, 0) if s[0] == kind])
    }


# --- running the pipeline -----------------------------------------------------------------


@dataclass
class Baseline:
    predictions: list[Predicted]
    refused: bool = False  # textacy gave up on the article (an odd number of quotation marks)


# Each article with our quotes (not yet resolved to speakers) and, when asked, the baseline's
# predictions over the same Doc.
Runner = Callable[[Iterable[Article]], Iterator[tuple[Article, list[Quote], Baseline | None]]]


def textacy_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("textacy") is not None


def make_runner(
    model: str, batch_size: int = 16, baseline: bool = True, tagger: bool | str = True
) -> Runner:
    """Run ``quotes.pipeline.find_quotes``, keeping each Doc for the baseline when asked."""
    from quotes import pipeline
    from quotes.indexer import PipelineUnavailable

    try:
        nlp = pipeline.load(model, tagger)
    except pipeline.ModelNotFound as error:
        raise PipelineUnavailable(str(error)) from error

    class KeepDoc:
        """Stands in for ``nlp`` so find_quotes runs unchanged while the Doc stays at hand
        (find_quotes consumes ``nlp.pipe`` lazily, one article's last Doc before it yields
        that article; ``max_length`` decides where a long text is cut in pieces)."""

        doc: Doc | None = None
        max_length = nlp.max_length

        def pipe(self, *args, **kwargs):
            for doc, context in nlp.pipe(*args, **kwargs):
                self.doc = doc
                yield doc, context

    def run(articles: Iterable[Article]):
        keep = KeepDoc()
        for article, quotes in pipeline.find_quotes(keep, articles, batch_size=batch_size):
            failed = isinstance(quotes, Failure)  # keep.doc is not this article's then
            found = textacy_predictions(keep.doc) if baseline and not failed else None
            if found is not None:
                # the Doc is of the pipeline's view of the article (quotes.ingest.view)
                found.predictions = [_stored(article, p) for p in found.predictions]
            yield article, quotes, found

    def _stored(article: Article, found: Predicted) -> Predicted:
        view = ingest.view(article)
        if view.identical:
            return found
        start, end = view.start(found.start), view.end(found.end)
        mention = {}
        if found.speaker_start is not None and found.speaker_end is not None:
            mention = {
                "speaker_start": view.start(found.speaker_start),
                "speaker_end": view.end(found.speaker_end),
            }
        cue = {}
        if found.cue_start is not None and found.cue_end is not None:
            cue = {"cue_start": view.start(found.cue_start), "cue_end": view.end(found.cue_end)}
        return replace(found, start=start, end=end, text=article.text[start:end], **mention, **cue)

    return run


# PTB tag -> UD part of speech, for pipelines without an attribute ruler (textacy needs VERB).
_UD = {
    "MD": "AUX",
    "NN": "NOUN",
    "NNS": "NOUN",
    "NNP": "PROPN",
    "NNPS": "PROPN",
    "PRP": "PRON",
    "PRP$": "PRON",
    "WP": "PRON",
    "WP$": "PRON",
    "DT": "DET",
    "PDT": "DET",
    "WDT": "DET",
    "IN": "ADP",
    "CC": "CCONJ",
    "CD": "NUM",
    "RP": "ADP",
    "TO": "PART",
    "POS": "PART",
    "UH": "INTJ",
    "EX": "PRON",
    "FW": "X",
}


def _with_pos_and_lemmas(doc: Doc) -> Doc:
    """Fill in what textacy's rules read (VERB, lemmas) when the pipeline does not set it."""
    if not doc.has_annotation("POS"):
        for t in doc:
            t.pos_ = _ud_pos(t.tag_, t.is_punct)
    if not doc.has_annotation("LEMMA"):
        table = _lemma_table()
        for t in doc:
            t.lemma_ = table.get(t.text, table.get(t.lower_, t.lower_))
    return doc


def _ud_pos(tag: str, punct: bool) -> str:
    for prefix, pos in (("VB", "VERB"), ("JJ", "ADJ"), ("RB", "ADV")):
        if tag.startswith(prefix):
            return pos
    return _UD.get(tag, "PUNCT" if punct else "X")


@cache
def _lemma_table():
    from spacy.lookups import load_lookups

    return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")


def textacy_predictions(doc: Doc) -> Baseline:
    """textacy's direct quotations as predictions; none when it refuses the Doc.

    textacy gives up on a Doc with an odd number of quotation marks rather than guess, so such
    an article counts as having no baseline quotes.
    """
    from textacy.extract.triples import direct_quotations

    _with_pos_and_lemmas(doc)
    try:
        triples = list(direct_quotations(doc))
    except ValueError:
        return Baseline([], refused=True)
    found = []
    for speaker, cue, content in triples:
        name = " ".join(t.text for t in speaker)
        first, last = speaker[0], speaker[-1]
        cue_start, cue_end = cue[0].idx, cue[-1].idx + len(cue[-1])
        found.append(
            Predicted(
                start=content.start_char,
                end=content.end_char,
                text=content.text,
                kind="direct",
                cue=doc.text[cue_start:cue_end],
                cue_start=cue_start,
                cue_end=cue_end,
                speaker=name,
                speaker_mention=doc.text[first.idx : last.idx + len(last)],
                speaker_start=first.idx,
                speaker_end=last.idx + len(last),
            )
        )
    return Baseline(found)


@dataclass
class Evaluation:
    split: str
    model: str
    files: int
    reports: dict[str, Report]  # OURS, and BASELINE when it ran
    errors: list[Error]  # ours
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "split": self.split,
            "model": self.model,
            "files": self.files,
            "systems": {name: report.to_dict() for name, report in self.reports.items()},
            "error_counts": error_counts(self.errors),
            "notes": self.notes,
        }


def evaluate(
    split_dir: str | Path,
    model: str = "en_quotes_sm",
    limit: int | None = None,
    baseline: bool = True,
    batch_size: int = 16,
    progress_callback: Callable[[str], None] | None = None,
    tagger: bool = True,
    compare_cnn: bool = False,
) -> Evaluation:
    """Score the pipeline (and textacy, when ``baseline`` and installed) on a split directory.

    Speakers are resolved through one :class:`quotes.speakers.SpeakerIndex` across the split,
    as ``quotes index`` would for these files in one run, and names are read once every article
    is done, as ``quotes export`` would read them. With ``compare_cnn``, the pipeline runs a
    second time with the older CNN tagger instead of the encoder's model (column quotes-cnn).
    """
    from quotes.speakers import SpeakerIndex

    gold = read_split(split_dir, limit)
    notes = []
    if baseline and not textacy_available():
        baseline = False
        notes.append("textacy is not installed (pip install textacy): no baseline column")
    by_source = {g.article.source: g for g in gold}
    run = make_runner(model, batch_size, baseline, tagger)
    index = SpeakerIndex([])
    ours: list[tuple[GoldArticle, list[tuple[Quote, Speaker | None]]]] = []
    theirs: list[tuple[GoldArticle, list[Predicted]]] = []
    refused = 0
    for article, quotes, other in run(g.article for g in gold):
        g = by_source[article.source]
        if isinstance(quotes, Failure):
            # one article's internal error must not end the evaluation; it is counted as
            # finding nothing, and said
            notes.append(f"{article.source}: {quotes.reason}; counted as having no quotes")
            quotes = []
        ours.append((g, [(q, index.resolve(q.speaker) if q.speaker else None) for q in quotes]))
        if other is not None:
            theirs.append((g, other.predictions))
            refused += other.refused
        if progress_callback:
            progress_callback(article.source)
    mine = [(g, [predicted(q, s) for q, s in pairs]) for g, pairs in ours]
    reports = {OURS: score(mine)}
    if baseline:
        reports[BASELINE] = score(theirs)
        notes.append(
            f"textacy refused {refused} of {len(theirs)} articles (an odd number of quotation "
            "marks); they count as having no baseline quotes"
        )
    if compare_cnn:
        index = SpeakerIndex([])
        before = []
        for article, quotes, _ in make_runner(model, batch_size, False, "cnn")(
            g.article for g in gold
        ):
            pairs = [(q, index.resolve(q.speaker) if q.speaker else None) for q in quotes]
            before.append((by_source[article.source], [predicted(q, s) for q, s in pairs]))
            if progress_callback:
                progress_callback(article.source)
        reports[OURS_CNN] = score(before)
    found = [e for g, predictions in mine for e in errors(g, predictions)]
    return Evaluation(str(split_dir), model, len(gold), reports, found, notes)


# --- printing -----------------------------------------------------------------------------

FIGURES = (
    ("content_p", "content precision"),
    ("content_r", "content recall"),
    ("content_f1", "content F1"),
    ("attribution_p", "attribution precision"),
    ("attribution_r", "attribution recall"),
    ("attribution_f1", "attribution F1"),
    ("direct_attributed", "direct quotes attributed"),
    ("cue_accuracy", "cue accuracy"),
    ("exact_source_f1", "exact source F1"),
    ("exact_cue_f1", "exact cue F1"),
    ("exact_content_f1", "exact content F1"),
)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def table(evaluation: Evaluation) -> str:
    """The figures as a plain-text table, systems side by side, then per publisher."""
    names = list(evaluation.reports)
    lines = [f"{evaluation.files} files from {evaluation.split}, model {evaluation.model}", ""]
    lines.append(f"{'':<26}" + "".join(f"{n:>12}" for n in names))
    figures = {n: r.overall.figures() for n, r in evaluation.reports.items()}
    for key, label in FIGURES:
        lines.append(f"{label:<26}" + "".join(f"{_pct(figures[n][key]):>12}" for n in names))
    for label, attr in (
        ("predicted", "predicted"),
        ("gold", "gold"),
        ("matched", "matched"),
        ("right source", "attributed"),
    ):
        lines.append(
            f"{label:<26}"
            + "".join(f"{getattr(evaluation.reports[n].overall, attr):>12}" for n in names)
        )
    lines += ["", "Per publisher (content F1 / attribution F1 / direct quotes attributed):"]
    publishers = sorted(evaluation.reports[OURS].by_publisher)
    header = f"{'publisher':<14}{'files':>6}{'gold':>6}"
    lines.append(header + "".join(f"{n:>22}" for n in names))
    for pub in publishers:
        c = evaluation.reports[OURS].by_publisher[pub]
        row = f"{pub:<14}{c.articles:>6}{c.gold:>6}"
        for n in names:
            f = evaluation.reports[n].by_publisher.get(pub, Counts()).figures()
            cell = "/".join(
                _pct(f[k]) for k in ("content_f1", "attribution_f1", "direct_attributed")
            )
            row += f"{cell:>22}"
        lines.append(row)
    lines += [f"note: {note}" for note in evaluation.notes]
    return "\n".join(lines)


def _short(text: str | None, width: int = 90) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def error_report(found: Sequence[Error], examples: int = 2) -> str:
    """Counts per category, most frequent first, with a few examples each."""
    misses = sum(e.kind == "miss" for e in found)
    lines = [f"{misses} misses and {len(found) - misses} false alarms, by category:"]
    for kind, category, n, sample in error_summary(found, examples):
        lines.append(f"{n:>6}  {kind}: {category}")
        for e in sample:
            where = f"{Path(e.source).name}"
            if e.gold_content is not None:
                lines.append(
                    f"          gold [{e.gold_source or '-'} | {e.gold_cue or '-'}] "
                    f"{_short(e.gold_content)}  ({where})"
                )
            if e.predicted is not None:
                lines.append(
                    f"          ours [{e.predicted_speaker or '-'} | {e.predicted_cue or '-'}] "
                    f"{_short(e.predicted)}"
                )
    for kind in ("miss", "false alarm"):
        tagged = Counter(t for e in found if e.kind == kind for t in e.tags)
        if tagged:
            lines.append(
                f"{kind} tags (every one that applies): "
                + ", ".join(f"{t} {n}" for t, n in tagged.most_common())
            )
    return "\n".join(lines)

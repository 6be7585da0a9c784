"""PolNeAR BRAT annotations -> spaCy DocBins with cue / source / content spans per article.

    python models/attribution/convert_polnear.py --polnear ../shared/corpora/polnear \
        --out models/attribution/corpus [--model models/training/pipeline/model-best] [--limit 30]

Writes ``train.spacy`` and ``dev.spacy``. Each Doc holds the article text, tokenized by the
pipeline's tokenizer, and a span group ``doc.spans["attribution"]`` with one span per annotated
piece (a discontinuous Source, Cue or Content gives one span per piece) labelled CUE, SOURCE or
CONTENT; the span's ``id_`` is the BRAT event id, so the pieces of one attribution stay
together for later use. Spans keep their overlaps: the IOB labels the tagger learns are made
from them with ``quotes.learned.iob_tags`` (the most specific role wins), and the counts printed
here say how often that happens.

Only ``train`` is for training. ``dev`` is for choosing (spaCy's evaluation during training,
``quotes eval``); never pass it as ``--paths.train``.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from quotes import ingest
from quotes.evaluate import glob_escape
from quotes.learned import SPANS_KEY, iob_tags

ROLE_OF = {"Cue": "CUE", "Source": "SOURCE", "Content": "CONTENT"}
_T_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t")
_E_LINE = re.compile(r"^(E\d+)\t(.*)$")


@dataclass(frozen=True)
class Piece:
    """One contiguous annotated stretch: characters ``start:end`` in ``role`` for ``event``."""

    start: int
    end: int
    role: str  # CUE, SOURCE or CONTENT
    event: str


def read_pieces(ann: str) -> list[Piece]:
    """The Cue, Source and Content pieces that an event (an attribution) points to.

    Text-bound annotations no event uses (the "Attribution" triggers, Discuss, Discard) and
    note lines are ignored.
    """
    offsets: dict[str, list[tuple[int, int]]] = {}
    events: list[tuple[str, list[tuple[str, str]]]] = []
    for line in ann.splitlines():
        if m := _T_LINE.match(line):
            offsets[m[1]] = [(int(a), int(b)) for a, b in (p.split() for p in m[3].split(";"))]
        elif m := _E_LINE.match(line):
            args = [arg.split(":", 1) for arg in m[2].split() if ":" in arg]
            # the first argument is the event's trigger ("Attribution:T4"); the roles follow
            events.append((m[1], [(re.sub(r"\d+$", "", r), t) for r, t in args[1:]]))
    pieces = []
    for event, roles in events:
        for role, target in roles:
            if role in ROLE_OF:
                pieces.extend(Piece(a, b, ROLE_OF[role], event) for a, b in offsets.get(target, []))
    return sorted(pieces, key=lambda p: (p.start, p.end))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def annotate(doc: Doc, pieces: list[Piece], counts: Counter) -> Doc:
    """Put the pieces on ``doc`` as token spans (expanded to whole tokens) and count them."""
    spans = []
    for piece in pieces:
        start, end = _strip(doc.text, piece.start, piece.end)
        span = doc.char_span(start, end, label=piece.role, alignment_mode="expand")
        if span is None:
            counts["pieces_unaligned"] += 1
            continue
        span.id_ = piece.event
        spans.append(span)
        counts[f"pieces_{piece.role}"] += 1
        if span.start_char != start or span.end_char != end:
            counts["pieces_expanded"] += 1  # the annotation cut a token ("’s been" -> "He’s")
    doc.spans[SPANS_KEY] = spans
    tags, clashes = iob_tags(len(doc), ((s.start, s.end, s.label_) for s in spans))
    counts["tokens"] += len(doc)
    counts["tokens_in_two_roles"] += clashes
    for tag in tags:
        counts[f"tokens_{tag[2:] or 'O'}"] += 1
    return doc


def discontinuous(pieces: list[Piece]) -> int:
    """How many (event, role) pairs have more than one piece."""
    by_role = Counter((p.event, p.role) for p in pieces)
    return sum(1 for n in by_role.values() if n > 1)


def convert_split(
    nlp: Language, split_dir: Path, limit: int | None = None
) -> tuple[DocBin, Counter]:
    """One split's articles as a DocBin; the first annotator's file when there are several."""
    counts: Counter = Counter()
    db = DocBin(store_user_data=False)
    for path in sorted((split_dir / "text").glob("*.txt")):
        anns = sorted((split_dir / "attributions").glob(f"{glob_escape(path.stem)}_*.ann"))
        if not anns:
            counts["articles_without_annotation"] += 1
            continue
        text = ingest.read_article(str(path)).text
        pieces = read_pieces(anns[0].read_text(encoding="utf-8"))
        counts["articles"] += 1
        counts["attributions"] += len({p.event for p in pieces})
        counts["discontinuous_roles"] += discontinuous(pieces)
        db.add(annotate(nlp.make_doc(text), pieces, counts))
        if limit and counts["articles"] == limit:
            break
    return db, counts


def tokenizer_only(model: str | None) -> Language:
    if model is None:
        return spacy.blank("en")
    # Only the tokenizer matters here; spacy train retokenizes with the pipeline's own anyway.
    return spacy.load(
        model,
        exclude=[
            "tok2vec",
            "tagger",
            "parser",
            "ner",
            "attribute_ruler",
            "lemmatizer",
            "entity_ruler",
            "coreferee",
        ],
    )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--polnear", type=Path, required=True, help="the PolNeAR folder (has data/)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--model", help="pipeline whose tokenizer to use (default: blank English)")
    ap.add_argument("--splits", nargs="*", default=["train", "dev"])
    ap.add_argument("--limit", type=int, default=0, help="articles per split (0: all)")
    args = ap.parse_args()

    nlp = tokenizer_only(args.model)
    args.out.mkdir(parents=True, exist_ok=True)
    stats = {}
    for split in args.splits:
        db, counts = convert_split(nlp, args.polnear / "data" / split, args.limit or None)
        db.to_disk(args.out / f"{split}.spacy")
        stats[split] = dict(sorted(counts.items()))
        print(f"{split}: {json.dumps(stats[split])}")
    (args.out / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")


if __name__ == "__main__":
    main()

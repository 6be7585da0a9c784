"""Property-based tests with the real pipeline: for any text, nothing raises and every stored
offset gives back its text (issue 16, "Property-based tests (hypothesis) in CI").

The texts mix news-like reported speech with what breaks parsers: quote marks of every kind
left unbalanced, nested brackets, control characters, right-to-left text, emoji, combining
marks, empty paragraphs, mixed line endings, very long lines (the pieces come from
scripts/fuzz_corpus.py, which builds the 200-file corpus `quotes index` is measured on).
Hypothesis runs derandomized (the "quotes" profile in conftest.py), so CI sees the same
examples every time; a failure it finds becomes an explicit @example below.
"""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import sqlite_utils
from hypothesis import example, given
from hypothesis import strategies as st

from quotes import export, ingest, pipeline, store
from quotes.records import METHODS, QUOTE_KINDS, Failure, Quote
from quotes.speakers import SpeakerIndex

_spec = importlib.util.spec_from_file_location(
    "fuzz_corpus", Path(__file__).parents[1] / "scripts" / "fuzz_corpus.py"
)
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)

# Inputs that once raised or broke an offset; each stays an example for good.
CRASHES = [
    "Il add Dr.\n\n\u203a\u300d",  # fullest_org: an ORG entity with no word characters
    '"We will stay," said Ann Lee.\u2028"And fight," she added.\x85',
]

pieces = st.one_of(
    *(
        st.sampled_from(choices)
        for choices in (
            fuzz.QUOTE_MARKS,
            fuzz.BRACKETS,
            fuzz.CONTROL,
            fuzz.RTL,
            fuzz.EMOJI,
            fuzz.COMBINING,
            fuzz.BREAKS,
            fuzz.NAMES,
            fuzz.CUES,
            fuzz.WORDS,
            fuzz.FRAGMENTS,
        )
    ),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    # a very long line: one word or quote mark repeated without a break
    st.builds(
        lambda word, n: word * n,
        st.sampled_from(fuzz.WORDS + fuzz.QUOTE_MARKS),
        st.integers(100, 600),
    ),
)
joined = st.lists(st.tuples(pieces, st.sampled_from(["", " ", ", ", ". ", "\n"])), max_size=40).map(
    lambda parts: "".join(piece + glue for piece, glue in parts)
)
# whole documents from the corpus generator, driven by a drawn seed
generated = st.integers(0, 2**32 - 1).map(lambda seed: fuzz.document(random.Random(seed), 2500))
texts = st.one_of(joined, generated)


def offsets_hold(text: str, quote: Quote) -> None:
    spans = [quote.content, quote.cue, quote.mention, quote.unresolved_mention]
    if quote.speaker is not None:
        spans.append(quote.speaker.mention)
    for span in filter(None, spans):
        assert 0 <= span.start <= span.end <= len(text), span
        assert text[span.start : span.end] == span.text, span
    assert quote.content.text
    assert quote.kind in QUOTE_KINDS and quote.method in METHODS
    assert 0.0 <= quote.confidence <= 1.0


@given(texts)
@example(CRASHES[0])
@example(CRASHES[1])
def test_extraction_never_raises_and_its_offsets_give_back_the_text(text):
    nlp = pipeline.load("en_quotes_sm")  # loaded once per process (lru_cache)
    doc = nlp(text)  # no Failure wrapper here: any exception fails the test
    for quote in doc._.quotes or []:
        offsets_hold(text, quote)


@given(texts)
@example(CRASHES[0])
def test_the_whole_per_article_path_never_raises_and_stores_true_offsets(text):
    """ingest -> pipeline -> speakers -> store -> export, as `quotes index` runs an article."""
    try:
        article = ingest.decode("fuzz.txt", text.encode("utf-8"))
    except ingest.BadInput:
        return  # empty, whitespace-only or NUL: refused with a message, which is no crash
    nlp = pipeline.load("en_quotes_sm")
    ((_, quotes),) = pipeline.find_quotes(nlp, [article])
    assert not isinstance(quotes, Failure), quotes.detail
    speakers = SpeakerIndex([])
    resolved = [(q, speakers.resolve(q.speaker) if q.speaker else None) for q in quotes]
    db = sqlite_utils.Database(memory=True)
    store.migrate(db)
    store.save_article(db, article, resolved)
    rows = list(store.quote_rows(db))
    assert len(rows) == len(quotes)
    stored = db.execute("select text from articles").fetchone()[0]
    assert stored == article.text
    for row in rows:
        for field, start, end in (
            ("text", "start", "end"),
            ("cue", "cue_start", "cue_end"),
            ("speaker_mention", "speaker_start", "speaker_end"),
        ):
            if row[start] is not None:
                assert stored[row[start] : row[end]] == row[field]
        # each record is one JSON line, whatever line separators the quote holds
        assert export.jsonl_line(dict(row)).count("\n") == 1
        assert len(export.jsonl_line(dict(row)).splitlines()) == 1

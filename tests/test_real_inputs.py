"""The new inputs through the real pipeline (en_quotes_sm).

Same text, same result: an article saved with Unix, Windows or old Mac line endings, or with a
byte order mark, gives the same quotes, speakers and attributions; only the offsets differ, and
they index each stored text. A hand-written page gives only its article's quotations.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from quotes import ingest, pipeline

SEED = Path(__file__).parents[1] / "seeds" / "000_73d82deead660970.txt"
PAGES = Path(__file__).parent / "pages"


@pytest.fixture(scope="module")
def nlp():
    return pipeline.load("en_quotes_sm")


def quotes_for(nlp, tmp_path: Path, data: bytes) -> tuple[str, list]:
    path = tmp_path / "article.txt"
    path.write_bytes(data)
    article = ingest.read_article(str(path))
    ((_, quotes),) = pipeline.find_quotes(nlp, [article])
    return article.text, quotes


def summary(quotes) -> list[tuple]:
    return [
        (
            q.content.text.replace("\r\n", "\n").replace("\r", "\n"),
            q.kind,
            q.cue.text if q.cue else None,
            q.speaker.name if q.speaker else None,
            q.speaker.mention.text if q.speaker and q.speaker.mention else None,
            q.method,
            round(q.confidence, 6),
        )
        for q in quotes
    ]


def test_line_endings_and_a_bom_change_only_offsets(nlp, tmp_path):
    text = SEED.read_text(encoding="utf-8")
    assert "\r" not in text
    _, expected = quotes_for(nlp, tmp_path, text.encode())
    assert len(expected) >= 5
    variants = {
        "crlf": text.replace("\n", "\r\n").encode(),
        "cr": text.replace("\n", "\r").encode(),
        "bom": b"\xef\xbb\xbf" + text.encode(),
        "bom-crlf": b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(),
    }
    for name, data in variants.items():
        stored, quotes = quotes_for(nlp, tmp_path, data)
        assert summary(quotes) == summary(expected), name
        for q in quotes:
            for span in (q.content, q.cue, q.speaker and q.speaker.mention):
                if span is not None:
                    assert stored[span.start : span.end] == span.text, name


def test_a_page_gives_only_its_articles_quotes(nlp):
    article = ingest.read_article(str(PAGES / "harbour.html"))
    ((_, quotes),) = pipeline.find_quotes(nlp, [article])
    own = article.text[: article.text.index("Subscribe to continue reading")]
    own += article.text[article.text.index("The council will publish") :]
    for quote in quotes:
        assert quote.content.text in own, quote.content.text
        assert article.text[quote.content.start : quote.content.end] == quote.content.text
    speakers = {q.content.text.strip(' ,"'): q.speaker.name for q in quotes if q.speaker}
    assert speakers["The harbour will reopen in spring"] == "Mara Quist"
    assert speakers["We have waited long enough"] == "Tomas Lind"
    assert not [q for q in quotes if "Unlock" in q.content.text or "scandal" in q.content.text]

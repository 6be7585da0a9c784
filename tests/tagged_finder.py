"""A stand-in for the NLP in speaker and statement tests: each quote says who spoke.

    "Words," said NAME [kind].          "Words," said NAME [kind; TITLE].

``kind`` is person, organization or group. The indexer, the store and the real
quotes.speakers.SpeakerIndex run as in production; only finding quotes is faked.
"""

from __future__ import annotations

import re

from quotes import indexer
from quotes.records import Quote, Span, SpeakerRef

TAGGED = re.compile(
    r'"(?P<q>[^"]+)," said (?P<who>[^\[]+?) \[(?P<kind>person|organization|group)'
    r"(?:; (?P<title>[^\]]+))?\]"
)


def tagged_quotes(text: str) -> list[Quote]:
    quotes = []
    for m in TAGGED.finditer(text):
        ref = SpeakerRef(
            name=m["who"],
            kind=m["kind"],
            title=m["title"],
            mention=Span(m.start("who"), m.end("who"), m["who"]),
        )
        quotes.append(
            Quote(
                content=Span(m.start("q"), m.end("q"), m["q"]),
                kind="direct",
                cue=Span(m.start() + len(m["q"]) + 4, m.start() + len(m["q"]) + 8, "said"),
                speaker=ref,
                method="explicit",
                confidence=0.9,
            )
        )
    return quotes


def make_finder(model, batch_size):
    def find_quotes(articles):
        for article in articles:
            yield article, tagged_quotes(article.text)

    return find_quotes


def use_tagged_finder(monkeypatch=None) -> None:
    """Fake only the quote finding (in this process, or through ``monkeypatch``)."""
    from quotes.speakers import SpeakerIndex

    def make_index(known, overrides=None):
        return SpeakerIndex(known, overrides)

    if monkeypatch is None:
        indexer.make_finder = make_finder
        indexer.make_speaker_index = make_index
    else:
        monkeypatch.setattr(indexer, "make_finder", make_finder)
        monkeypatch.setattr(indexer, "make_speaker_index", make_index)

"""Fixtures for the application shell: a stand-in for the NLP so indexing runs without a model.

The stand-ins follow the contract of quotes.pipeline.find_quotes and quotes.speakers.SpeakerIndex
closely enough for storage, CLI and Datasette tests; they are not meant to be good at NLP.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from quotes import indexer, ingest
from quotes.records import Quote, Span, Speaker, SpeakerRef

# "Words in quotes," said Firstname Lastname   /   "Words in quotes"   (no speaker)
NAME = r"[^\W\d_]\w*(?: [^\W\d_]\w*)*"
QUOTE = re.compile(rf'"(?P<q>[^"]+)"(?:,? (?P<cue>said|says) (?P<who>{NAME}))?')
ORGANIZATION_WORDS = {"Ministry", "Council", "International", "Agency"}


def fake_quotes(text: str) -> list[Quote]:
    quotes = []
    for m in QUOTE.finditer(text):
        ref = cue = None
        if m["who"]:
            words = set(m["who"].split())
            kind = "organization" if words & ORGANIZATION_WORDS else "person"
            ref = SpeakerRef(
                name=m["who"], kind=kind, mention=Span(m.start("who"), m.end("who"), m["who"])
            )
            cue = Span(m.start("cue"), m.end("cue"), m["cue"])
        quotes.append(
            Quote(
                content=Span(m.start("q"), m.end("q"), m["q"]),
                kind="direct",
                cue=cue,
                speaker=ref,
                method="explicit" if ref else "none",
                confidence=0.9 if ref else 0.0,
            )
        )
    return quotes


class FakeSpeakerIndex:
    """Merges mentions by name, case-insensitively; a surname alone joins a known full name."""

    def __init__(self, known: list[Speaker], overrides=None):
        self.speakers = list(known)

    def resolve(self, ref: SpeakerRef, article_id=None, source=None) -> Speaker:
        for speaker in self.speakers:
            names = [speaker.name.lower()] + [a.lower() for a in speaker.aliases]
            if ref.name.lower() in names or speaker.name.lower().endswith(" " + ref.name.lower()):
                return speaker
        speaker = Speaker(name=ref.name, kind=ref.kind)
        self.speakers.append(speaker)
        return speaker


@dataclass
class FakeNLP:
    """Records how the indexer used the pipeline."""

    loads: list[str] = field(default_factory=list)  # model names loaded
    seen: list[str] = field(default_factory=list)  # sources sent through the pipeline


@pytest.fixture
def fake_nlp(monkeypatch) -> FakeNLP:
    calls = FakeNLP()

    def make_finder(model, batch_size):
        calls.loads.append(model)

        def find_quotes(articles):
            # as quotes.pipeline.find_quotes does: read the normalised view, map offsets back
            for article in articles:
                calls.seen.append(article.source)
                view = ingest.view(article)
                yield article, [view.restore(q) for q in fake_quotes(view.text)]

        return find_quotes

    monkeypatch.setattr(indexer, "make_finder", make_finder)
    monkeypatch.setattr(indexer, "make_speaker_index", FakeSpeakerIndex)
    return calls


@pytest.fixture
def articles(tmp_path):
    """A directory of three small made-up articles; returns its path."""
    folder = tmp_path / "articles"
    (folder / "more").mkdir(parents=True)
    (folder / "a.txt").write_text(
        'Harbour plans approved\n\n"The harbour will reopen in spring," said Mara Quist.\n'
        '"We are delighted," says Quist.\n',
        encoding="utf-8",
    )
    (folder / "b.txt").write_text(
        'Council answers critics\n"No decision has been taken," said Harbour Council.\n'
        '"Wait and see."\n',
        encoding="utf-8",
    )
    (folder / "more" / "c.txt").write_text(
        'Ferry strike\n"The ferries stop tonight," said Tomas Lind.\n', encoding="utf-8"
    )
    (folder / "notes.md").write_text('"Not an article," said Nobody.\n', encoding="utf-8")
    return folder

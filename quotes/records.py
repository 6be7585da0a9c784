"""Plain records that cross module borders: text -> Doc -> quotes -> speakers -> rows.

Nothing here knows about spaCy, click or SQL, so every stage can be tested on its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

QUOTE_KINDS = ("direct", "indirect", "mixed")
METHODS = ("explicit", "pronoun", "nominal", "continuation", "none")
SPEAKER_KINDS = ("person", "organization", "group")
# What kind of attribution a quote is, read from its cue (see quotes.cues.CATEGORIES):
# what someone said or wrote, what they believe, where they stand, what a study found, or a
# cue no word list knows.
CATEGORIES = ("speech", "belief", "stance", "finding", "other")


@dataclass(frozen=True)
class Article:
    """One input file, its text exactly as decoded from UTF-8."""

    source: str  # the path as given on the command line
    text: str
    title: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Span:
    """Character offsets into an article's text; ``text == article.text[start:end]``."""

    start: int
    end: int
    text: str


@dataclass
class SpeakerRef:
    """Who the attribution stage says spoke, before speakers are merged across articles.

    ``name`` is the most informative in-text name for the speaker (a chain's proper name
    when a pronoun was resolved, "the Russian defence ministry" for "it").
    """

    name: str
    kind: str  # one of SPEAKER_KINDS
    title: str | None = None  # "Maj Gen", "Amnesty Senior Crisis Response Advisor"
    mention: Span | None = None  # the in-text mention the attribution came from
    members: tuple[str, ...] = ()  # for a group: the names it stands for


@dataclass
class Quote:
    """A quotation or reported statement in one article."""

    content: Span
    kind: str  # one of QUOTE_KINDS
    cue: Span | None = None
    speaker: SpeakerRef | None = None
    method: str = "none"  # one of METHODS
    confidence: float = 0.0
    # The cue's subject as written when it names no one the index can identify ("the
    # announcer", "sources", an unresolved "he"): still where the text says the words came from.
    unresolved_mention: Span | None = None
    category: str = "speech"  # one of CATEGORIES
    # The pieces of a quotation interrupted by its attribution ('"A," he said. "B."'), in text
    # order; ``content`` is the first. Empty means one piece, ``content`` itself.
    parts: tuple[Span, ...] = ()

    @property
    def pieces(self) -> tuple[Span, ...]:
        """Every piece of the quote in text order; ``(content,)`` for an uninterrupted one."""
        return self.parts or (self.content,)

    @property
    def mention(self) -> Span | None:
        """The in-text source of the quote: the speaker's mention, else the unresolved one."""
        if self.speaker is not None and self.speaker.mention is not None:
            return self.speaker.mention
        return self.unresolved_mention


@dataclass
class Speaker:
    """One real-world speaker across all articles."""

    name: str
    kind: str
    titles: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    id: int | None = None

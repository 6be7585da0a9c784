"""Plain records that cross module borders: text -> Doc -> quotes -> speakers -> rows.

Nothing here knows about spaCy, click or SQL, so every stage can be tested on its own.
"""

from __future__ import annotations

import hashlib
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

QUOTE_KINDS = ("direct", "indirect", "mixed")
METHODS = ("explicit", "pronoun", "nominal", "continuation", "none")
SPEAKER_KINDS = ("person", "organization", "group")


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

    def shifted(self, offset: int) -> Quote:
        """This quote with every offset moved by ``offset`` characters (found in a piece of a
        long text that starts there)."""
        if not offset:
            return self

        def move(span: Span | None) -> Span | None:
            return None if span is None else replace(span, start=span.start + offset,
                                                     end=span.end + offset)

        speaker = self.speaker
        if speaker is not None:
            speaker = replace(speaker, mention=move(speaker.mention))
        return replace(
            self,
            content=move(self.content),
            cue=move(self.cue),
            speaker=speaker,
            unresolved_mention=move(self.unresolved_mention),
        )

    @property
    def mention(self) -> Span | None:
        """The in-text source of the quote: the speaker's mention, else the unresolved one."""
        if self.speaker is not None and self.speaker.mention is not None:
            return self.speaker.mention
        return self.unresolved_mention


@dataclass(frozen=True)
class Failure:
    """What went wrong inside the indexer with one article, in place of its quotes.

    Plain strings, so a failure crosses process borders as easily as a list of quotes:
    ``reason`` is the short line a user sees, ``detail`` the traceback for ``--verbose``.
    """

    reason: str
    detail: str = ""

    @classmethod
    def of(cls, stage: str, error: BaseException) -> Failure:
        """The failure for ``error`` raised while ``stage`` ("finding quotes", "storing")."""
        detail = "".join(traceback.format_exception(error))
        frames = traceback.extract_tb(error.__traceback__)
        where = ""
        if frames:
            last = frames[-1]
            where = f" at {Path(last.filename).name}:{last.lineno} in {last.name}"
        message = " ".join(str(error).split())
        if len(message) > 200:
            message = message[:199] + "…"
        name = type(error).__name__
        return cls(f"internal error while {stage}: {name}: {message}{where}".rstrip(), detail)


@dataclass
class Speaker:
    """One real-world speaker across all articles."""

    name: str
    kind: str
    titles: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    id: int | None = None

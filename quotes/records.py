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
# What kind of attribution a quote is, read from its cue (see quotes.cues.CATEGORIES):
# what someone said or wrote, what they believe, where they stand, what a study found, or a
# cue no word list knows.
CATEGORIES = ("speech", "belief", "stance", "finding", "other")


# Article metadata columns, in the order the database and the export carry them.
METADATA_FIELDS = ("outlet", "published", "author", "url", "language")


@dataclass(frozen=True)
class Article:
    """One article as it will be indexed: its stored text, metadata and what to leave unread.

    ``text`` is what quote offsets index: a text file's characters as decoded from UTF-8, the
    extracted main text of an HTML page, the ``text`` field of a JSON Lines or CSV record.
    """

    source: str  # the path as given on the command line, a URL, or FILE#ID for a record
    text: str
    title: str | None = None
    outlet: str | None = None  # "The Coastal Gazette"
    published: str | None = None  # ISO 8601 date or date and time
    author: str | None = None
    url: str | None = None  # the article's canonical address
    language: str | None = None  # BCP 47 tag as the source gives it ("en", "en-GB")
    # SHA-256 of the original bytes (a page's HTML, a file with its sidecar); None: of text
    digest: str | None = None
    # (start, end) ranges of ``text`` that are not the article's own words (front matter,
    # subscription and "read more" lines): the pipeline never reads them, offsets still count them
    skip: tuple[tuple[int, int], ...] = ()
    # what reading it noticed that does not stop it being indexed (an unknown front-matter key)
    notes: tuple[str, ...] = ()
    # For a feed item's page: the item's guid and date in the feed (quotes.ingest.feeds.Item),
    # stored so that the next run of the same feed need not fetch the page again.
    feed_guid: str | None = None
    feed_updated: str | None = None

    @property
    def sha256(self) -> str:
        """What decides "unchanged": the original bytes' SHA-256, else the text's."""
        return self.digest or hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def metadata(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in METADATA_FIELDS}


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
        # a comprehension's frame ("<setcomp>") says less than the function holding it
        frames = [f for f in frames if not f.name.startswith("<")] or frames
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
    # Set for a generic description ("the company", "the union"): a speaker only within that
    # article, never merged with the same words in another one.
    article_id: int | None = None


@dataclass(frozen=True)
class SpeakerOverride:
    """An editor's decision about speakers, kept apart from the derived rows so that
    re-indexing applies it again.

    ``merge``: a name (its :func:`quotes.speakers.normalise` key) always means ``speaker_id``;
    only in the article ``source`` when that is set (a generic description's name).
    ``split``: in the article ``source``, what resolves to ``from_id`` (or, once that speaker
    is gone, a mention with the name ``key``) is ``speaker_id`` instead.
    """

    action: str  # "merge" or "split"
    speaker_id: int
    kind: str
    name: str  # the name the target speaker gets when it has to be created again
    key: str | None = None
    source: str | None = None
    from_id: int | None = None  # split


@dataclass(frozen=True)
class Wording:
    """One stored quote as the statement grouping (quotes.statements) sees it."""

    quote_id: int
    text: str
    speaker_id: int | None
    speaker_kind: str | None
    statement_id: int | None


# --- plain data, for a Doc that must survive Doc.to_bytes, DocBin and worker processes ----------


def _span_out(span: Span | None) -> list | None:
    return None if span is None else [span.start, span.end, span.text]


def _span_in(data: list | tuple | None) -> Span | None:
    return None if data is None else Span(int(data[0]), int(data[1]), str(data[2]))


def quote_to_dict(quote: Quote) -> dict:
    """``quote`` as lists, strings and numbers only (what msgpack and JSON can carry)."""
    ref = quote.speaker
    return {
        "content": _span_out(quote.content),
        "kind": quote.kind,
        "cue": _span_out(quote.cue),
        "speaker": None if ref is None else {
            "name": ref.name,
            "kind": ref.kind,
            "title": ref.title,
            "mention": _span_out(ref.mention),
            "members": list(ref.members),
        },
        "method": quote.method,
        "confidence": quote.confidence,
        "unresolved_mention": _span_out(quote.unresolved_mention),
        "category": quote.category,
        "parts": [_span_out(part) for part in quote.parts],
    }


def quote_from_dict(data: dict) -> Quote:
    """The ``Quote`` that :func:`quote_to_dict` wrote."""
    ref = data.get("speaker")
    return Quote(
        content=_span_in(data["content"]),
        kind=data["kind"],
        cue=_span_in(data.get("cue")),
        speaker=None if ref is None else SpeakerRef(
            name=ref["name"],
            kind=ref["kind"],
            title=ref.get("title"),
            mention=_span_in(ref.get("mention")),
            members=tuple(ref.get("members") or ()),
        ),
        method=data.get("method", "none"),
        confidence=float(data.get("confidence", 0.0)),
        unresolved_mention=_span_in(data.get("unresolved_mention")),
        category=data.get("category", "speech"),
        parts=tuple(_span_in(part) for part in data.get("parts") or ()),
    )

"""RSS and Atom feeds, through feedparser: each item's page is fetched and indexed.

feedparser (https://feedparser.readthedocs.io) reads every RSS and Atom dialect and their
dates. It is only given bytes: fetching stays with :mod:`quotes.ingest.fetch`, so a feed
obeys the same timeout and single attempt as a page. An item's own title, date and author,
and the feed's title as the outlet, stand in for what its page does not say.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from quotes.ingest import metadata
from quotes.ingest.text import BadInput


@dataclass(frozen=True)
class Item:
    """One page to fetch, from a feed, with the feed's metadata for it."""

    url: str
    feed: str  # the feed it came from (a URL or a path)
    fallback: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    # What the feed says identifies this version of the item: its guid (Atom id) and its date
    # (updated, else published). With the URL already indexed and these the same as stored,
    # the page is not fetched again (see quotes.indexer).
    guid: str | None = field(default=None, hash=False, compare=False)
    updated: str | None = field(default=None, hash=False, compare=False)

    def __str__(self) -> str:
        return self.url


def is_feed(data: bytes) -> bool:
    """Whether ``data`` looks like an RSS or Atom document."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml"):
        head = head[head.find(b"?>") + 2 :].lstrip()
        while head.startswith(b"<!--") or head.startswith(b"<?"):
            head = head[head.find(b">") + 1 :].lstrip()
    return head.startswith((b"<rss", b"<feed", b"<rdf:rdf"))


def items(source: str, data: bytes) -> list[Item]:
    """The items of the feed in ``data`` that link to a page, in feed order, each once."""
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.entries and (parsed.bozo or not parsed.version):
        reason = getattr(parsed, "bozo_exception", None) or "no RSS or Atom items"
        raise BadInput(source, f"not a readable feed ({reason})")
    outlet = parsed.feed.get("title")
    found: dict[str, Item] = {}
    for entry in parsed.entries:
        link = entry.get("link")
        if not link or not link.lower().startswith(("http://", "https://")) or link in found:
            continue
        values = {
            "title": entry.get("title"),
            "author": entry.get("author"),
            "outlet": outlet,
            "published": _date(entry),
            "url": link,
        }
        fallback, _ = metadata.clean({k: v for k, v in values.items() if v}, "feed")
        found[link] = Item(
            url=link, feed=source, fallback=fallback, guid=entry.get("id") or None,
            updated=_version_date(entry),
        )  # fmt: skip
    return list(found.values())


def _version_date(entry: Any) -> str | None:
    """The item's updated date, else its published date, as the feed gives it (ISO 8601 in
    UTC when feedparser could read it, else the feed's own string)."""
    # dict.get: feedparser's own get() maps a missing "updated" to "published" with a
    # DeprecationWarning, a fallback it says it will drop
    for key in ("updated", "published"):
        parsed = dict.get(entry, f"{key}_parsed")
        if parsed:
            return dt.datetime.fromtimestamp(calendar.timegm(parsed), tz=dt.timezone.utc).isoformat()
        raw = dict.get(entry, key)
        if raw:
            return str(raw).strip() or None
    return None


def _date(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            # feedparser gives UTC struct_time
            moment = dt.datetime.fromtimestamp(calendar.timegm(parsed), tz=dt.timezone.utc)
            return moment.isoformat()
    return None

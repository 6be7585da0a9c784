"""HTML pages: the article's main text and its metadata, through trafilatura.

trafilatura (https://trafilatura.readthedocs.io) is a maintained extractor built for news
pages: it drops navigation, scripts, adverts, comments and footers, and reads the title, site
name, date, author and canonical URL from a page's meta tags and JSON-LD. The stored text is
its extracted text, one paragraph a line, so quote offsets index that text; the page's bytes
still decide whether it changed. Subscription and "read more" lines that survive extraction
are caught by the same boilerplate filter as text files.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from typing import Any
from urllib.parse import urlparse

from quotes.ingest import metadata
from quotes.ingest.text import BadInput, article_of, text_of
from quotes.records import Article

CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.I)


def is_html(data: bytes) -> bool:
    """Whether ``data`` looks like an HTML page (for standard input and URLs)."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<body", b"<!--"))


def unzip(source: str, data: bytes) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError) as error:
        raise BadInput(source, f"not a readable gzip file ({error})") from error


def decode(
    source: str,
    data: bytes,
    url: str | None = None,
    extra: dict[str, Any] | None = None,
    fallback: dict[str, Any] | None = None,
    charset: str | None = None,
) -> Article:
    """The Article for a page's bytes. ``url`` is where it was fetched from; ``extra``
    (a sidecar) wins over the page's metadata and ``fallback`` (a feed item's) loses to it;
    ``charset`` is the one an HTTP server declared."""
    import trafilatura

    html, notes = _html_text(source, data, charset)
    # Precision first (less of the page's furniture); a short page it finds nothing in is
    # read again with trafilatura's defaults before giving up.
    for precision in (True, False):
        page = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=precision,
        )
        text = getattr(page, "text", None) if page is not None else None
        if text and text.strip():
            break
    if not text or not text.strip():
        raise BadInput(source, "no article text found in this HTML page")
    found = {
        "title": page.title,
        # trafilatura puts the host name here when the page names no site: that is our last
        # resort (below), after a feed's title
        "outlet": page.sitename if page.sitename != page.hostname else None,
        "published": page.date,
        "author": page.author,
        "url": page.url or url,
        "language": page.language or _language(html),
    }
    fields, problems = metadata.clean({k: v for k, v in found.items() if v}, "page")
    notes += problems
    for key, value in (fallback or {}).items():
        fields.setdefault(key, value)
    fields.update(extra or {})
    if not fields.get("outlet") and fields.get("url"):
        # no site name anywhere, nor a feed title: the host names the outlet well enough to facet
        fields["outlet"] = urlparse(fields["url"]).hostname
    language = fields.get("language")
    if language and not language.lower().startswith("en"):
        notes.append(f"the page's language is {language!r}; the pipeline reads English")
    return article_of(source, text, hashlib.sha256(data).hexdigest(), fields, notes)


def _html_text(source: str, data: bytes, charset: str | None = None) -> tuple[str, list[str]]:
    """The page as text: in the charset its server or its <meta> declares, else UTF-8, else
    as detected (with a warning, since characters may come out wrong)."""
    declared = CHARSET.search(data[:4096])
    encoding = (charset or (declared[1].decode("ascii") if declared else "utf-8")).lower()
    if encoding not in ("utf-8", "utf8"):
        try:
            return data.decode(encoding), []
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return text_of(source, data), []
    except BadInput as bad:
        if "UTF-8" not in bad.reason:
            raise
    from trafilatura.utils import decode_file

    said = f"is not in the character set it declares ({encoding})"
    if not charset and not declared:
        said = "is not UTF-8 and declares no character set"
    return decode_file(data), [f"page {said}; decoded as detected, check accented letters"]


def _language(html: str) -> str | None:
    """The page's own language tag: <html lang="en-GB">, else og:locale."""
    found = re.search(r"<html[^>]*\slang=[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)", html, re.I)
    if found:
        return found[1]
    found = re.search(r"property=[\"']og:locale[\"'][^>]*content=[\"']([\w-]+)", html, re.I)
    return found[1] if found else None

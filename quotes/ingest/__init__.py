"""Turn PATH arguments into Articles: the text that will be indexed, with its metadata.

Inputs (see README, "What `quotes index` reads"):

- text files (``.txt``, and a file of any other name given by name), with an optional
  front-matter block or a sidecar ``NAME.meta.json`` / ``NAME.meta.yml``: :mod:`.text`;
- HTML pages (``.html``, ``.htm``, also gzipped), through trafilatura: :mod:`.html`;
- JSON Lines and CSV files of articles, named on the command line: :mod:`.records`;
- ``http(s)://`` URLs, fetched once each with a timeout: :mod:`.fetch`;
- RSS and Atom feeds (``--feed``), whose items' pages are fetched: :mod:`.feeds`;
- ``-``, standard input, holding any of the above formats but a feed.

Everything that is not the article's own words and must stay in the stored text (a front-matter
block, subscription and "read more" lines: :mod:`.boilerplate`) is listed in ``Article.skip``;
:mod:`.view` gives the pipeline the text without it, line breaks normalised, and maps offsets
back. A source that cannot be read gives a :class:`BadInput` naming it, and the run goes on.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from quotes.ingest import feeds, fetch, html, metadata, records
from quotes.ingest.feeds import Item
from quotes.ingest.text import BadInput, decode, title_of, warnings
from quotes.ingest.view import View, view
from quotes.records import Article

__all__ = [
    "Article",
    "BadInput",
    "Item",
    "Source",
    "View",
    "decode",
    "expand",
    "read",
    "read_article",
    "source_name",
    "title_of",
    "view",
    "warnings",
]

SUFFIX = ".txt"
# what a directory is searched for; JSON Lines and CSV files are read only when named, since a
# folder of articles may hold other tables
ARTICLE_SUFFIXES = (".txt", ".html", ".htm", ".html.gz", ".htm.gz", ".txt.gz")
HTML_SUFFIXES = (".html", ".htm")
SIDECAR_SUFFIXES = (".meta.json", ".meta.yml", ".meta.yaml")
STDIN = "-"
STDIN_SOURCE = "<stdin>"

# A path, a URL, "-", or a feed item to fetch.
Source = str | Item


def source_name(path: str | os.PathLike[str]) -> str:
    """The name the index records a file under: one name per file, however it was spelled.

    Symbolic links and ``.``/``..`` are resolved; the name is relative to the current
    directory when the file is inside it (``seeds/000.txt``), else absolute
    (``/data/news/000.txt``), with ``/`` between parts. So ``arts``, ``./arts/../arts`` and
    the absolute path of ``arts`` give every file in it the same name.
    """
    real = Path(os.path.realpath(path))
    try:
        return real.relative_to(os.path.realpath(os.getcwd())).as_posix()
    except ValueError:
        return real.as_posix()


def not_regular(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` (which exists) is not a regular file to read, or None if it is one.

    A FIFO would block the reader forever waiting for a writer, and a device or socket is no
    article, so only regular files (or links to them) are read.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        return error.strerror or str(error)
    if stat.S_ISREG(mode):
        return None
    kind = (
        "a FIFO (named pipe)"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "not a file"
    )
    return f"not a regular file: {kind}; only regular files are read"


def expand(
    paths: Iterable[str], feed_args: Iterable[str] = (), fetcher: fetch.Fetcher | None = None
) -> tuple[list[Source], list[BadInput]]:
    """What to read for these PATH and ``--feed`` arguments, in order, and the bad ones.

    A file argument is taken whatever its name; URLs and ``-`` as given. A directory
    contributes every article file below it (``.txt``, ``.html``, ``.htm``, gzipped too),
    recursively, sorted by path. A feed contributes its items' page URLs. Arguments keep their
    command-line order and a source reached twice, however spelled, is read once. Each file
    is named by :func:`source_name`, which is what the index records as its source. Anything
    that is not a regular file (a FIFO, a device, a socket) is reported instead of read.
    """
    found: list[Source] = []
    problems: list[BadInput] = []
    for given in paths:
        if given == STDIN or fetch.is_url(given):
            found.append(given)
            continue
        path = Path(given)
        if path.is_dir():
            files, others, special = [], Counter(), []
            for p in path.rglob("*"):
                if p.is_dir():
                    continue
                if not p.is_file():
                    if _article_suffix(p.name):
                        why = not_regular(p)
                        special.append(BadInput(source_name(p), why or "not a regular file"))
                    continue
                if _article_suffix(p.name):
                    files.append(source_name(p))
                elif not p.name.endswith(SIDECAR_SUFFIXES):
                    others["".join(p.suffixes[-1:]) or p.name] += 1
            problems.extend(sorted(special, key=lambda bad: bad.source))
            if not files and not special:
                reason = "directory has no .txt or .html files"
                if others:
                    kinds = ", ".join(k for k, _ in others.most_common(5))
                    reason += (
                        f" ({sum(others.values())} other files skipped: {kinds}; a JSON Lines "
                        "or CSV file is read when named, a feed with --feed)"
                    )
                problems.append(BadInput(given, reason))
            found.extend(sorted(files))
        elif path.exists():
            why = not_regular(path)
            if why:
                problems.append(BadInput(given, why))
            else:
                found.append(source_name(path))
        else:
            problems.append(BadInput(given, "no such file or directory"))
    fetcher = fetcher or fetch.Fetcher()
    for feed in feed_args:
        try:
            data = fetcher.get(feed).data if fetch.is_url(feed) else _read_bytes(feed)
            items = feeds.items(feed, data)
        except BadInput as bad:
            problems.append(bad)
            continue
        if not items:
            problems.append(BadInput(feed, "feed has no items linking to a page"))
        found.extend(items)
    # Keyed by what is read: a feed item by its page's URL, so a page listed in two feeds, or
    # given as a URL too, is fetched and stored once (the first time it is reached).
    unique: dict[str, Source] = {}
    for source in found:
        unique.setdefault(str(source), source)
    return list(unique.values()), problems


def _article_suffix(name: str) -> bool:
    return name.lower().endswith(ARTICLE_SUFFIXES)


def read(source: Source, fetcher: fetch.Fetcher | None = None) -> Iterator[Article | BadInput]:
    """The articles in one source (several for a JSON Lines or CSV file), or what is wrong.

    Never raises :class:`BadInput`: a problem is yielded, so that one bad record in a file of
    articles stops only itself.
    """
    try:
        yield from _read(source, fetcher or fetch.Fetcher())
    except BadInput as bad:
        yield bad


def read_article(source: Source, fetcher: fetch.Fetcher | None = None) -> Article:
    """The one article in ``source``, or :class:`BadInput` saying what is wrong with it."""
    for found in read(source, fetcher):
        if isinstance(found, BadInput):
            raise found
        return found
    raise BadInput(str(source), "no article found")


def _read(source: Source, fetcher: fetch.Fetcher) -> Iterator[Article | BadInput]:
    if isinstance(source, Item):
        page = fetcher.get(source.url)
        article = _from_page(source.url, page, source.fallback)
        yield _amend(article, feed_guid=source.guid, feed_updated=source.updated)
        return
    if fetch.is_url(source):
        page = fetcher.get(source)
        if feeds.is_feed(page.data):
            raise BadInput(source, f"this is an RSS/Atom feed; index it with --feed {source}")
        yield _from_page(source, page)
        return
    if source == STDIN:
        data = sys.stdin.buffer.read()
        yield from _sniffed(STDIN_SOURCE, data)
        return
    data = _read_bytes(source)
    name = source.lower()
    if name.endswith(".gz"):
        data = html.unzip(source, data)
        name = name[: -len(".gz")]
    if name.endswith((".jsonl", ".ndjson", ".csv")):
        yield from records.read(source, data, csv_format=name.endswith(".csv"))
        return
    extra, sidecar, notes = _sidecar(source)
    digest = hashlib.sha256(data + sidecar).hexdigest()
    if name.endswith(HTML_SUFFIXES) or (not name.endswith(SUFFIX) and html.is_html(data)):
        article = html.decode(source, data, extra=extra)
        article = _amend(article, digest=digest, notes=(*notes, *article.notes))
    elif not name.endswith(SUFFIX) and feeds.is_feed(data):
        raise BadInput(source, f"this is an RSS/Atom feed; index it with --feed {source}")
    else:
        article = decode(source, data, extra=extra, digest=digest)
        article = _amend(article, notes=(*notes, *article.notes))
    yield article


def _sniffed(source: str, data: bytes) -> Iterator[Article | BadInput]:
    """Standard input holds JSON Lines, an HTML page or text: told apart by how it starts."""
    if records.is_jsonl(data):
        yield from records.read(source, data, csv_format=False)
    elif html.is_html(data):
        yield html.decode(source, data)
    elif feeds.is_feed(data):
        raise BadInput(source, "standard input is an RSS/Atom feed; save it and use --feed FILE")
    else:
        yield decode(source, data, digest=hashlib.sha256(data).hexdigest())


def _from_page(source: str, page: fetch.Page, fallback: dict[str, Any] | None = None) -> Article:
    if page.content_type == "text/plain":
        article = decode(source, page.data, digest=hashlib.sha256(page.data).hexdigest())
        values = {**(fallback or {}), "url": page.url}
        return _amend(article, **{k: v for k, v in values.items() if k != "title"})
    if page.content_type not in ("text/html", "application/xhtml+xml") and not html.is_html(
        page.data
    ):
        raise BadInput(source, f"not a web page ({page.content_type})")
    return html.decode(source, page.data, url=page.url, fallback=fallback, charset=page.charset)


def _amend(article: Article, **changes: Any) -> Article:
    from dataclasses import replace

    return replace(article, **changes)


def _read_bytes(source: str) -> bytes:
    """The bytes of a regular file. It is opened without blocking and checked to be a regular
    file before it is read, so a FIFO (put in place of a file after :func:`expand` looked, or
    a feed file given by name) cannot hang the run."""
    try:
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise BadInput(source, error.strerror or str(error)) from error
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise BadInput(source, not_regular(source) or "not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    except OSError as error:
        raise BadInput(source, error.strerror or str(error)) from error
    finally:
        os.close(fd)


def sidecar_path(source: str) -> Path | None:
    """The metadata file beside ``source``: ``a.txt`` -> ``a.meta.json`` (or ``.meta.yml``)."""
    path = Path(source)
    stem = path.name
    for suffix in (".gz", *ARTICLE_SUFFIXES):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    for suffix in SIDECAR_SUFFIXES:
        candidate = path.with_name(stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def _sidecar(source: str) -> tuple[dict[str, str], bytes, list[str]]:
    """A sidecar's metadata, its bytes (part of the article's digest) and warnings about it."""
    path = sidecar_path(source)
    if path is None:
        return {}, b"", []
    data = path.read_bytes()
    where = f"sidecar {path.name}"
    try:
        text = data.decode("utf-8-sig")
        values = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as error:
        return {}, data, [f"{where} not read ({str(error).splitlines()[0]})"]
    if not isinstance(values, dict):
        return {}, data, [f"{where} not read (it should map field names to values)"]
    found, problems = metadata.clean(values, where)
    return found, data, problems

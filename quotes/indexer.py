"""Index files into the database: ingest -> pipeline -> speakers -> store, one article at a time.

This is what ``quotes index`` runs, as plain Python. The spaCy pipeline is loaded at most once
per call, and only when some file actually needs processing, so re-indexing unchanged files is
instant.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

from quotes import ingest, store, workers
from quotes.ingest import fetch
from quotes.records import Article, Failure, Quote, Speaker, SpeakerOverride

if TYPE_CHECKING:
    from quotes.speakers import SpeakerIndex

Finder = Callable[[Iterable[Article]], Iterator[tuple[Article, list[Quote] | Failure]]]


# The spaCy pipeline could not be loaded; the message says how to install it.
PipelineUnavailable = workers.PipelineUnavailable

# The two hooks below import the NLP modules only when called, so `quotes --help`, `export`
# and `serve` never pay for importing spaCy; tests replace them to run without a model.


def make_finder(model: str, batch_size: int) -> Finder:
    """What finds quotes in one process; every worker process makes its own."""
    return workers.pipeline_finder(model, batch_size)


def make_speaker_index(
    known: list[Speaker], overrides: list[SpeakerOverride] | None = None
) -> SpeakerIndex:
    from quotes.speakers import SpeakerIndex

    return SpeakerIndex(known, overrides)


def group_statements(db, new_quote_ids: list[int], old_statement_ids: set[int]) -> None:
    """Attach an article's new quotes to the statements they report (quotes.statements)."""
    from quotes import statements

    statements.update(db, new_quote_ids, old_statement_ids)


@dataclass
class Problem:
    source: str
    message: str
    detail: str = ""  # a traceback, for an internal error (shown with `quotes index --verbose`)

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass
class Summary:
    files: int = 0  # files found under the PATH arguments
    indexed: int = 0
    unchanged: int = 0
    failed: list[Problem] = field(default_factory=list)  # files (or paths) not indexed
    warnings: list[Problem] = field(default_factory=list)  # files indexed despite a problem
    quotes: int = 0  # quotes written by this run
    pruned: list[str] | None = None  # with prune: sources removed because their file is gone
    totals: dict[str, int] = field(default_factory=dict)  # rows in the database afterwards

    @property
    def ok(self) -> bool:
        return not self.failed

    def describe(self) -> str:
        totals = ", ".join(f"{n} {table}" for table, n in self.totals.items())
        return (
            f"{self.files} files: {self.indexed} indexed, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed"
            + (f", {len(self.pruned)} pruned" if self.pruned is not None else "")
            + f"; {self.quotes} quotes written. Database now holds {totals}."
        )


def index_paths(
    paths: Iterable[str],
    db_path: str | Path,
    model: str = "en_quotes_sm",
    force: bool = False,
    batch_size: int = 16,
    progress_callback: Callable[[str], None] | None = None,
    feeds: Iterable[str] = (),
    timeout: float = fetch.DEFAULT_TIMEOUT,
    on_total: Callable[[int], None] | None = None,
    prune: bool = False,
    n_workers: int = 1,
    cluster: str | object | None = None,
) -> Summary:
    """Index the articles named by ``paths`` and ``feeds`` into the database at ``db_path``.

    ``paths`` are files, directories, URLs or ``-`` (standard input); ``feeds`` are RSS or Atom
    feeds (URLs or files) whose items' pages are fetched, each URL once with ``timeout``.
    A file whose bytes are unchanged since it was last indexed is skipped unless ``force``;
    so is a feed item whose URL is indexed with the guid and date the feed gives it now, and
    its page is not even fetched.
    A source that cannot be read, or on which any stage fails (the spaCy pipeline, quote
    extraction, speaker resolution, storing), is recorded in ``Summary.failed`` and the run
    carries on: each article is saved in its own transaction, so a failure leaves every row
    already stored as it was, that article's earlier rows included.
    ``progress_callback`` is called with each source once that source is done, ``on_total``
    once with how many sources there are.

    Files are recorded under :func:`ingest.source_name`; rows an older quotes recorded under
    an absolute path inside the current directory are renamed to it first. With ``prune``,
    articles under the ``paths`` whose files are gone are deleted afterwards
    (:func:`gone_under`), listed in ``Summary.pruned``.

    Quotes are found by ``n_workers`` processes of this machine (each loading the pipeline
    once), or by the Dask cluster at ``cluster`` (a scheduler address or a cluster object);
    this process alone writes, article by article in input order, so the rows are the same
    whatever the engine. Articles are read as the workers need them: memory does not grow
    with the number of files.
    """
    paths = list(paths)
    fetcher = fetch.Fetcher(timeout=timeout)
    files, bad_paths = ingest.expand(paths, feeds, fetcher)
    if on_total:
        on_total(len(files))
    summary = Summary(files=len(files))
    summary.failed.extend(Problem(bad.source, bad.reason) for bad in bad_paths)
    done = progress_callback or (lambda source: None)
    db = store.open_db(db_path)
    try:
        store.rename_sources(db, legacy_names(store.sources(db)))
        if store.statements_pending(db):
            # an index written before statements existed: group what it holds first
            store.group_all(db, group_statements)
        known = store.article_hashes(db)
        # A feed item whose page is indexed, with the guid and date the feed gives now, is not
        # fetched: a feed re-run hourly would otherwise download every page every hour.
        fed = {} if force else store.feed_items(db)
        finishing: dict[str, str] = {}  # an article's source -> the input it ends

        def fail(source: str, failure: Failure) -> None:
            summary.failed.append(Problem(source, failure.reason, failure.detail))

        def finished(article: Article) -> None:
            if article.source in finishing:
                done(finishing.pop(article.source))

        def to_process() -> Iterator[Article]:
            for source in files:
                if isinstance(source, ingest.Item) and fed.get(source.url, ()) == (
                    source.guid,
                    source.updated,
                ):
                    summary.unchanged += 1
                    done(str(source))
                    continue
                # one file of records holds many articles; each bad one is its own problem
                todo = []
                try:
                    for article in ingest.read(source, fetcher):
                        if isinstance(article, ingest.BadInput):
                            summary.failed.append(Problem(article.source, article.reason))
                        elif not force and known.get(article.source) == article.sha256:
                            summary.unchanged += 1
                            if isinstance(source, ingest.Item):
                                # fetched for a new guid or date, but the page is the same
                                store.note_feed_item(
                                    db, article.source, source.guid, source.updated
                                )
                        else:
                            todo.append(article)
                except Exception as error:
                    # a bug in reading one source costs that source only
                    fail(str(source), Failure.of("reading the file", error))
                if not todo:
                    done(str(source))
                    continue
                finishing[todo[-1].source] = str(source)  # done once its last article is saved
                for article in todo:
                    summary.warnings.extend(
                        Problem(article.source, w) for w in ingest.warnings(article)
                    )
                    yield article

        articles = to_process()
        first = next(articles, None)
        if first is not None:
            find_quotes = _engine(model, batch_size, n_workers, cluster, len(files))
            # Speakers are merged inside each article's write transaction against the rows
            # the database holds then, not a copy loaded here: another `quotes index` may be
            # writing to the same database.
            speakers = store.SpeakerCache(make_speaker_index)
            for article, quotes in find_quotes(chain([first], articles)):
                if isinstance(quotes, Failure):
                    fail(article.source, quotes)
                    finished(article)
                    continue
                try:
                    store.index_article(db, article, quotes, speakers, group_statements)
                except store.ResolvingFailed as error:
                    fail(article.source, Failure.of("resolving speakers", error.error))
                    finished(article)
                    continue
                except store.Busy as error:  # no bug: another writer kept the lock too long
                    fail(article.source, Failure(str(error)))
                    finished(article)
                    continue
                except Exception as error:
                    fail(article.source, Failure.of("storing", error))
                    finished(article)
                    continue
                summary.indexed += 1
                summary.quotes += len(quotes)
                finished(article)
        if prune:
            summary.pruned = gone_under(paths, store.sources(db))
            store.delete_articles(db, summary.pruned)
        # Every run, even one that found nothing to do: a crash (or another process's article
        # dropping someone's last quote) can leave speakers without quotes.
        store.prune_speakers(db)
        summary.totals = store.counts(db)
    finally:
        db.close()
    return summary


def legacy_names(sources: Iterable[str]) -> dict[str, str]:
    """Sources recorded before names were normalised that :func:`ingest.source_name` now
    spells otherwise: an absolute path inside the current directory, a path through a
    symbolic link. Only absolute paths are checked (a relative one was normalised by the
    schema migration, and resolving it here would depend on where quotes runs)."""
    renames = {}
    for source in sources:
        if os.path.isabs(source):
            name = ingest.source_name(source)
            if name != source:
                renames[source] = name
    return renames


def gone_under(paths: Iterable[str], sources: Iterable[str]) -> list[str]:
    """The sources inside the ``paths`` (files, or directories searched recursively) whose
    file is no longer a regular file. A directory that does not exist prunes nothing: a
    mistyped or unmounted folder must not empty the index."""
    scopes: list[str] = []
    exact: set[str] = set()
    for given in paths:
        if os.path.isdir(given):
            name = ingest.source_name(given)
            scopes.append("" if name == "." else name.rstrip("/") + "/")
        else:  # a file, or a path that is gone (a missing folder matches no source)
            exact.add(ingest.source_name(given))
    gone = []
    for source in sources:
        path = file_of(source)
        if path is None:
            continue
        inside = path in exact or any(
            path.startswith(scope) if scope else not os.path.isabs(path) for scope in scopes
        )
        if inside and not os.path.isfile(path):
            gone.append(source)
    return gone


# "articles.jsonl#a17" and "articles.csv:4" are records of a file of articles
_RECORD = re.compile(r"(#[^/]*|:\d+)$")


def file_of(source: str) -> str | None:
    """The file an article's source was read from, or None when it was not read from a file
    (a URL, standard input): ``articles.jsonl#a17`` was read from ``articles.jsonl``."""
    if "://" in source or source.startswith("<"):
        return None
    return source if os.path.isfile(source) else _RECORD.sub("", source)


def prune(db_path: str | Path, dry_run: bool = False) -> list[str]:
    """Delete every article whose file is gone (its source, read from the current
    directory, is no longer a file), with its quotes and the speakers left without quotes.
    With ``dry_run``, only say which. Sources that are URLs are kept."""
    db = store.open_db(db_path, create=False)
    try:
        if not dry_run:
            store.rename_sources(db, legacy_names(store.sources(db)))
        gone = [
            source
            for source in store.sources(db)
            if (path := file_of(source)) is not None and not os.path.isfile(path)
        ]
        if not dry_run:
            store.delete_articles(db, gone)
        return gone
    finally:
        db.close()


def _engine(
    model: str, batch_size: int, n_workers: int, cluster: str | object | None, n_files: int
) -> Finder:
    """The finder for this run: in this process, a local pool, or a Dask cluster."""
    if cluster is not None:
        return workers.cluster_finder(cluster, model, batch_size, factory=make_finder)
    # A worker with no batch of its own would only load the pipeline for nothing.
    batches = -(-n_files // batch_size)
    n_workers = min(n_workers, batches)
    if n_workers <= 1:
        return make_finder(model, batch_size)
    # Each task is one batch of the in-process run, so the same batches give the same rows
    # whatever the number of workers.
    return workers.pool_finder(model, batch_size, n_workers, factory=make_finder)

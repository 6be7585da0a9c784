"""The ``quotes`` command: a thin click layer over indexer, export and store."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import click

from quotes import __version__, export, indexer, ingest, store, workers
from quotes.ingest import fetch

DEFAULT_DB = "db/quotes.db"

db_option = click.option(
    "--db",
    "db_path",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite database holding the index.",
)


def existing_db(db_path: str) -> str:
    if not Path(db_path).exists():
        raise click.ClickException(
            f"no database at {db_path}; create it with: quotes index PATH... --db {db_path}"
        )
    return db_path


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="quotes")
def cli() -> None:
    """Find quotations in news articles, attribute them to speakers, publish the index.

    \b
    Typical use:
        quotes index articles/      # every .txt and .html file in a folder
        quotes index https://example.com/news/story.html --feed https://example.com/rss
        quotes serve                # browse them with Datasette
        quotes export > quotes.jsonl
    """


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@db_option
@click.option(
    "--model",
    default="en_quotes_sm",
    show_default=True,
    help="spaCy pipeline to use: an installed package name or a path to a pipeline directory.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Re-index articles even if they are unchanged (feed items' pages are fetched again).",
)
@click.option(
    "--batch-size",
    default=16,
    show_default=True,
    type=click.IntRange(min=1),
    help="Articles per batch sent through the spaCy pipeline.",
)
@click.option(
    "--feed",
    "feeds",
    multiple=True,
    metavar="URL_OR_FILE",
    help=(
        "An RSS or Atom feed: each item's page is fetched and indexed, unless it is indexed"
        " already with the same guid and date. Repeatable."
    ),
)
@click.option(
    "--timeout",
    default=fetch.DEFAULT_TIMEOUT,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds to wait for a web server (URLs and feeds; one attempt each, no retries).",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Also delete the articles under the PATHs whose files are gone.",
)
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="With an internal error on a file, print its Python traceback too.",
)
@click.option(
    "--workers",
    "n_workers",
    default=workers.default_workers(),
    show_default="this machine's cores",
    envvar="QUOTES_WORKERS",
    show_envvar=True,
    type=click.IntRange(min=1),
    help="Processes finding quotes, each loading the pipeline once; one process writes the "
    "database. 1 runs everything in this process.",
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    default=None,
    help="Find quotes on the Dask distributed cluster whose scheduler is at ADDRESS "
    "(tcp://host:8786) instead of local processes; this process still writes the database.",
)
def index(
    paths: tuple[str, ...],
    db_path: str,
    model: str,
    force: bool,
    batch_size: int,
    feeds: tuple[str, ...],
    timeout: float,
    prune: bool,
    verbose: bool,
    n_workers: int,
    cluster: str | None,
) -> None:
    """Find and attribute the quotes in articles: files, directories, web pages and feeds.

    \b
    Each PATH is one of:
      - a text file (.txt, or any file given by name), optionally with a
        front-matter block or a NAME.meta.json / NAME.meta.yml sidecar;
      - an HTML page (.html, .htm, also .gz): its main text and metadata;
      - a JSON Lines (.jsonl) or CSV (.csv) file of articles, one per record;
      - a directory, searched recursively for .txt, .html and .htm files;
      - an http:// or https:// URL, fetched once;
      - "-", standard input (text, HTML or JSON Lines).

    Articles whose bytes have not changed since they were last indexed are skipped, so running
    the same command again is cheap and leaves the database as it was. A source that cannot be
    read (missing, empty, binary, not UTF-8, a URL that fails), or on which the indexer itself
    fails, is reported as "error: SOURCE: reason" and the others are still indexed; the exit
    status is then 1. Several `quotes index` may write to one database at once: speakers are
    merged against the database inside each article's transaction.
    """
    if not paths and not feeds:
        raise click.UsageError("give at least one PATH or --feed")
    # Library warnings (no coreference for this model, ...) read like the per-file ones.
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, *args, **kwargs: click.secho(
            f"warning: {message}", fg="yellow", err=True
        )
        summary = _run_index(
            paths, db_path, model, force, batch_size, feeds, timeout, prune, n_workers, cluster
        )
    for problem in summary.warnings:
        click.secho(f"warning: {problem}", fg="yellow", err=True)
    for source in summary.pruned or []:
        click.echo(f"pruned: {source}: file is gone", err=True)
    for problem in summary.failed:
        click.secho(f"error: {problem}", fg="red", err=True)
        if verbose and problem.detail:
            click.echo(problem.detail.rstrip("\n"), err=True)
    if not verbose and any(problem.detail for problem in summary.failed):
        click.echo("(rerun with --verbose for the tracebacks of internal errors)", err=True)
    click.echo(summary.describe(), err=True)
    if not summary.ok:
        sys.exit(1)


def _run_index(
    paths: tuple[str, ...],
    db_path: str,
    model: str,
    force: bool,
    batch_size: int,
    feeds: tuple[str, ...] = (),
    timeout: float = fetch.DEFAULT_TIMEOUT,
    prune: bool = False,
    n_workers: int = 1,
    cluster: str | None = None,
) -> indexer.Summary:
    options = dict(feeds=feeds, timeout=timeout, prune=prune, n_workers=n_workers, cluster=cluster)
    try:
        if sys.stderr.isatty():
            with click.progressbar(
                length=1, label="Indexing", file=sys.stderr, show_pos=True
            ) as bar:

                def on_total(total: int) -> None:
                    bar.length = max(total, 1)

                return indexer.index_paths(
                    paths,
                    db_path,
                    model,
                    force,
                    batch_size,
                    lambda source: bar.update(1),
                    on_total=on_total,
                    **options,
                )
        return indexer.index_paths(paths, db_path, model, force, batch_size, **options)
    except (indexer.PipelineUnavailable, store.SchemaError, store.Busy) as error:
        raise click.ClickException(str(error)) from error


@cli.command("prune")
@db_option
@click.option("--dry-run", is_flag=True, help="Only list the articles that would be deleted.")
def prune_command(db_path: str, dry_run: bool) -> None:
    """Delete the articles whose files are gone, with their quotes.

    An article's source is read from the current directory (run this where you ran
    quotes index). Speakers left without quotes go too. Prints each source deleted.
    """
    try:
        gone = indexer.prune(existing_db(db_path), dry_run=dry_run)
    except (store.SchemaError, store.Busy) as error:
        raise click.ClickException(str(error)) from error
    verb = "would delete" if dry_run else "deleted"
    for source in gone:
        click.echo(f"{verb}: {source}")
    click.echo(f"{len(gone)} articles whose files are gone {verb}.", err=True)


@cli.command("export")
@db_option
@click.option(
    "--format",
    "format_",
    type=click.Choice(export.FORMATS),
    default="jsonl",
    show_default=True,
    help="jsonl: one JSON object per line; csv: a header row, empty cells for nulls.",
)
def export_command(db_path: str, format_: str) -> None:
    """Write every quote to standard output, ordered by source file and position.

    Each record has source, article_id, quote_id, text, start, end, kind, cue, cue_start,
    cue_end, speaker, speaker_kind, speaker_id, speaker_mention, speaker_start, speaker_end,
    method, confidence, the article's outlet, published, author, url and language, and
    statement_id (shared by quotes reporting the same statement). Offsets are character
    offsets into the article text as stored (articles.text).
    """
    try:
        export.export(existing_db(db_path), sys.stdout, format_)
    except (store.SchemaError, store.Busy) as error:
        raise click.ClickException(str(error)) from error


@cli.command()
@db_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Beyond this machine (e.g. 0.0.0.0), arbitrary SQL is off for "
    "other machines unless --allow-sql.",
)
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--metadata",
    "metadata_path",
    type=click.Path(exists=True, dir_okay=False),
    help="A Datasette metadata file laid over the site's own (a newsroom's title, licence, "
    "extra canned queries).",
)
@click.option(
    "--allow-sql/--no-sql",
    "allow_sql",
    default=None,
    help="Offer arbitrary SQL to every client (--allow-sql) or to none (--no-sql). "
    "Default: to this machine only.",
)
@click.option(
    "--sql-time-limit-ms",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Cut any query after this many milliseconds.",
)
@click.option(
    "--max-rows",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Return at most this many rows from one query.",
)
@click.option(
    "--live",
    is_flag=True,
    help="Follow changes a running `quotes index` makes (read-only). Default: the file is "
    "served immutable, and the site must be restarted to show a new index.",
)
def serve(
    db_path: str,
    host: str,
    port: int,
    metadata_path: str | None,
    allow_sql: bool | None,
    sql_time_limit_ms: int,
    max_rows: int,
    live: bool,
) -> None:
    """Browse and search the index with Datasette at http://HOST:PORT/.

    Each quote has a page showing it in its article (/quotes/quote/ID), each speaker a page
    of their quotes by article (/quotes/speaker/ID); /quotes/search searches quotes and
    articles. Tables can be faceted by speaker, kind, cue and article, and queried with the
    site's canned queries. Arbitrary SQL is offered to this machine only unless --allow-sql.
    """
    import asyncio

    import uvicorn

    from quotes.web import site

    publishing = site.Publishing(
        sql_time_limit_ms=sql_time_limit_ms, max_rows=max_rows, allow_sql=allow_sql, live=live
    )
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ds = site.datasette_app(existing_db(db_path), metadata_path, publishing)
    except (store.SchemaError, store.Busy) as error:
        raise click.ClickException(str(error)) from error
    for warning in caught:
        click.secho(f"warning: {warning.message}", fg="yellow", err=True)
    asyncio.run(ds.invoke_startup())
    if not site.is_loopback(host) and allow_sql is None:
        click.echo(
            "Arbitrary SQL is offered to this machine only (--allow-sql to offer it to all).",
            err=True,
        )
    click.echo(f"Serving {db_path} at http://{host}:{port}/", err=True)
    uvicorn.run(ds.app(), host=host, port=port, log_level="info", lifespan="on")


@cli.group(invoke_without_command=True)
@db_option
@click.option("--limit", default=0, type=click.IntRange(min=0), help="Show at most this many.")
@click.pass_context
def speakers(ctx: click.Context, db_path: str, limit: int) -> None:
    """List speakers, most quoted first: id, quotes, articles, kind and name.

    \b
    An editor's corrections, kept across re-indexing:
        quotes speakers merge 4 7        # speaker 7 is speaker 4
        quotes speakers split 4 arts/x.txt --name "Tom Roe"
        quotes speakers overrides        # list them; --delete N forgets one
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = db_path  # `quotes speakers --db X merge ...` means X too
        return
    db = _open_existing(db_path)
    try:
        for n, row in enumerate(store.speaker_rows(db), start=1):
            titles = f" ({', '.join(row['titles'])})" if row["titles"] else ""
            # one line per speaker, even if a name was taken across a line break
            name = " ".join(f"{row['name']}{titles}".split())
            scope = " [this article only]" if row.get("article_id") is not None else ""
            click.echo(
                f"{row['id']:>5}  {row['quotes']:>4} quotes  {row['articles']:>3} articles  "
                f"{row['kind']:<12}  {name}{scope}"
            )
            if n == limit:
                break
    finally:
        db.close()


def _open_existing(db_path: str) -> store.Database:
    try:
        return store.open_db(existing_db(db_path), create=False)
    except (store.SchemaError, store.Busy) as error:
        raise click.ClickException(str(error)) from error


sub_db_option = click.option(
    "--db",
    "db_path",
    default=None,
    type=click.Path(dir_okay=False),
    help=f"SQLite database holding the index (default: the --db given to `speakers`, else {DEFAULT_DB}).",
)


@speakers.command("merge")
@click.argument("into", type=int)
@click.argument("others", nargs=-1, required=True, type=int, metavar="OTHER...")
@sub_db_option
@click.pass_context
def speakers_merge(
    ctx: click.Context, into: int, others: tuple[int, ...], db_path: str | None
) -> None:
    """Make speakers OTHER... one speaker with INTO (ids as `quotes speakers` lists them).

    Their quotes move to INTO and their names become its aliases. Each name is recorded as an
    override, so re-indexing (--force included) resolves it to INTO again. A generic
    description ("the company") is merged only for its own article.
    """
    from quotes.speakers import normalise

    db = _open_existing(db_path or ctx.obj or DEFAULT_DB)
    try:
        merged = store.merge_speakers(db, into, others, normalise)
    except (store.NotFound, ValueError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        db.close()
    click.echo(f"{merged.id}  {merged.name} (aliases: {', '.join(merged.aliases) or 'none'})")


@speakers.command("split")
@click.argument("speaker_id", type=int, metavar="ID")
@click.argument("source")
@click.option("--name", help="Name of the new speaker (default: the same name).")
@sub_db_option
@click.pass_context
def speakers_split(
    ctx: click.Context, speaker_id: int, source: str, name: str | None, db_path: str | None
) -> None:
    """Give speaker ID's quotes in the article SOURCE to a new speaker.

    SOURCE is the article's source as stored (the `source` column: a file's path relative to
    the current directory when inside it, a URL, FILE#ID); a file may be named any way that
    reaches it (`./arts/../arts/x.txt`, its absolute path). The split is recorded as an
    override, so re-indexing keeps that article's quotes apart.
    """
    from quotes.speakers import normalise

    if os.path.isfile(source):
        source = ingest.source_name(source)
    db = _open_existing(db_path or ctx.obj or DEFAULT_DB)
    try:
        new = store.split_speaker(db, speaker_id, source, name, normalise)
    except store.NotFound as error:
        raise click.ClickException(str(error)) from error
    finally:
        db.close()
    click.echo(f"{new.id}  {new.name}")


@speakers.command("overrides")
@sub_db_option
@click.option("--delete", "delete_id", type=int, help="Forget the override with this id.")
@click.pass_context
def speakers_overrides(ctx: click.Context, db_path: str | None, delete_id: int | None) -> None:
    """List the editor's merges and splits, oldest first, or forget one with --delete.

    A forgotten override stops applying when the articles concerned are next re-indexed
    (use `quotes index --force` to apply the change everywhere at once).
    """
    db = _open_existing(db_path or ctx.obj or DEFAULT_DB)
    try:
        if delete_id is not None:
            store.delete_override(db, delete_id)
            return
        for row in store.override_rows(db):
            if row["action"] == "merge":
                where = f" in {row['source']}" if row["source"] else ""
                click.echo(f"{row['id']:>5}  merge  '{row['key']}'{where} -> "
                           f"{row['speaker_id']} {row['name']}")
            else:
                click.echo(f"{row['id']:>5}  split  {row['from_id']} in {row['source']} -> "
                           f"{row['speaker_id']} {row['name']}")
    except store.NotFound as error:
        raise click.ClickException(str(error)) from error
    finally:
        db.close()


@cli.command("statements")
@db_option
@click.option("--limit", default=0, type=click.IntRange(min=0), help="Show at most this many.")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Group every stored quote again from scratch first (after changing the rules).",
)
def statements_command(db_path: str, limit: int, rebuild: bool) -> None:
    """List statements reported more than once, most articles first, with each wording.

    A statement groups quotes that report the same words (exact, reworded or paraphrased),
    across articles and outlets; see README, "Statements across outlets".
    """
    db = _open_existing(db_path)
    try:
        if rebuild:
            store.group_all(db, indexer.group_statements)
        for n, statement in enumerate(store.statement_rows(db), start=1):
            click.echo(f"{statement['id']:>5}  {statement['articles']} articles  "
                       f"{statement['quotes']} quotes  {' '.join(statement['text'].split())}")
            for q in statement["wordings"]:
                who = q["speaker"] or "(no speaker)"
                click.echo(f"         {q['source']}  {who}: {' '.join(q['text'].split())}")
            if n == limit:
                break
    finally:
        db.close()


# `quotes eval` (accuracy against annotated corpora) is registered here by quotes/evaluate.py's
# author: keep each command a thin wrapper over a plain Python function.


@cli.command("eval")
@click.argument("split_dir", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--model",
    default="en_quotes_sm",
    show_default=True,
    help="spaCy pipeline to use: an installed package name or a path to a pipeline directory.",
)
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write figures here.")
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(dir_okay=False),
    help="Write every miss and false alarm here (JSON Lines) and print counts per category.",
)
@click.option("--limit", default=0, type=click.IntRange(min=0), help="Use the first N articles.")
@click.option(
    "--baseline/--no-baseline",
    default=True,
    show_default=True,
    help="Score textacy's direct_quotations on the same Docs beside ours.",
)
@click.option(
    "--tagger/--no-tagger",
    default=True,
    show_default=True,
    help="Let the rules work with the learned attribution model (the MiniLM encoder's).",
)
@click.option(
    "--compare-cnn",
    is_flag=True,
    help="Also score the rules with the older CNN tagger (column quotes-cnn; runs twice).",
)
def eval_command(
    split_dir: str,
    model: str,
    json_path: str | None,
    errors_path: str | None,
    limit: int,
    baseline: bool,
    tagger: bool,
    compare_cnn: bool,
) -> None:
    """Score quotes and their attribution against an annotated PolNeAR split.

    SPLIT_DIR holds text/*.txt and BRAT attributions/*.ann files (for example
    polnear/data/dev). Prints content, attribution and cue figures, overall and per publisher.
    """
    import json
    from dataclasses import asdict

    from quotes import evaluate

    try:
        result = evaluate.evaluate(
            split_dir, model, limit or None, baseline, tagger=tagger, compare_cnn=compare_cnn
        )
    except (indexer.PipelineUnavailable, FileNotFoundError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(evaluate.table(result))
    if json_path:
        Path(json_path).write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
    if errors_path:
        with open(errors_path, "w", encoding="utf-8") as out:
            for error in result.errors:
                out.write(json.dumps(asdict(error), ensure_ascii=False) + "\n")
        click.echo("")
        click.echo(evaluate.error_report(result.errors))

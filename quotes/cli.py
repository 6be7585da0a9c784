"""The ``quotes`` command: a thin click layer over indexer, export and store."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import click

from quotes import __version__, export, indexer, ingest, store, workers

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
        quotes index articles/      # find and attribute quotes in every .txt file
        quotes serve                # browse them with Datasette
        quotes export > quotes.jsonl
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@db_option
@click.option(
    "--model",
    default="en_quotes_sm",
    show_default=True,
    help="spaCy pipeline to use: an installed package name or a path to a pipeline directory.",
)
@click.option("--force", is_flag=True, help="Re-index files even if their text is unchanged.")
@click.option(
    "--batch-size",
    default=16,
    show_default=True,
    type=click.IntRange(min=1),
    help="Articles per batch sent through the spaCy pipeline.",
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
    verbose: bool,
    n_workers: int,
    cluster: str | None,
) -> None:
    """Find and attribute the quotes in .txt files and directories of them.

    Each PATH is a file, or a directory searched recursively for .txt files.
    Files whose text has not changed since they were last indexed are skipped, so running the
    same command again is cheap and leaves the database as it was. A file that cannot be read
    (missing, empty, binary, not UTF-8), or on which the indexer itself fails, is reported
    as "error: PATH: reason" and the others are still indexed; the exit status is then 1.
    """
    # Library warnings (no coreference for this model, ...) read like the per-file ones.
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, *args, **kwargs: click.secho(
            f"warning: {message}", fg="yellow", err=True
        )
        summary = _run_index(paths, db_path, model, force, batch_size, n_workers, cluster)
    for problem in summary.warnings:
        click.secho(f"warning: {problem}", fg="yellow", err=True)
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
    n_workers: int,
    cluster: str | None,
) -> indexer.Summary:
    engine = {"n_workers": n_workers, "cluster": cluster}
    try:
        if sys.stderr.isatty():
            # walking the paths twice costs little next to the NLP, and sizes the bar
            files, _ = ingest.expand(paths)
            with click.progressbar(
                length=len(files), label="Indexing", file=sys.stderr, show_pos=True
            ) as bar:
                return indexer.index_paths(
                    paths, db_path, model, force, batch_size, lambda source: bar.update(1),
                    **engine,
                )
        return indexer.index_paths(paths, db_path, model, force, batch_size, **engine)
    except (indexer.PipelineUnavailable, store.SchemaError) as error:
        raise click.ClickException(str(error)) from error


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
    method and confidence. Offsets are character offsets into the article text as read.
    """
    try:
        export.export(existing_db(db_path), sys.stdout, format_)
    except store.SchemaError as error:
        raise click.ClickException(str(error)) from error


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--metadata",
    "metadata_path",
    type=click.Path(exists=True, dir_okay=False),
    default=str(export.METADATA) if export.METADATA.exists() else None,
    help="Datasette metadata file (default: the project's metadata.yml).",
)
def serve(db_path: str, host: str, port: int, metadata_path: str | None) -> None:
    """Browse and search the index with Datasette at http://HOST:PORT/.

    Quotes can be faceted by speaker, kind, cue and article, searched in full text, and
    queried with the canned queries in metadata.yml.
    """
    import asyncio

    import uvicorn

    try:
        ds = export.datasette_app(existing_db(db_path), metadata_path)
    except store.SchemaError as error:
        raise click.ClickException(str(error)) from error
    asyncio.run(ds.invoke_startup())
    click.echo(f"Serving {db_path} at http://{host}:{port}/", err=True)
    uvicorn.run(ds.app(), host=host, port=port, log_level="info", lifespan="on")


@cli.command()
@db_option
@click.option("--limit", default=0, type=click.IntRange(min=0), help="Show at most this many.")
def speakers(db_path: str, limit: int) -> None:
    """List speakers, most quoted first: id, quotes, articles, kind and name."""
    db = store.open_db(existing_db(db_path), create=False)
    try:
        for n, row in enumerate(store.speaker_rows(db), start=1):
            titles = f" ({', '.join(row['titles'])})" if row["titles"] else ""
            # one line per speaker, even if a name was taken across a line break
            name = " ".join(f"{row['name']}{titles}".split())
            click.echo(
                f"{row['id']:>5}  {row['quotes']:>4} quotes  {row['articles']:>3} articles  "
                f"{row['kind']:<12}  {name}"
            )
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
    help="Let the rules consult the learned attribution tagger (en_quotes_sm only).",
)
def eval_command(
    split_dir: str,
    model: str,
    json_path: str | None,
    errors_path: str | None,
    limit: int,
    baseline: bool,
    tagger: bool,
) -> None:
    """Score quotes and their attribution against an annotated PolNeAR split.

    SPLIT_DIR holds text/*.txt and BRAT attributions/*.ann files (for example
    polnear/data/dev). Prints content, attribution and cue figures, overall and per publisher.
    """
    import json
    from dataclasses import asdict

    from quotes import evaluate

    try:
        result = evaluate.evaluate(split_dir, model, limit or None, baseline, tagger=tagger)
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

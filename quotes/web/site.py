"""Building the Datasette instance ``quotes serve`` runs, and the publishing policy it applies.

The site itself (metadata, pages, links, limits) is the quotes.web plugin, which Datasette
loads through its entry point wherever quotes is installed; this module only adds what a
command line decides: which file, immutable or live, time limit, row cap, and whether
arbitrary SQL is offered to other machines.
"""

from __future__ import annotations

import ipaddress
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from quotes import store

if TYPE_CHECKING:
    from datasette.app import Datasette

PLUGIN = "quotes"  # the plugin's configuration key in Datasette metadata (plugins: quotes: ...)


def packaged_metadata() -> dict:
    """The site's metadata as shipped in the package (quotes/web/metadata.yml)."""
    text = (resources.files("quotes.web") / "metadata.yml").read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}


def load_metadata(db_path: str | Path, metadata_path: str | Path | None = None) -> dict:
    """A newsroom's own metadata file, to lay over the packaged one.

    A file describing the database as ``quotes`` (as the packaged one does) is moved to the name
    Datasette gives ``db_path`` (its file name without extension), so it applies whatever the
    index file is called.
    """
    if metadata_path is None:
        return {}
    metadata = yaml.safe_load(Path(metadata_path).read_text(encoding="utf-8")) or {}
    databases = metadata.get("databases", {})
    name = Path(db_path).stem
    if "quotes" in databases and name not in databases:
        databases[name] = databases.pop("quotes")
    return metadata


def is_loopback(host: str) -> bool:
    """Whether an address to listen on is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class Publishing:
    """How the site is published. The defaults are what ``quotes serve`` uses."""

    # Every statement a page runs is cut after this long (Datasette's sql_time_limit_ms).
    sql_time_limit_ms: int = 1000
    # The most rows one query returns (Datasette's max_returned_rows).
    max_rows: int = 1000
    # Arbitrary SQL: None lets each request decide (this machine yes, others no); True offers it
    # to every client; False to none.
    allow_sql: bool | None = None
    # Immutable (the file must not change while served; fastest, safest) or live (read-only,
    # follows a `quotes index` running beside it).
    live: bool = False


def datasette_app(
    db_path: str | Path,
    metadata_path: str | Path | None = None,
    publishing: Publishing | None = None,
) -> Datasette:
    """The Datasette instance ``quotes serve`` runs for the index at ``db_path``."""
    from datasette.app import Datasette

    publishing = publishing or Publishing()
    if not Path(db_path).exists():
        raise FileNotFoundError(f"no database at {db_path}")
    # migrate before serving, so an index written by an older quotes shows the current views
    store.open_db(db_path, create=False).close()
    metadata = load_metadata(db_path, metadata_path)
    plugin_config = metadata.setdefault("plugins", {}).setdefault(PLUGIN, {})
    if publishing.allow_sql:
        plugin_config["allow_sql_from_anywhere"] = True
    settings = {
        "sql_time_limit_ms": publishing.sql_time_limit_ms,
        "max_returned_rows": publishing.max_rows,
        "default_allow_sql": publishing.allow_sql is not False,
    }
    # immutable: SQLite reads the file without locks and ignores any write-ahead log, so the
    # log is folded in first; while a `quotes index` holds part of it, the file is served live
    if not publishing.live and not store.checkpoint(db_path):
        warnings.warn(
            f"{db_path} is being written to; serving it live (read-only) rather than immutable"
        )
        publishing.live = True
    if publishing.live:
        return Datasette(files=[str(db_path)], metadata=metadata, settings=settings)
    return Datasette(immutables=[str(db_path)], metadata=metadata, settings=settings)

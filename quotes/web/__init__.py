"""The quotes site: a Datasette plugin, registered through Datasette's entry point.

Wherever quotes is installed, any Datasette serving a quotes index (a SQLite file with
``articles``, ``speakers`` and ``quotes``, whatever its name) gets:

- the packaged metadata (quotes/web/metadata.yml): descriptions, facets, labels, canned queries;
- pages of its own: ``/DB/quote/ID`` (the quote in its article, quote, cue and speaker mention
  marked), ``/DB/speaker/ID``, ``/DB/article/ID`` and ``/DB/search?q=``;
- tables that lead with quote, speaker and article, names linked to those pages;
- publishing limits on every SQLite connection, arbitrary SQL for this machine only unless
  configured otherwise, and no file paths in its JSON pages.

Other databases the same Datasette serves are left as Datasette shows them.
"""

from __future__ import annotations

import contextvars
import ipaddress
import json
import re
import sqlite3
import threading
from typing import Any

from datasette import hookimpl
from datasette.utils import sqlite_timelimit, tilde_encode
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from quotes import store
from quotes.web import limits, pages
from quotes.web.site import PLUGIN, packaged_metadata

# -- which databases are quotes indexes ----------------------------------------------------------


def _indexes(datasette) -> dict[str, bool]:
    """Database name -> whether it holds a quotes index, looked up once per file."""
    cache = datasette.__dict__.setdefault("_quotes_indexes", {})
    for name, db in list(datasette.databases.items()):
        if name not in cache:
            cache[name] = bool(db.path) and not db.is_memory and store.is_index(db.path)
    return cache


def is_index(datasette, database: str | None) -> bool:
    return bool(database) and _indexes(datasette).get(database, False)


# -- metadata -----------------------------------------------------------------------------------

_PACKAGED: dict | None = None


def _packaged() -> dict:
    global _PACKAGED
    if _PACKAGED is None:
        _PACKAGED = packaged_metadata()
    return _PACKAGED


@hookimpl
def get_metadata(datasette, key, database, table):
    # "a regular (non-editable) install serves Datasette with no facets, labels or canned
    # queries, silently" (issue 15): the metadata travels inside the package.
    names = [name for name, yes in _indexes(datasette).items() if yes]
    if not names:
        return {}
    packaged = _packaged()
    described = packaged["databases"]["quotes"]
    metadata: dict[str, Any] = {"databases": {}}
    for name in names:
        entry = json.loads(json.dumps(described))
        route = datasette.urls.database(name)
        entry["description_html"] = (
            f"<p>{escape(described['description'])} "
            f'<a href="{route}/search">Search quotes and articles</a> · '
            f'<a href="{route}/speaker_stats">Speakers, most quoted first</a> · '
            f'<a href="{route}/quotes_view">All quotes</a></p>'
        )
        metadata["databases"][name] = entry
    others = [n for n, db in datasette.databases.items() if not db.is_memory and n not in names]
    if not others:
        # the whole instance is the quotes site: its title and description too
        for field in ("title", "description_html", "license", "license_url", "source"):
            metadata[field] = packaged[field]
    return metadata


# -- limits on every connection ----------------------------------------------------------------


def value_limit(datasette, database: str, conn) -> int:
    """The largest string or blob any query may build on this database, in bytes."""
    cache = datasette.__dict__.setdefault("_quotes_value_limits", {})
    if database not in cache:
        longest = 0
        if is_index(datasette, database):
            try:
                longest = store.longest_article(conn)
            except sqlite3.Error:
                longest = 0
        settings = (datasette.plugin_config(PLUGIN) or {}).get("max_value_bytes")
        cache[database] = int(settings) if settings else max(limits.MIN_VALUE_BYTES, 2 * longest)
    return cache[database]


@hookimpl
def prepare_connection(conn, database, datasette):
    # Datasette's cross-database mode attaches the other databases to _memory
    limits.apply(conn, value_limit(datasette, database, conn), attach=database == "_memory")
    store.register_functions(conn)


# -- arbitrary SQL: this machine only, unless configured ----------------------------------------

# Whether the request being answered comes from this machine; set by the ASGI wrapper below,
# read by the permission check (which is not given the request).
_LOCAL: contextvars.ContextVar[bool | None] = contextvars.ContextVar("quotes_local", default=None)
FORWARDED = (b"forwarded", b"x-forwarded-for", b"x-real-ip")


def request_is_local(scope) -> bool:
    """A request from a loopback address that no proxy forwarded."""
    headers = {name.lower() for name, _ in scope.get("headers") or []}
    if headers & set(FORWARDED):
        return False
    client = scope.get("client")
    if not client:
        return False
    try:
        return ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return False


@hookimpl
def permission_allowed(datasette, actor, action, resource):
    # "when served beyond localhost, arbitrary SQL is off unless asked for" (issue 16)
    if action != "execute-sql":
        return None
    if (datasette.plugin_config(PLUGIN) or {}).get("allow_sql_from_anywhere"):
        return None
    if _LOCAL.get() is False:
        return False
    return None


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def wrapped(scope, receive, send):
            if scope.get("type") != "http":
                return await app(scope, receive, send)
            token = _LOCAL.set(request_is_local(scope))
            scope = _sanitized(datasette, scope)
            try:
                if scope.get("method") == "POST" and not _writable_post(datasette, scope):
                    # "A POST to a canned query answers 500" (issue 16): nothing on this site
                    # accepts a POST but Datasette's own forms, so say so plainly.
                    response = Response.text("Method not allowed: this site is read-only.", 405)
                    return await response.asgi_send(send)
                return await app(scope, receive, send)
            finally:
                _LOCAL.reset(token)

        return wrapped

    return wrap


def _sanitized(datasette, scope):
    """The request with query parameters that would break Datasette made harmless.

    - ``_timelimit`` that is not a number (Datasette answered 500) is dropped;
    - ``_search`` on a quotes index's tables is quoted as the site's search is (store.fts_query):
      Datasette's own escaping left ``"`` and an empty box a syntax error (issue 15).
    """
    from urllib.parse import parse_qsl, urlencode

    raw = scope.get("query_string") or b""
    if b"_timelimit" not in raw and b"_search" not in raw:
        return scope
    args = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
    parts = [p for p in scope.get("path", "").split("/") if p]
    in_index = bool(parts) and any(
        db.route == parts[0].split(".")[0] and is_index(datasette, name)
        for name, db in datasette.databases.items()
    )
    changed = []
    for key, value in args:
        if key == "_timelimit" and not value.isdigit():
            continue
        if key == "_searchmode" and in_index:
            continue
        if in_index and (key == "_search" or key.startswith("_search_")):
            if not value.strip():
                continue  # an empty search box: every row, as before any search
            value = store.fts_query(value)
            changed.append(("_searchmode", "raw"))
        changed.append((key, value))
    return dict(scope, query_string=urlencode(changed).encode("ascii"))


def _writable_post(datasette, scope) -> bool:
    """POSTs Datasette itself answers: log in and out, messages, writable canned queries."""
    path = scope.get("path", "")
    if path.startswith("/-/"):
        return True
    parts = [p for p in path.split("/") if p]
    if len(parts) == 2:
        database, name = parts
        for db_name in datasette.databases:
            if tilde_encode(db_name) == database:
                queries = datasette.metadata("queries", database=db_name) or {}
                query = queries.get(name)
                return isinstance(query, dict) and bool(query.get("write"))
    return False


# -- errors --------------------------------------------------------------------------------------


@hookimpl
def startup(datasette):
    # Datasette's own error handler prints every error, a query cut by the time limit
    # included, as a rich traceback with all local variables when rich is installed (spaCy
    # brings it): about a second of CPU per error, so a few slow queries a second stall the
    # site; and rich refuses outside an `except` block, so an unknown address answered 500.
    # handle_exception below replaces it (all handlers run, the first answer is sent).
    from datasette.plugins import pm

    if pm.get_plugin("datasette.handle_exception") is not None:
        pm.unregister(name="datasette.handle_exception")


@hookimpl
def handle_exception(datasette, request, exception):
    """Error pages as Datasette's own, without its console dump (see startup), and a 500's
    message kept off the page (it may name files)."""
    from datasette.utils.asgi import Base400
    from datasette.views.base import DatasetteError

    async def inner():
        title = None
        if isinstance(exception, Base400):
            status, message = exception.status, exception.args[0] if exception.args else ""
        elif isinstance(exception, DatasetteError):
            status, message, title = exception.status, exception.message, exception.title
            # Datasette's errors about a request it cannot answer (sort by a column that
            # does not exist, ...) default to 500; they are the request's fault
            status = 400 if status == 500 else status
            if exception.message_is_html:
                message = Markup(message)
        else:
            import traceback

            traceback.print_exception(exception)
            status, message = 500, "Internal error: the server's log has the details."
        info = {"ok": False, "error": message, "status": status, "title": title}
        if request.path.split("?")[0].endswith(".json"):
            return Response.json(info, status=status)
        template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
        context = dict(
            info, urls=datasette.urls, app_css_hash=datasette.app_css_hash(), menu_links=list
        )
        return Response.html(await template.render_async(context), status=status)

    return inner


# -- no paths in public pages ------------------------------------------------------------------


async def databases_json(datasette, request):
    # "/-/databases.json shows the database's absolute path" (issue 16)
    rows = []
    for db in datasette.databases.values():
        if db.name == "_internal":
            continue
        rows.append(
            {
                "name": db.name,
                "route": db.route,
                "is_mutable": db.is_mutable,
                "is_memory": db.is_memory,
                "hash": db.hash,
            }
        )
    return Response.json(rows)


async def threads_json(datasette, request):
    # Datasette lists its asyncio tasks with the source file each is running in
    import asyncio

    threads = [
        {"name": t.name, "ident": t.ident, "daemon": t.daemon} for t in threading.enumerate()
    ]
    tasks = asyncio.all_tasks()
    return Response.json({"num_threads": len(threads), "threads": threads, "num_tasks": len(tasks)})


async def plugins_json(datasette, request):
    from datasette.plugins import get_plugins

    return Response.json(
        [
            {"name": p["name"], "version": p.get("version"), "hooks": p["hooks"]}
            for p in get_plugins()
        ]
    )


# -- the site's pages --------------------------------------------------------------------------


def _urls(datasette, database: str) -> dict:
    base = datasette.urls.database(database)
    return {
        "database": base,
        "quote": lambda id: f"{base}/quote/{id}",
        "speaker": lambda id: f"{base}/speaker/{id}",
        "article": lambda id: f"{base}/article/{id}",
        "search": f"{base}/search",
        "table": lambda name: datasette.urls.table(database, name),
    }


async def _read(datasette, database: str, fn, *args):
    """Run a store read on the database under the site's time limit (as every query is)."""
    db = datasette.get_database(database)
    ms = datasette.setting("sql_time_limit_ms")

    def call(conn):
        with sqlite_timelimit(conn, ms):
            return fn(conn, *args)

    return await db.execute_fn(call)


def _database(datasette, request) -> str:
    route = request.url_vars["database"]
    for name, db in datasette.databases.items():
        if db.route == route and is_index(datasette, name):
            return name
    raise NotFound("No such database")


def _id(request, key: str = "id") -> int:
    try:
        return int(request.url_vars[key])
    except (KeyError, ValueError):
        raise NotFound("No such page") from None


async def _render(datasette, request, template: str, context: dict) -> Response:
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html)


async def quote_page(datasette, request):
    database = _database(datasette, request)
    quote_id = _id(request)
    quote = await _read(datasette, database, store.quote_row, quote_id)
    if quote is None:
        raise NotFound(f"No quote {quote_id}")
    article = await _read(datasette, database, store.article_row, quote["article_id"])
    others = await _read(datasette, database, store.article_quotes, quote["article_id"])
    siblings = await _read(datasette, database, store.same_statement, quote)
    urls = _urls(datasette, database)
    marks = pages.quote_marks(quote, others, urls["quote"])
    pieces = pages.parts_text(quote.get("parts"))
    # every quote lists its pieces; only an interrupted one (two or more) has pieces to mark
    for part in pieces if len(pieces) > 1 else []:
        if isinstance(part.get("start"), int) and isinstance(part.get("end"), int):
            marks.append(pages.Mark(part["start"], part["end"], "part"))
    for sibling in siblings:
        sibling["diff"] = pages.wording_diff(quote["text"], sibling["text"])
        sibling["article"] = {
            k.removeprefix("article_"): v for k, v in sibling.items() if k.startswith("article_")
        }
    return await _render(
        datasette,
        request,
        "quotes_quote.html",
        {
            "database": database,
            "quote": quote,
            "article": article,
            "facts": pages.article_facts(article),
            "marked": pages.marked_text(article["text"], marks),
            "siblings": siblings,
            "parts": pieces if len(pieces) > 1 else [],
            "links": urls,
            "position": next((n for n, q in enumerate(others, 1) if q["id"] == quote_id), 0),
            "count": len(others),
        },
    )


async def article_page(datasette, request):
    database = _database(datasette, request)
    article_id = _id(request)
    article = await _read(datasette, database, store.article_row, article_id)
    if article is None:
        raise NotFound(f"No article {article_id}")
    quotes = await _read(datasette, database, store.article_quotes, article_id)
    urls = _urls(datasette, database)
    return await _render(
        datasette,
        request,
        "quotes_article.html",
        {
            "database": database,
            "article": article,
            "facts": pages.article_facts(article),
            "marked": pages.marked_text(
                article["text"], pages.article_marks(quotes, urls["quote"])
            ),
            "quotes": quotes,
            "links": urls,
        },
    )


async def speaker_page(datasette, request):
    database = _database(datasette, request)
    speaker_id = _id(request)
    speaker = await _read(datasette, database, store.speaker_row, speaker_id)
    if speaker is None:
        raise NotFound(f"No speaker {speaker_id}")
    quotes = await _read(datasette, database, store.speaker_quotes, speaker_id)
    groups = pages.group_by_article(quotes)
    for group in groups:
        group["facts"] = pages.article_facts(group["article"])
    return await _render(
        datasette,
        request,
        "quotes_speaker.html",
        {
            "database": database,
            "speaker": speaker,
            "titles": "; ".join(speaker["titles"]),
            "aliases": "; ".join(speaker["aliases"]),
            "groups": groups,
            "links": _urls(datasette, database),
        },
    )


async def search_page(datasette, request):
    database = _database(datasette, request)
    q = request.args.get("q") or ""
    found_quotes, found_articles = [], []
    if q.strip():
        found_quotes = await _read(datasette, database, store.search_quotes, q, 100)
        found_articles = await _read(datasette, database, store.search_articles, q, 50)
    for row in found_quotes:
        row["html"] = pages.hits(row["highlighted"])
    for row in found_articles:
        row["html"] = pages.hits(row["snippet"])
    return await _render(
        datasette,
        request,
        "quotes_search.html",
        {
            "database": database,
            "q": q,
            "searched": bool(q.strip()),
            "quotes": found_quotes,
            "articles": found_articles,
            "links": _urls(datasette, database),
        },
    )


@hookimpl
def register_routes(datasette):
    routes = [
        (r"^/-/databases(\.json)?$", databases_json),
        (r"^/-/plugins(\.json)?$", plugins_json),
        (r"^/-/threads(\.json)?$", threads_json),
    ]
    for name, db in datasette.databases.items():
        if not is_index(datasette, name):
            continue
        route = re.escape(db.route)
        routes += [
            (rf"^/(?P<database>{route})/quote/(?P<id>[^/]+)$", quote_page),
            (rf"^/(?P<database>{route})/article/(?P<id>[^/]+)$", article_page),
            (rf"^/(?P<database>{route})/speaker/(?P<id>[^/]+)$", speaker_page),
            (rf"^/(?P<database>{route})/search$", search_page),
        ]
    return routes


# -- tables: names linked to the pages, quote first --------------------------------------------

# "The quotes table opens with 15 column descriptions and six offset columns; the quote text
# column is 75 px wide and confidence falls off the right edge" (issue 15)
LEAD = ["text", "quote", "speaker", "speaker_id", "name", "article", "article_id", "title"]
NEXT = ["confidence", "outlet", "published", "kind", "cue", "method", "category"]
NEXT += ["speaker_mention", "speaker_kind"]
# the articles table: headline, where and when, then the text (an excerpt linking to its page)
ARTICLE_LEAD = ["title", "outlet", "published", "author", "text"]
LAST = ["id", "quote_id", "source", "start", "end", "cue_start", "cue_end"]
LAST += ["speaker_start", "speaker_end", "sha256"]


def column_order(names: list[str], table: str | None = None) -> list[int]:
    """Positions of ``names`` reordered: the quote, speaker and article first, then what
    describes the quote, then anything else, then ids and offsets (for the articles table:
    title, outlet, date, author and text first)."""
    lead = ARTICLE_LEAD if table == "articles" else LEAD

    # an id leads only where no name stands for it (the quotes table shows names in its ids)
    last = LAST + [f"{n}_id" for n in ("speaker", "article") if n in names]

    def rank(item: tuple[int, str]) -> tuple[int, int]:
        position, name = item
        if name in last:
            return 3, last.index(name)
        for group, names_ in enumerate((lead, NEXT)):
            if name in names_:
                return group, names_.index(name)
        return 2, position

    return [position for position, _ in sorted(enumerate(names), key=rank)]


REORDERED = {"quotes", "quotes_view", "articles"}


@hookimpl
def extra_template_vars(template, database, table, datasette, request):
    if not is_index(datasette, database):
        return {}

    async def values() -> dict[str, Any]:
        found: dict[str, Any] = {"quotes_site": True}
        if table in REORDERED:
            found["quotes_order"] = lambda columns: column_order(
                [c["name"] for c in columns], table
            )
        if table in ("quotes", "quotes_view") and request is not None:
            found["quotes_filtered"] = await _filtered_by(datasette, database, request)
        return found

    return values


async def _filtered_by(datasette, database: str, request) -> list[dict]:
    """The speaker and article a quotes table is filtered to, by name with links to their
    pages ("a facet heading says speaker_id = 5", issue 15)."""
    urls = _urls(datasette, database)
    found = []
    for column, kind, read in (
        ("speaker_id", "speaker", store.speaker_row),
        ("article_id", "article", store.article_row),
    ):
        for key in (column, f"{column}__exact"):
            value = request.args.get(key)
            if value and value.isdigit():
                args = (int(value), False) if kind == "article" else (int(value),)
                row = await _read(datasette, database, read, *args)
                if row:
                    name = row.get("name") or row.get("title") or row.get("source")
                    found.append({"kind": kind, "name": name, "href": urls[kind](value)})
    return found


@hookimpl
def extra_css_urls(database, datasette):
    if database is None or is_index(datasette, database):
        return [datasette.urls.static_plugins("quotes", "quotes.css")]
    return []


def _raw(value):
    return value["value"] if isinstance(value, dict) and "value" in value else value


def _get(row, key):
    try:
        return _raw(row[key])
    except (KeyError, IndexError, TypeError):
        return None


def _link(href: str, text) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if not is_index(datasette, database):
        return None
    urls = _urls(datasette, database)
    keys = set(row.keys()) if hasattr(row, "keys") else set()
    label = value.get("label") if isinstance(value, dict) else None
    raw = _raw(value)
    quote_id = _get(row, "quote_id") if "quote_id" in keys else None
    if table == "quotes":
        quote_id = _get(row, "id")
    if column in ("text", "quote") and table not in ("articles",) and quote_id is not None:
        body = pages.hits(raw) if isinstance(raw, str) else escape(raw)
        return _link(urls["quote"](quote_id), body)
    if column == "quote_id" and raw is not None:
        return _link(urls["quote"](raw), raw)
    if column == "speaker_id" and raw is not None:
        return _link(urls["speaker"](raw), label or raw)
    if column == "article_id" and raw is not None:
        return _link(urls["article"](raw), label or raw)
    if column == "speaker" and raw and "speaker_id" in keys and _get(row, "speaker_id"):
        return _link(urls["speaker"](_get(row, "speaker_id")), raw)
    if column == "article" and raw and "article_id" in keys and _get(row, "article_id"):
        return _link(urls["article"](_get(row, "article_id")), raw)
    if column == "name" and raw and table in ("speakers", "speaker_stats"):
        return _link(urls["speaker"](_get(row, "id")), raw)
    if column == "name" and raw and "speaker_id" in keys:
        return _link(urls["speaker"](_get(row, "speaker_id")), raw)
    if column == "title" and raw and table == "articles":
        return _link(urls["article"](_get(row, "id")), raw)
    if column == "text" and table == "articles" and isinstance(raw, str):
        # the whole text beside its hash was unreadable; the article page shows it marked up
        excerpt = " ".join(raw.split())[:240]
        return _link(urls["article"](_get(row, "id")), excerpt + ("…" if len(raw) > 240 else ""))
    if column in ("titles", "aliases") and isinstance(raw, str) and raw.startswith("["):
        return pages.json_list(raw)
    return None

"""The Datasette site (the quotes.web plugin), in process: metadata, pages, links, limits.

The same site through a real `quotes serve` is tests/test_serve_http.py; in Chromium,
tests/test_browser.py; from an installed wheel, tests/test_wheel.py.
"""

import asyncio
import re
import shutil
import sqlite3
from urllib.parse import urlencode

import pytest
import sqlite_utils

from quotes import indexer, store
from quotes.web import column_order, pages, site


@pytest.fixture
def db_path(tmp_path, articles, fake_nlp):
    path = tmp_path / "quotes.db"
    summary = indexer.index_paths([str(articles)], path)
    assert summary.ok and summary.quotes
    return path


def fetch(db_path, *paths: str, publishing=None, headers=None, files=None) -> list:
    """GET each path from a fresh Datasette over ``db_path``; return the responses."""

    async def run():
        ds = site.datasette_app(db_path, publishing=publishing)
        for extra in files or []:
            from datasette.database import Database

            ds.add_database(Database(ds, path=str(extra), is_mutable=False))
        await ds.invoke_startup()
        return [await ds.client.get(path, headers=headers) for path in paths]

    return asyncio.run(run())


def get(db_path, *paths: str) -> list:
    """The JSON bodies of GETs that must succeed."""
    bodies = []
    for path, response in zip(paths, fetch(db_path, *paths)):
        assert response.status_code == 200, (path, response.text[:500])
        bodies.append(response.json())
    return bodies


def html(db_path, path: str) -> str:
    (response,) = fetch(db_path, path)
    assert response.status_code == 200, (path, response.text[:500])
    return response.text


def test_metadata_describes_every_table_and_column(db_path):
    tables = site.packaged_metadata()["databases"]["quotes"]["tables"]
    db = sqlite_utils.Database(db_path)
    for name in ["articles", "speakers", "quotes", "quotes_view", "speaker_stats"]:
        assert tables[name]["description"], name
        assert set(db[name].columns_dict) <= set(tables[name]["columns"]), name


def test_quotes_are_faceted_by_speaker_kind_cue_and_article(db_path):
    (view,) = get(db_path, "/quotes/quotes_view.json")
    facets = view["facet_results"]
    facets = facets.get("results", facets)  # the shape differs between Datasette versions
    assert {"speaker", "kind", "cue", "article"} <= set(facets)
    speakers = {item["value"]: item["count"] for item in facets["speaker"]["results"]}
    assert speakers["Mara Quist"] == 2


def test_foreign_keys_show_speaker_names_and_article_titles(db_path):
    (table,) = get(db_path, "/quotes/quotes.json?_shape=array&_labels=on&kind=direct")
    labels = {row["speaker_id"]["label"] for row in table if row["speaker_id"]}
    assert {"Mara Quist", "Harbour Council", "Tomas Lind"} == labels
    assert {row["article_id"]["label"] for row in table} >= {"Ferry strike"}


def test_full_text_search_finds_quotes(db_path):
    table, view = get(
        db_path,
        "/quotes/quotes.json?_search=harbour&_shape=array",
        "/quotes/quotes_view.json?_search=ferries&_shape=array",
    )
    assert [row["text"] for row in table] == ["The harbour will reopen in spring,"]
    assert [row["speaker"] for row in view] == ["Tomas Lind"]


# each canned query in the packaged metadata: its parameters and what its first row must hold
CANNED = {
    "quotes_by_speaker": ("speaker=quist", {"speaker": "Mara Quist"}),
    "search_quotes": ("q=decision", {"speaker": "Harbour Council"}),
    "who_said_this": ("phrase=stop+tonight", {"speaker": "Tomas Lind", "quotes": 1}),
    "speakers_by_quotes": ("", {"name": "Mara Quist", "quotes": 2, "articles": 1}),
    "unattributed_quotes": ("", {"text": "Wait and see."}),
}


@pytest.mark.parametrize("name", CANNED)
def test_canned_queries_run_against_the_schema(db_path, name):
    params, expected = CANNED[name]
    (rows,) = get(db_path, f"/quotes/{name}.json?_shape=array&{params}")
    assert rows
    assert expected.items() <= rows[0].items()


def test_every_canned_query_is_tested():
    assert set(site.packaged_metadata()["databases"]["quotes"]["queries"]) == set(CANNED)


def test_the_site_follows_a_database_with_another_name(db_path, tmp_path):
    other = tmp_path / "newsroom.db"
    shutil.copy(db_path, other)
    (view,) = get(other, "/newsroom/quotes_view.json")
    assert view["facet_results"]
    (rows,) = get(other, "/newsroom/search_quotes.json?_shape=array&q=harbour")
    assert len(rows) == 1
    assert "Mara Quist" in html(other, "/newsroom/quote/1")


def test_another_database_beside_the_index_is_left_as_datasette_shows_it(db_path, tmp_path):
    other = tmp_path / "elsewhere.db"
    sqlite_utils.Database(other)["quote"].insert_all([{"id": 1, "text": "x", "start": 3}], pk="id")
    quote_row, metadata, table = fetch(
        db_path,
        "/elsewhere/quote/1.json",
        "/-/metadata.json",
        "/elsewhere/quote",
        files=[other],
    )
    assert quote_row.status_code == 200 and quote_row.json()["rows"] == [[1, "x", 3]]
    assert "elsewhere" not in metadata.json().get("databases", {})
    assert "quotes" in metadata.json()["databases"]
    # no column moved: Datasette's order, id first
    headers = re.findall(r'<th [^>]*data-column="([^"]+)"', table.text)
    assert headers == ["id", "text", "start"]


# -- the quote page ---------------------------------------------------------------------------


def test_marked_text_escapes_and_marks_exactly_the_offsets():
    text = 'A <b>&</b> said "x < y" there.'
    marks = [pages.Mark(17, 22, "quote"), pages.Mark(11, 15, "cue"), pages.Mark(18, 19, "other")]
    out = str(pages.marked_text(text, marks))
    assert "<b>" not in out and "&lt;b&gt;&amp;&lt;/b&gt;" in out
    assert re.sub(r"<[^>]+>", "", out).replace("&lt;", "<").replace("&gt;", ">").replace(
        "&amp;", "&"
    ).replace("&#34;", '"') == text
    # the cue's characters and the quote's, in their elements
    assert '<span class="hl hl-cue">said</span>' in out
    quote = re.findall(r'<span class="hl hl-quote[^"]*"[^>]*>([^<]*)</span>', out)
    assert "".join(quote) == "x &lt; y"
    assert '<span class="hl hl-quote hl-other">' in out  # overlapping marks share a piece


def test_the_quote_page_shows_the_quote_in_its_article(db_path):
    db = store.open_db(db_path)
    quote = next(db.query("select * from quotes where text like 'The harbour%'"))
    page = html(db_path, f"/quotes/quote/{quote['id']}")
    assert '<span class="hl hl-quote" id="the-quote">The harbour will reopen in spring,</span>' in page
    assert '<span class="hl hl-cue">said</span>' in page
    assert '<span class="hl hl-mention">Mara Quist</span>' in page
    speaker = quote["speaker_id"]
    assert f'<a href="/quotes/speaker/{speaker}">Mara Quist</a>' in page
    for label in ("explicit", "0.90", "Harbour plans approved", "direct"):
        assert label in page
    # the other quote of the article links to its own page
    other = next(db.query("select id from quotes where text like 'We are%'"))["id"]
    assert f'<a href="/quotes/quote/{other}"><span class="hl hl-other">' in page
    (missing, bad) = fetch(db_path, "/quotes/quote/999999", "/quotes/quote/x")
    assert missing.status_code == 404 and bad.status_code == 404


def test_article_text_is_escaped_on_every_page(site_index):
    db = store.open_db(site_index)
    quote = next(db.query("select * from quotes where text like '<script>%'"))
    name = site_index.stem
    for path in (
        f"/{name}/quote/{quote['id']}",
        f"/{name}/article/{quote['article_id']}",
        f"/{name}/speaker/{quote['speaker_id']}",
        f"/{name}/search?q=alert",
        f"/{name}/quotes",
        f"/{name}/quotes_view",
        f"/{name}/search_quotes?q=alert",
    ):
        page = html(site_index, path)
        assert "<script>alert" not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "&lt;script&gt;" in page, path
        assert "<b>more" not in page and "<b>& search" not in page, path


def test_speaker_page_groups_quotes_by_article_and_links_both_ways(site_index):
    db = store.open_db(site_index)
    name = site_index.stem
    speaker = next(db.query("select * from speaker_stats where articles > 1 order by quotes desc"))
    page = html(site_index, f"/{name}/speaker/{speaker['id']}")
    assert f">{speaker['name']}</h1>" in page.replace("&#39;", "'")
    assert f"{speaker['quotes']} quote" in page and f"in {speaker['articles']} articles" in page
    groups = re.findall(r'<section class="speaker-article">.*?</section>', page, flags=re.S)
    assert len(groups) == speaker["articles"]
    ids = [int(i) for i in re.findall(rf'class="quote-link" href="/{name}/quote/(\d+)"', page)]
    expected = [r["id"] for r in db.query("select id from quotes where speaker_id = ?", [speaker["id"]])]
    assert sorted(ids) == sorted(expected)
    for quote_id in ids:
        assert f'href="/{name}/speaker/{speaker["id"]}"' in html(site_index, f"/{name}/quote/{quote_id}")
    titles = json_titles(speaker["titles"])
    for title in titles:
        assert title in page
    assert '["' not in page  # titles and aliases as text, never JSON


def json_titles(value: str) -> list[str]:
    import json

    return json.loads(value or "[]")


def test_extra_columns_from_other_branches_show_when_present(db_path, tmp_path):
    """outlet/published (ingestion) and statements (grouping) are shown once the schema has
    them; a fixture database gets them here by hand."""
    (tmp_path / "copy").mkdir()
    path = tmp_path / "copy" / "quotes.db"
    shutil.copy(db_path, path)
    conn = sqlite3.connect(path)
    present = {row[1] for row in conn.execute("PRAGMA table_info(articles)")}
    for column in {"outlet", "published"} - present:
        conn.execute(f"alter table articles add column {column} text")
    conn.execute("update articles set outlet = 'Harbour Times', published = '2024-03-01'")
    tables = {row[0] for row in conn.execute("select name from sqlite_master")}
    if "statements" not in tables:
        conn.execute("create table statements (id integer primary key, text text)")
    conn.execute("insert into statements (id, text) values (1000, 'The ferries stop tonight')")
    if "statement_id" not in {row[1] for row in conn.execute("PRAGMA table_info(quotes)")}:
        conn.execute("alter table quotes add column statement_id integer")
    ids = [r[0] for r in conn.execute("select id from quotes where text like 'The %' order by id")]
    conn.execute("update quotes set statement_id = 1000 where id in (?, ?)", ids[:2])
    conn.commit()
    conn.close()
    page = html(path, f"/quotes/quote/{ids[0]}")
    assert "Also reported by" in page
    assert f'href="/quotes/quote/{ids[1]}"' in page
    assert "<ins>" in page and "<del>" in page
    assert "Harbour Times" in page and "2024-03-01" in page
    speaker = sqlite_utils.Database(path).execute(
        "select speaker_id from quotes where id = ?", [ids[0]]
    ).fetchone()[0]
    assert "Harbour Times" in html(path, f"/quotes/speaker/{speaker}")
    # a quote of no statement shows no such section
    alone = sqlite_utils.Database(path).execute(
        "select id from quotes where statement_id is null"
    ).fetchone()[0]
    assert "Also reported by" not in html(path, f"/quotes/quote/{alone}")


def test_wording_differences_are_marked_word_by_word():
    diff = str(pages.wording_diff("Raqqa has inherited the fate of Dresden", "Raqqa inherited the fate of <Dresden>"))
    assert diff == "Raqqa <del>has</del> inherited the fate of <del>Dresden</del> <ins>&lt;Dresden&gt;</ins>"


# -- tables -----------------------------------------------------------------------------------


def test_quote_tables_lead_with_quote_speaker_and_article(db_path):
    for table, lead in (("quotes", ["text", "speaker_id", "article_id", "confidence"]),
                        ("quotes_view", ["text", "speaker", "article", "confidence"])):
        page = html(db_path, f"/quotes/{table}")
        headers = re.findall(r'<th [^>]*data-column="([^"]+)"', page)
        assert headers[:4] == lead, (table, headers)
        assert headers.index("start") > headers.index("method")
        # each quote links to its page, speakers and articles by name
        assert re.search(r'<td class="col-text[^"]*"><a href="/quotes/quote/\d+">The harbour', page)
        assert re.search(r'<a href="/quotes/speaker/\d+">Mara Quist</a>', page)
        assert re.search(r'<a href="/quotes/article/\d+">Harbour plans approved</a>', page)
        assert 'class="column-descriptions"' in page  # kept, hidden by the site's CSS


def test_column_order_keeps_unknown_columns_between():
    names = ["id", "article_id", "speaker_id", "text", "start", "novel", "confidence"]
    ordered = [names[i] for i in column_order(names)]
    assert ordered == ["text", "speaker_id", "article_id", "confidence", "novel", "id", "start"]


def test_speaker_stats_is_ordered_by_quotes(site_index):
    name = site_index.stem
    (rows,) = get(site_index, f"/{name}/speaker_stats.json?_shape=array&_size=max")
    counts = [row["quotes"] for row in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]


def test_canned_query_results_link_every_quote(site_index):
    name = site_index.stem
    page = html(site_index, f"/{name}/search_quotes?q=Dresden")
    assert re.search(rf'<a href="/{name}/quote/\d+">[^<]*<mark>Dresden</mark>', page)
    page = html(site_index, f"/{name}/who_said_this?phrase=Dresden")
    assert re.search(rf'<a href="/{name}/speaker/\d+">', page)
    assert re.search(rf'<a href="/{name}/quote/\d+">', page)


# -- search -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, query",
    [
        ("US-led", '"US-led"'),
        ('"face of', '"face of"'),
        ('"face of the earth" OR dresden', '"face of the earth" OR "dresden"'),
        ("don't", '"don\'t"'),
        ("U.S.", '"U.S."'),
        ("50%", '"50%"'),
        ("%", '""'),
        ("_", '""'),
        ("", '""'),
        ("OR", '"OR"'),
        ("a OR", '"a"'),
        ("raq*", '"raq"*'),
        ('say "x', '"say" "x"'),
        ('a"b', '"a""b"'),
    ],
)
def test_fts_query_quotes_whatever_is_typed(typed, query):
    assert store.fts_query(typed) == query


def test_like_pattern_escapes_wildcards():
    assert store.like_pattern("50%") == "%50\\%%"
    assert store.like_pattern("a_b\\") == "%a\\_b\\\\%"
    assert store.like_pattern("") is None and store.like_pattern("  ") is None


@pytest.mark.parametrize("typed", ["US-led", '"face of', "", "don't", "U.S.", "50%", "%", "_", "NOT", '"'])
def test_the_search_page_answers_whatever_is_typed(site_index, typed):
    from urllib.parse import quote

    name = site_index.stem
    page = html(site_index, f"/{name}/search?q={quote(typed)}")
    assert "message-error" not in page and "syntax error" not in page


def test_the_search_page_finds_quotes_and_articles_with_marked_hits(site_index):
    name = site_index.stem
    page = html(site_index, f"/{name}/search?q=US-led")
    quotes = re.findall(r'<ol class="search-quotes">.*?</ol>', page, flags=re.S)[0]
    assert quotes.count("<li>") >= 3 and "<mark>US-led</mark>" in quotes
    articles = re.findall(r'<ol class="search-articles">.*?</ol>', page, flags=re.S)[0]
    assert articles.count("<li>") >= 2 and "<mark>US-led</mark>" in articles


def test_hits_never_leave_a_mark_open():
    assert str(pages.hits(f"a {store.HIT_START}b<{store.HIT_END} {store.HIT_END}c {store.HIT_START}d")) == (
        "a <mark>b&lt;</mark> c <mark>d</mark>"
    )


# -- publishing ---------------------------------------------------------------------------------

HEAVY = "select length(printf('%.*c',900000000,'x')) as n"


def test_every_connection_caps_the_values_a_query_builds(db_path):
    (heavy, blob, fine) = fetch(
        db_path,
        f"/quotes.json?_shape=array&sql={HEAVY}",
        "/quotes.json?sql=select+length(zeroblob(900000000))",
        "/quotes.json?_shape=array&sql=select+printf('%25d+%25s',+3,+'x')+as+v",
    )
    assert heavy.status_code == 200 and heavy.json() == [{"n": None}]
    assert blob.status_code == 400 and "too big" in blob.text
    assert fine.json() == [{"v": "3 x"}]


def test_arbitrary_sql_is_for_this_machine_unless_allowed(db_path):
    sql = "/quotes.json?sql=select+1"
    (local,) = fetch(db_path, sql)
    assert local.status_code == 200
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    (remote, canned, page) = fetch(
        db_path, sql, "/quotes/search_quotes.json?q=harbour", "/quotes/quote/1", headers=forwarded
    )
    assert remote.status_code == 403
    assert canned.status_code == 200 and page.status_code == 200
    (everyone,) = fetch(db_path, sql, headers=forwarded, publishing=site.Publishing(allow_sql=True))
    assert everyone.status_code == 200
    (nobody,) = fetch(db_path, sql, publishing=site.Publishing(allow_sql=False))
    assert nobody.status_code == 403


def test_time_limit_and_row_cap_come_from_the_publishing_settings(db_path):
    publishing = site.Publishing(sql_time_limit_ms=50, max_rows=2)
    cte = "with recursive c(x) as (select 1 union all select x+1 from c) select x from c"
    slow, many = fetch(
        db_path,
        "/quotes.json?" + urlencode({"sql": cte + " where x < 0"}),
        "/quotes.json?" + urlencode({"sql": cte, "_shape": "objects"}),
        publishing=publishing,
    )
    assert slow.status_code == 400 and "too long" in slow.text
    assert len(many.json()["rows"]) == 2 and many.json()["truncated"]


def test_a_database_in_wal_mode_is_served_whole(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("update articles set title = 'Changed in the log' where title = 'Ferry strike'")
    conn.commit()
    (rows,) = get(db_path, "/quotes/articles.json?_shape=array&title=Changed+in+the+log")
    conn.close()
    assert len(rows) == 1


@pytest.mark.parametrize("typed", ['"', "", "US-led", '"face of', "don't", "%", "_"])
def test_table_search_boxes_answer_whatever_is_typed(site_index, typed):
    name = site_index.stem
    for table in ("quotes", "quotes_view"):
        (response,) = fetch(site_index, f"/{name}/{table}.json?" + urlencode({"_search": typed}))
        assert response.status_code == 200, (table, typed, response.text[:300])


def test_odd_request_parameters_are_the_request_s_fault_never_500(db_path):
    for path in ("/quotes/quotes?_sort=nope", "/quotes/quotes?_timelimit=abc",
                 "/quotes.json?sql=select+1&_timelimit=abc", "/quotes/quotes?_size=abc", "/nope"):
        (response,) = fetch(db_path, path)
        assert response.status_code in (200, 400, 404), (path, response.status_code)


def test_served_immutable_unless_live(db_path):
    async def mutable(live: bool) -> bool:
        ds = site.datasette_app(db_path, publishing=site.Publishing(live=live))
        return ds.get_database("quotes").is_mutable

    assert asyncio.run(mutable(False)) is False
    assert asyncio.run(mutable(True)) is True


@pytest.mark.parametrize(
    "host, local",
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
     ("0.0.0.0", False), ("192.168.1.5", False), ("example.org", False)],
)
def test_loopback_hosts(host, local):
    assert site.is_loopback(host) is local


def test_a_log_a_writer_still_holds_is_served_live(db_path):
    writer = sqlite3.connect(db_path)
    writer.execute("PRAGMA journal_mode=wal")
    writer.execute("create table scratch (x)")  # in the log
    reader = sqlite3.connect(db_path)
    reader.execute("begin")
    reader.execute("select count(*) from articles").fetchone()  # pins the log
    writer.execute("insert into scratch values (1)")
    writer.commit()
    with pytest.warns(UserWarning, match="serving it live"):
        ds = site.datasette_app(db_path)
    assert ds.get_database("quotes").is_mutable
    reader.rollback()


def test_a_row_page_links_to_the_site_s_page(db_path):
    page = html(db_path, "/quotes/quotes/1")
    assert "<a href=\"/quotes/quote/1\">Open the quote's page →</a>" in page.replace("&#39;", "'")
    page = html(db_path, "/quotes/speakers/1")
    assert 'href="/quotes/speaker/1"' in page


def test_a_table_filtered_to_a_speaker_names_them(db_path):
    db = store.open_db(db_path)
    speaker = next(db.query("select id from speakers where name = 'Mara Quist'"))["id"]
    article = next(db.query("select id from articles where title = 'Harbour plans approved'"))["id"]
    page = html(db_path, f"/quotes/quotes?speaker_id={speaker}&article_id={article}")
    assert f'Quotes of <a href="/quotes/speaker/{speaker}">Mara Quist</a>' in page
    assert f'In <a href="/quotes/article/{article}">Harbour plans approved</a>' in page


@pytest.fixture
def db_with_metadata(tmp_path, fake_nlp):
    """Three articles from a JSON Lines export, with outlets and publication dates."""
    from test_sources import write_jsonl

    path = tmp_path / "quotes.db"
    summary = indexer.index_paths([str(write_jsonl(tmp_path / "cms.jsonl"))], path)
    assert summary.ok and summary.indexed == 3
    return path


def facet_results(body: dict) -> dict:
    facets = body["facet_results"]
    return facets.get("results", facets)  # the shape differs between Datasette versions


def test_quotes_and_articles_are_faceted_by_outlet_and_publication_date(db_with_metadata):
    view, table = get(db_with_metadata, "/quotes/quotes_view.json", "/quotes/articles.json")
    for body in (view, table):
        facets = facet_results(body)
        outlets = {item["value"]: item["count"] for item in facets["outlet"]["results"]}
        assert outlets == {"The Coastal Gazette": 2, "Harbour Weekly": 1}
        assert facets["published"]["type"] == "date"
        dates = {item["value"]: item["count"] for item in facets["published"]["results"]}
        assert dates == {"2024-03-05": 1, "2024-03-06": 1, "2024-04-01": 1}
    # a facet value filters the quotes to that outlet, and a date to that day
    rows, dated = get(
        db_with_metadata,
        "/quotes/quotes_view.json?_shape=array&outlet=Harbour+Weekly",
        "/quotes/quotes_view.json?_shape=array&published__date=2024-04-01",
    )
    assert [row["speaker"] for row in rows] == ["Harbour Council"]
    assert [row["speaker"] for row in dated] == ["Tomas Lind"]


def test_quotes_are_faceted_by_category_so_a_user_can_keep_to_speech(db_path):
    view, table, speech = get(
        db_path,
        "/quotes/quotes_view.json",
        "/quotes/quotes.json",
        "/quotes/quotes_view.json?category=speech&_shape=array",
    )
    for body in (view, table):
        facets = body["facet_results"]
        facets = facets.get("results", facets)
        counts = {item["value"]: item["count"] for item in facets["category"]["results"]}
        assert counts == {"speech": len(speech)}  # the stand-in NLP finds only speech
    assert speech and all(row["category"] == "speech" for row in speech)


def test_the_articles_table_leads_with_headline_outlet_and_date():
    names = ["id", "source", "title", "text", "sha256", "outlet", "published", "author", "url"]
    ordered = [names[i] for i in column_order(names, "articles")]
    assert ordered[:5] == ["title", "outlet", "published", "author", "text"]
    assert ordered[-3:] == ["id", "source", "sha256"]


@pytest.mark.parametrize(
    "sql",
    [
        "select instr('abcabc','ca'), instr('abc',''), instr(null,'a'), instr(12345, 34)",
        "select instr(x'0102', x'02'), instr(1.5, '.5'), instr('héllo','l'), instr('a', null)",
        "select replace('aXbXc','X','--'), replace('abc','','z'), replace(null,'a','b')",
        "select replace('a','a',null), replace(1.50,'5','6'), replace('héé','é','e'), replace(x'6161', 'a', 'b')",
        "select trim('xxhixx','x'), ltrim('xxhixx','x'), rtrim('xxhixx','x'), trim('  a  ')",
        "select trim('abc',''), trim(null,'a'), trim('aba','ab'), rtrim('a]b]]',']'), ltrim('-^-x','^-')",
        "select printf('%d items, %s, %.2f, %%, %5s|', 3, 'abc', 2.345, 'x'), printf('%.*c', 3, 'y'), format('%q', 'it''s')",
    ],
)
def test_the_bounded_functions_answer_as_sqlite_s_own(sql):
    from quotes.web import limits

    bounded = sqlite3.connect(":memory:")
    limits.apply(bounded, 1_000_000)
    assert bounded.execute(sql).fetchall() == sqlite3.connect(":memory:").execute(sql).fetchall()


def test_a_replace_over_the_value_limit_is_refused():
    from quotes.web import limits

    conn = sqlite3.connect(":memory:")
    limits.apply(conn, 1000)
    assert conn.execute("select replace(printf('%.*c', 500, 'a'), 'a', 'b')").fetchone() == ("b" * 500,)
    with pytest.raises(sqlite3.DataError, match="too big"):
        conn.execute("select replace(printf('%.*c', 500, 'a'), 'a', 'bbb')").fetchone()


def test_the_quote_page_shows_the_same_statement_in_other_articles(site_index):
    """The seeds' Dresden line, grouped by quotes.statements, on the quote page."""
    db = store.open_db(site_index)
    name = site_index.stem
    groups = list(
        db.query(
            "select statement_id, group_concat(id) as ids from quotes "
            "where statement_id is not null group by statement_id "
            "having count(distinct article_id) > 1 order by count(*) desc"
        )
    )
    assert groups, "the seeds report one statement in several articles"
    ids = [int(i) for i in groups[0]["ids"].split(",")]
    page = html(site_index, f"/{name}/quote/{ids[0]}")
    section = re.findall(r'<section class="also-reported">.*?</section>', page, flags=re.S)[0]
    assert sorted(int(i) for i in re.findall(rf'href="/{name}/quote/(\d+)"', section)) == sorted(ids[1:])


def test_like_and_glob_answer_as_sqlite_s_own_on_random_input():
    import random

    from quotes.web import limits

    bounded, plain = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    limits.apply(bounded, 1_000_000)
    alphabet = ["a", "b", "A", "é", "É", "%", "_", "\\", "*", "?", "x", "\n"]
    rng = random.Random(15)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        pattern = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
        for sql in ("select ? like ?", "select ? like ? escape '\\'", "select ? glob ?"):
            assert bounded.execute(sql, [text, pattern]).fetchone() == plain.execute(
                sql, [text, pattern]
            ).fetchone(), (sql, text, pattern)


def interrupted_quote_db(tmp_path, *, with_plain: bool):
    """A database holding '"The bridge is late," she said. "It opens in May."' as one
    interrupted quote (and, ``with_plain``, its second piece again as a quote of its own):
    the path and the quotes' ids in text order."""
    from quotes.records import Article, Quote, Span

    text = 'Harbour news\n\n"The bridge is late," she said. "It opens in May."\n'
    first, second = Span(15, 33, "The bridge is late"), Span(47, 63, "It opens in May.")
    assert text[first.start : first.end] == first.text and text[second.start : second.end] == second.text
    quotes = [(Quote(first, "direct", parts=(first, second)), None)]
    if with_plain:
        quotes.append((Quote(second, "direct"), None))
    path = tmp_path / "quotes.db"
    db = store.open_db(path)
    store.save_article(db, Article("a.txt", text, "Harbour news"), quotes)
    ids = [r["id"] for r in db.query("select id from quotes order by start")]
    db.close()
    return path, ids


def test_an_interrupted_quote_page_shows_its_pieces_and_a_plain_one_none(tmp_path):
    path, ids = interrupted_quote_db(tmp_path, with_plain=True)
    interrupted, plain = html(path, f"/quotes/quote/{ids[0]}"), html(path, f"/quotes/quote/{ids[1]}")
    assert "An interrupted quote in 2 parts" in interrupted and "hl-part" in interrupted
    assert "interrupted quote" not in plain and "hl-part" not in plain


def test_an_interrupted_quote_is_found_by_a_word_of_its_second_piece(tmp_path):
    # "searching for words of the second piece finds nothing": quotes_fts indexed only the
    # first piece (quotes.text); it now indexes the whole wording
    path, (quote_id,) = interrupted_quote_db(tmp_path, with_plain=False)
    # SQL on the full-text table, as the README shows it
    conn = sqlite3.connect(path)
    hits = conn.execute("select rowid from quotes_fts where quotes_fts match 'May'").fetchall()
    conn.close()
    assert hits == [(quote_id,)]

    # the site's search page, with the hit marked in the whole wording
    page = html(path, "/quotes/search?q=May")
    found = re.findall(r'<ol class="search-quotes">.*?</ol>', page, flags=re.S)[0]
    assert found.count("<li>") == 1 and "The bridge is late It opens in <mark>May</mark>." in found
    # the Search canned query, the tables' search boxes and Who said this phrase?
    canned, table, view, who = get(
        path,
        "/quotes/search_quotes.json?_shape=array&q=opens",
        "/quotes/quotes.json?_shape=array&_search=opens",
        "/quotes/quotes_view.json?_shape=array&_search=opens",
        "/quotes/who_said_this.json?_shape=array&phrase=late+It+opens",
    )
    assert [r["quote_id"] for r in canned] == [quote_id]
    assert canned[0]["text"] == f"The bridge is late It {store.HIT_START}opens{store.HIT_END} in May."
    assert [r["id"] for r in table] == [quote_id] and table[0]["text"] == "The bridge is late"
    assert [r["quote_id"] for r in view] == [quote_id]
    assert [r["quote_id"] for r in who] == [quote_id]
    # the JSON of the pieces is not searched as words: "start" is no word of the quote
    (nothing,) = get(path, "/quotes/who_said_this.json?_shape=array&phrase=start")
    assert nothing == []

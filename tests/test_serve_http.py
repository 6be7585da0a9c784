"""Publishing hardened (issue 16), through HTTP against a running `quotes serve` on 127.0.0.1.

The index is the session's site_index (the seeds through the real pipeline, plus hand-written
articles holding what people type: don't, U.S., 50%, snake_case). Expected rows are worked out
here in Python from the database, never by the SQL under test.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

TYPED = ["don't", "U.S.", "50%", "%", "_", ""]


def request(url: str, data: bytes | None = None, headers: dict | None = None, timeout=30):
    """(status, body, seconds) of a GET, or a POST when ``data`` is given."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8"), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8"), time.monotonic() - started


def sql_url(base: str, name: str, sql: str) -> str:
    return f"{base}/{name}.json?" + urlencode({"sql": sql, "_shape": "array"})


@pytest.fixture(scope="module")
def site(site_server, site_index):
    return site_server, site_index.stem


def test_a_heavy_function_call_is_cut_at_once(site):
    base, name = site
    status, body, seconds = request(sql_url(base, name, "select length(printf('%.*c',900000000,'x')) as n"))
    # SQLite's answer for a value over its length limit is null, as for zeroblob() an error
    assert (status, json.loads(body)) == (200, [{"n": None}])
    assert seconds < 2, seconds
    status, body, seconds = request(sql_url(base, name, "select zeroblob(900000000)"))
    assert status == 400 and "too big" in body and seconds < 2


@pytest.mark.parametrize(
    "sql",
    [
        # quadratic in SQLite 3.40 (about 9 s each for these sizes), linear on the site
        "select instr(printf('%.*c', 800000, 'a'), printf('%.*c', 400000, 'a') || 'b') as n",
        "select length(replace(printf('%.*c', 800000, 'a'), printf('%.*c', 400000, 'a') || 'b', 'x')) as n",
        "select length(trim(printf('%.*c', 800000, 'a'), printf('%.*c', 400000, 'b') || 'a')) as n",
        # a pattern tried at every position (about 3 s in SQLite for these sizes)
        "select printf('%.*c', 1000000, 'a') like '%' || printf('%.*c', 998, 'a') || 'b' as n",
        "select printf('%.*c', 1000000, 'a') glob '*' || printf('%.*c', 998, 'a') || 'b' as n",
    ],
)
def test_search_and_replace_calls_on_huge_values_answer_at_once(site, sql):
    base, name = site
    status, body, seconds = request(sql_url(base, name, sql))
    assert status == 200 and seconds < 2, (body[:200], seconds)
    assert json.loads(body)[0]["n"] in (0, 800000)


def test_a_recursive_query_is_cut_by_the_time_limit(site):
    base, name = site
    sql = "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c"
    status, body, seconds = request(sql_url(base, name, sql))
    assert status == 400 and "too long" in body
    assert seconds < 2, seconds


def test_heavy_queries_at_once_leave_the_site_answering(site):
    base, name = site
    sql = "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c"
    results = []
    heavy = [
        threading.Thread(target=lambda: results.append(request(sql_url(base, name, sql))))
        for _ in range(3)
    ]
    for thread in heavy:
        thread.start()
    time.sleep(0.1)
    status, body, seconds = request(f"{base}/{name}/quote/1")
    for thread in heavy:
        thread.join()
    assert status == 200 and seconds < 3, seconds
    assert [r[0] for r in results] == [400, 400, 400]


# -- canned queries with what people type -------------------------------------------------------


def words(text: str) -> list[str]:
    """Words as SQLite's FTS5 unicode61 tokenizer cuts them (letters and digits)."""
    return re.findall(r"[^\W_]+", text.lower())


def has_phrase(text: str, typed: str) -> bool:
    want, have = words(typed), words(text)
    return bool(want) and any(have[i : i + len(want)] == want for i in range(len(have)))


def expected(db: Path, query: str, typed: str) -> set:
    """What a person expects from each canned query for ``typed``, worked out in Python."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = conn.execute(
        "select quotes.id, quotes.text, quotes.speaker_id, speakers.name, speakers.aliases "
        "from quotes left join speakers on speakers.id = quotes.speaker_id"
    ).fetchall()
    needle = typed.lower()
    if query == "quotes_by_speaker":
        return {
            r["id"]
            for r in rows
            if typed.strip() and r["name"] and (needle in r["name"].lower() or needle in r["aliases"].lower())
        }
    if query == "search_quotes":
        return {r["id"] for r in rows if has_phrase(r["text"], typed)}
    if query == "who_said_this":
        return {r["speaker_id"] for r in rows if typed.strip() and needle in r["text"].lower()}
    if query == "speakers_by_quotes":
        return {r["speaker_id"] for r in rows if r["speaker_id"] is not None}
    if query == "unattributed_quotes":
        return {r["id"] for r in rows if r["speaker_id"] is None}
    raise AssertionError(query)


PARAMETER = {
    "quotes_by_speaker": ("speaker", "quote_id"),
    "search_quotes": ("q", "quote_id"),
    "who_said_this": ("phrase", "speaker_id"),
    "speakers_by_quotes": (None, "speaker_id"),
    "unattributed_quotes": (None, "quote_id"),
}


def test_every_canned_query_is_covered():
    from quotes.web import site

    assert set(site.packaged_metadata()["databases"]["quotes"]["queries"]) == set(PARAMETER)


def test_the_typed_values_are_in_the_index(site_index):
    """The index holds quotes for don't, U.S., 50%, % and _, so empty answers prove nothing
    by accident."""
    for typed in ["don't", "U.S.", "50%", "%", "_"]:
        assert expected(site_index, "who_said_this", typed), typed
    assert expected(site_index, "search_quotes", "don't") and expected(site_index, "search_quotes", "U.S.")


@pytest.mark.parametrize("query", PARAMETER)
@pytest.mark.parametrize("typed", TYPED)
def test_canned_queries_answer_what_people_type(site, site_index, query, typed):
    base, name = site
    parameter, key = PARAMETER[query]
    args = {"_shape": "array", "_size": "max"}
    if parameter:
        args[parameter] = typed
    status, body, _ = request(f"{base}/{name}/{query}.json?" + urlencode(args))
    assert status == 200, body[:300]
    rows = json.loads(body)
    found = {row[key] for row in rows if row[key] is not None or query != "who_said_this"}
    assert found == expected(site_index, query, typed)
    # the page a person sees, too
    args.pop("_shape")
    status, page, _ = request(f"{base}/{name}/{query}?" + urlencode(args))
    assert status == 200 and "message-error" not in page


@pytest.mark.parametrize("query", PARAMETER)
def test_a_post_to_a_canned_query_is_refused_plainly(site, query):
    base, name = site
    for url in (f"{base}/{name}/{query}", f"{base}/{name}/{query}.json"):
        status, body, _ = request(url, data=b"q=x&speaker=x&phrase=x")
        assert status == 405, (url, status, body[:200])


def test_the_search_page_answers_what_people_type(site):
    base, name = site
    for typed in [*TYPED, "US-led", '"face of', "well-known", "Trump's"]:
        status, page, _ = request(f"{base}/{name}/search?" + urlencode({"q": typed}))
        assert status == 200 and "message-error" not in page, typed


# -- no paths in public pages -----------------------------------------------------------------


def crawl(base: str, name: str, db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    quote, article, speaker = conn.execute(
        "select id, article_id, speaker_id from quotes where speaker_id is not null"
    ).fetchone()
    paths = [
        "/",
        "/.json",
        f"/{name}",
        f"/{name}.json",
        "/-/databases.json",
        "/-/databases",
        "/-/plugins.json",
        "/-/plugins",
        "/-/versions.json",
        "/-/settings.json",
        "/-/metadata.json",
        "/-/threads.json",
        "/-/actor.json",
        f"/{name}/quote/{quote}",
        f"/{name}/article/{article}",
        f"/{name}/speaker/{speaker}",
        f"/{name}/search?q=Dresden",
        f"/{name}/quotes/{quote}",
        f"/{name}/quotes/{quote}.json",
        f"/{name}/no-such-table",
        f"/{name}.json?sql=select+*+from+no_such_table",
        f"/{name}.json?sql=select+zeroblob(900000000)",
        "/no-such-database",
    ]
    for table in ("articles", "speakers", "quotes", "quotes_view", "speaker_stats"):
        paths += [f"/{name}/{table}", f"/{name}/{table}.json"]
    for query in PARAMETER:
        paths += [f"/{name}/{query}", f"/{name}/{query}.json"]
    return {path: request(base + path)[1] for path in paths}


def test_no_page_shows_a_path_of_this_machine(site, site_index):
    base, name = site
    here = [
        str(site_index.parent.resolve()),
        str(Path(__file__).resolve().parents[1]),
        sys.prefix,
        str(Path.home()),
        "site-packages",
    ]
    absolute = re.compile(r"(?<![\w.:/])/(?:tmp|home|root|work|usr|opt|var|srv|Users)/")
    for path, body in crawl(base, name, site_index).items():
        for text in here:
            assert text not in body, (path, text)
        assert not absolute.search(body), (path, absolute.search(body))


def test_arbitrary_sql_is_refused_to_a_forwarded_request(site):
    base, name = site
    url = sql_url(base, name, "select 1 as one")
    assert request(url)[0] == 200
    assert request(url, headers={"X-Forwarded-For": "203.0.113.9"})[0] == 403
    canned = f"{base}/{name}/search_quotes.json?q=Dresden"
    assert request(canned, headers={"X-Forwarded-For": "203.0.113.9"})[0] == 200

"""Articles from HTML pages, URLs, feeds, JSON Lines/CSV, standard input, front matter and
sidecars, indexed end to end through the CLI (with the stand-in NLP of conftest.py).

The hand-written pages in tests/pages/ carry navigation, scripts, adverts, a cookie banner,
comments, a paywall block and JSON-LD: each of those holds a quotation the stand-in would find
if it leaked into the article text, so only the article's own quotations may come out.
"""

from __future__ import annotations

import gzip
import http.server
import json
import shutil
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from quotes.cli import cli

PAGES = Path(__file__).parent / "pages"
HARBOUR = {"The harbour will reopen in spring,", "We have waited long enough,"}
FERRY = {"The ferries will run as normal,"}


def index(*args: str, input: str | None = None):
    result = CliRunner().invoke(cli, ["index", *args], input=input)
    return result


def export(db: Path) -> list[dict]:
    result = CliRunner().invoke(cli, ["export", "--db", str(db)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def articles(db: Path) -> dict[str, dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {row["source"]: dict(row) for row in conn.execute("select * from articles")}


def check_offsets(db: Path, rows: list[dict]) -> None:
    stored = articles(db)
    for row in rows:
        assert stored[row["source"]]["text"][row["start"] : row["end"]] == row["text"]


# -- HTML pages -------------------------------------------------------------------------------


def test_a_page_gives_only_the_articles_own_quotes_with_its_metadata(tmp_path, fake_nlp):
    db = tmp_path / "q.db"
    result = index(str(PAGES / "harbour.html"), "--db", str(db))
    assert result.exit_code == 0, result.output
    rows = export(db)
    assert {row["text"] for row in rows} == HARBOUR
    assert {row["speaker"] for row in rows} == {"Mara Quist", "Tomas Lind"}
    for row in rows:
        assert row["outlet"] == "The Coastal Gazette"  # og:site_name and JSON-LD publisher
        assert row["published"] == "2024-03-05"  # JSON-LD datePublished
        assert row["author"] == "Lena Ortiz"
        assert row["url"] == "https://gazette.example/news/harbour-reopens"  # rel=canonical
        assert row["language"] == "en-GB"
    (article,) = articles(db).values()
    assert article["title"] == "Harbour to reopen in spring"
    assert "<" not in article["text"] and "&" not in article["text"]
    # the paywall block is in the stored text, but no quote comes from it
    assert "Unlock every story" in article["text"]
    check_offsets(db, rows)


def test_boilerplate_and_read_more_links_on_a_page_give_no_quote(tmp_path, fake_nlp):
    db = tmp_path / "q.db"
    assert index(str(PAGES / "ferry.html"), "--db", str(db)).exit_code == 0
    rows = export(db)
    assert {row["text"] for row in rows} == FERRY
    # no site name on the page: its host names the outlet
    assert rows[0]["outlet"] == "gazette.example"
    assert rows[0]["author"] == "Sam Berg"
    assert rows[0]["published"] is None


def test_a_folder_of_pages_and_gzipped_pages_is_indexed(tmp_path, fake_nlp):
    folder = tmp_path / "saved"
    folder.mkdir()
    shutil.copy(PAGES / "harbour.html", folder / "harbour.htm")
    (folder / "ferry.html.gz").write_bytes(gzip.compress((PAGES / "ferry.html").read_bytes()))
    db = tmp_path / "q.db"
    result = index(str(folder), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert {row["text"] for row in export(db)} == HARBOUR | FERRY
    again = index(str(folder), "--db", str(db))
    assert "0 indexed, 2 unchanged" in again.output


def test_a_folder_without_articles_says_what_it_skipped(tmp_path, fake_nlp):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.pdf").write_bytes(b"%PDF")
    (tmp_path / "docs" / "export.jsonl").write_text("{}\n")
    result = index(str(tmp_path / "docs"), "--db", str(tmp_path / "q.db"))
    assert result.exit_code == 1
    assert "no .txt or .html files (2 other files skipped: " in result.output
    assert "read when named" in result.output


def test_a_page_that_is_not_an_article_is_an_error_line(tmp_path, fake_nlp):
    (tmp_path / "empty.html").write_text(
        "<html><head><title>Log in</title><script>var a = 1;</script></head><body></body></html>"
    )
    result = index(str(tmp_path / "empty.html"), "--db", str(tmp_path / "q.db"))
    assert result.exit_code == 1
    assert "error: " in result.output and "no article text found" in result.output


# -- URLs and feeds, from a server on 127.0.0.1 --------------------------------------------------

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>Coastal Gazette: News</title>
<link>http://{host}/</link>
<item><title>Ferry strike called off</title><link>http://{host}/ferry</link>
  <pubDate>Thu, 07 Mar 2024 08:15:00 GMT</pubDate></item>
<item><title>Gone</title><link>http://{host}/gone</link></item>
<item><title>Slow</title><link>http://{host}/slow</link></item>
<item><title>Ferry again</title><link>http://{host}/ferry</link></item>
</channel></rss>
"""


@pytest.fixture
def server():
    """A web server on 127.0.0.1: /harbour and /ferry pages, /feed.xml, /gone (404), /slow."""

    class Handler(http.server.BaseHTTPRequestHandler):
        hits: list[str] = []

        def do_GET(self):
            Handler.hits.append(self.path)
            host = f"127.0.0.1:{self.server.server_address[1]}"
            pages = {
                "/harbour": ("text/html; charset=utf-8", (PAGES / "harbour.html").read_bytes()),
                "/ferry": ("text/html", (PAGES / "ferry.html").read_bytes()),
                "/feed.xml": ("application/rss+xml", FEED.format(host=host).encode()),
                "/plain": ("text/plain", b'Plain\n"Just text," said Ann Lee.\n'),
            }
            if self.path == "/slow":
                time.sleep(3)
            if self.path.startswith("/drip"):
                # headers at once, then a byte every 0.1 s: each wait is short, the whole is not
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                for _ in range(40):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
                return
            if self.path.startswith("/broken"):
                self.send_error(503, "Service Unavailable")
                return
            if self.path not in pages:
                self.send_error(404, "Not Found")
                return
            content_type, body = pages[self.path]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", Handler.hits
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_url_is_fetched_and_indexed_under_its_address(tmp_path, fake_nlp, server):
    base, _ = server
    db = tmp_path / "q.db"
    result = index(f"{base}/harbour", f"{base}/plain", "--db", str(db))
    assert result.exit_code == 0, result.output
    rows = export(db)
    assert {row["text"] for row in rows} == HARBOUR | {"Just text,"}
    assert {row["source"] for row in rows} == {f"{base}/harbour", f"{base}/plain"}
    check_offsets(db, rows)


def test_a_feed_indexes_its_items_and_failing_urls_get_an_error_line_each(
    tmp_path, fake_nlp, server
):
    base, hits = server
    db = tmp_path / "q.db"
    started = time.monotonic()
    result = index(
        f"{base}/harbour", f"{base}/missing", "--feed", f"{base}/feed.xml", "--timeout", "0.5",
        "--db", str(db),
    )  # fmt: skip
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert sorted(errors) == [
        f"error: {base}/gone: HTTP 404 Not Found",
        f"error: {base}/missing: HTTP 404 Not Found",
        f"error: {base}/slow: timed out after 0.5 s",
    ]
    # the rest of the run is stored
    rows = export(db)
    assert {row["text"] for row in rows} == HARBOUR | FERRY
    ferry = next(row for row in rows if row["source"] == f"{base}/ferry")
    # the page gives no date or site name: the feed's item date and title stand in
    assert ferry["published"] == "2024-03-07T08:15:00+00:00"
    assert ferry["outlet"] == "Coastal Gazette: News"
    assert ferry["author"] == "Sam Berg"  # the page's own
    # one attempt per URL, the item listed twice fetched once
    assert hits.count("/slow") == 1 and hits.count("/ferry") == 1 and hits.count("/gone") == 1


def test_a_feed_run_again_fetches_only_the_items_not_indexed_yet(tmp_path, fake_nlp, server):
    # "a demanding user re-running a feed hourly expects already-indexed items not to be
    # downloaded again": the indexed /ferry is skipped; /gone and /slow failed, so they are
    # tried again
    base, hits = server
    db = tmp_path / "q.db"
    run = ("--feed", f"{base}/feed.xml", "--timeout", "0.5", "--db", str(db))
    first = index(*run)
    assert "1 indexed, 0 unchanged, 2 failed" in first.output
    assert hits.count("/ferry") == 1 and hits.count("/gone") == 1
    stored = articles(db)
    second = index(*run)
    assert "0 indexed, 1 unchanged, 2 failed" in second.output
    assert hits.count("/feed.xml") == 2 and hits.count("/ferry") == 1
    assert hits.count("/gone") == 2 and hits.count("/slow") == 2
    assert articles(db) == stored


def item(link: str, guid: str | None = None, date: str | None = None) -> str:
    return (
        f"<item><title>t</title><link>{link}</link>"
        + (f"<guid isPermaLink='false'>{guid}</guid>" if guid else "")
        + (f"<pubDate>{date}</pubDate>" if date else "")
        + "</item>"
    )


def test_a_feed_item_is_fetched_again_when_its_guid_or_date_changes_or_with_force(
    tmp_path, fake_nlp, server
):
    base, hits = server
    feed, db = tmp_path / "feed.rss", tmp_path / "q.db"

    def write(harbour_date: str, plain_guid: str) -> None:
        items = (
            item(f"{base}/harbour", "harbour-1", harbour_date)
            + item(f"{base}/ferry")  # neither guid nor date: its URL is enough
            + item(f"{base}/plain", plain_guid)
        )
        feed.write_text(f'<rss version="2.0"><channel><title>G</title>{items}</channel></rss>')

    def run(*extra: str) -> str:
        result = index("--feed", str(feed), "--db", str(db), *extra)
        assert result.exit_code == 0, result.output
        return result.output

    def fetched() -> dict[str, int]:
        return {page: hits.count(page) for page in ("/harbour", "/ferry", "/plain")}

    write("Thu, 07 Mar 2024 08:15:00 GMT", "plain-1")
    assert "3 indexed, 0 unchanged" in run()
    harbour = articles(db)[f"{base}/harbour"]
    assert (harbour["feed_guid"], harbour["feed_updated"]) == ("harbour-1", "2024-03-07T08:15:00+00:00")
    assert "0 indexed, 3 unchanged" in run()
    assert fetched() == {"/harbour": 1, "/ferry": 1, "/plain": 1}

    # the feed dates the harbour item anew and gives the plain page another guid: both are
    # fetched; their pages are the same, so they count as unchanged and are not re-indexed
    write("Fri, 08 Mar 2024 10:00:00 GMT", "plain-2")
    assert "0 indexed, 3 unchanged" in run()
    assert fetched() == {"/harbour": 2, "/ferry": 1, "/plain": 2}
    assert articles(db)[f"{base}/harbour"]["feed_updated"] == "2024-03-08T10:00:00+00:00"
    assert "0 indexed, 3 unchanged" in run()
    assert fetched() == {"/harbour": 2, "/ferry": 1, "/plain": 2}

    # --force fetches and indexes every item again
    assert "3 indexed, 0 unchanged" in run("--force")
    assert fetched() == {"/harbour": 3, "/ferry": 2, "/plain": 3}


def test_feed_items_indexed_before_guids_were_kept_upgrade_without_losing_rows(
    tmp_path, fake_nlp, server
):
    import hashlib

    import sqlite_utils

    from quotes import store
    from quotes.records import Article

    base, hits = server
    db = tmp_path / "q.db"
    old = sqlite_utils.Database(db)
    store.migrate(old, store.MIGRATIONS[: store.MIGRATIONS.index(store._add_feed_items)])
    for page, name in (("/harbour", "harbour.html"), ("/ferry", "ferry.html")):
        digest = hashlib.sha256((PAGES / name).read_bytes()).hexdigest()
        store.save_article(old, Article(f"{base}{page}", "stored text", "T", digest=digest), [])
    old.close()
    feed = tmp_path / "feed.rss"
    items = item(f"{base}/harbour", "harbour-1") + item(f"{base}/ferry")
    feed.write_text(f'<rss version="2.0"><channel><title>G</title>{items}</channel></rss>')

    # the item with a guid is fetched once to learn it (its page is unchanged); the one
    # without is known by its URL alone
    result = index("--feed", str(feed), "--db", str(db))
    assert "0 indexed, 2 unchanged" in result.output
    assert (hits.count("/harbour"), hits.count("/ferry")) == (1, 0)
    stored = articles(db)
    assert {a["text"] for a in stored.values()} == {"stored text"}
    assert stored[f"{base}/harbour"]["feed_guid"] == "harbour-1"
    assert stored[f"{base}/ferry"]["feed_guid"] is None
    result = index("--feed", str(feed), "--db", str(db))
    assert "0 indexed, 2 unchanged" in result.output
    assert (hits.count("/harbour"), hits.count("/ferry")) == (1, 0)


def test_a_feed_given_as_a_path_says_to_use_feed(tmp_path, fake_nlp, server):
    base, _ = server
    result = index(f"{base}/feed.xml", "--db", str(tmp_path / "q.db"))
    assert result.exit_code == 1
    assert f"this is an RSS/Atom feed; index it with --feed {base}/feed.xml" in result.output


def test_a_refused_connection_is_an_error_line(tmp_path, fake_nlp):
    # a port bound on 127.0.0.1 but not listening refuses connections
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{bound.getsockname()[1]}/x"
        result = index(url, "--timeout", "2", "--db", str(tmp_path / "q.db"))
    assert result.exit_code == 1
    assert f"error: {url}: cannot fetch: " in result.output


# -- JSON Lines, CSV and standard input -----------------------------------------------------------

RECORDS = [
    {
        "id": "a1",
        "title": "Harbour plans approved",
        "text": 'Harbour plans approved\n"The harbour will reopen in spring," said Mara Quist.\n',
        "outlet": "The Coastal Gazette",
        "published": "2024-03-05",
        "author": "Lena Ortiz",
        "url": "https://gazette.example/a1",
    },
    {
        "id": "a2",
        "text": 'Council answers critics\n"No decision has been taken," said Harbour Council.\n',
        "outlet": "Harbour Weekly",
        "published": "2024-03-06T10:00:00Z",
        "author": "Ana Ruiz",
        "url": "https://weekly.example/a2",
    },
    {
        "id": "a3",
        "text": 'Ferry strike\n"The ferries stop tonight," said Tomas Lind.\n',
        "outlet": "The Coastal Gazette",
        "published": "2024-04-01",
        "author": "Lena Ortiz",
        "url": "https://gazette.example/a3",
        "language": "en",
    },
]


def write_jsonl(path: Path, records=RECORDS) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_json_lines_file_of_three_articles_indexes_as_three_articles_with_metadata(
    tmp_path, fake_nlp
):
    db = tmp_path / "q.db"
    source = write_jsonl(tmp_path / "cms.jsonl")
    result = index(str(source), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "3 indexed" in result.output
    stored = articles(db)
    assert set(stored) == {f"{source}#a1", f"{source}#a2", f"{source}#a3"}
    for record in RECORDS:
        row = stored[f"{source}#{record['id']}"]
        assert row["text"] == record["text"]
        assert row["author"] == record["author"] and row["url"] == record["url"]
        assert row["outlet"] == record["outlet"]
    assert stored[f"{source}#a2"]["published"] == "2024-03-06T10:00:00+00:00"
    assert stored[f"{source}#a2"]["title"] == "Council answers critics"
    assert stored[f"{source}#a1"]["title"] == "Harbour plans approved"
    rows = export(db)
    assert len(rows) == 3
    assert {(row["outlet"], row["published"][:10]) for row in rows} == {
        ("The Coastal Gazette", "2024-03-05"),
        ("Harbour Weekly", "2024-03-06"),
        ("The Coastal Gazette", "2024-04-01"),
    }
    check_offsets(db, rows)
    # unchanged records are skipped; a changed one is re-indexed alone
    changed = [*RECORDS[:2], {**RECORDS[2], "author": "Tomas Berg"}]
    write_jsonl(source, changed)
    again = index(str(source), "--db", str(db))
    assert "1 indexed, 2 unchanged" in again.output
    assert articles(db)[f"{source}#a3"]["author"] == "Tomas Berg"


def test_bad_records_are_error_lines_and_the_others_are_indexed(tmp_path, fake_nlp):
    source = tmp_path / "cms.jsonl"
    source.write_text(
        json.dumps(RECORDS[0]) + "\n"
        + "{not json\n"
        + json.dumps({"id": "x", "title": "no text"}) + "\n"
        + json.dumps({**RECORDS[1], "published": "last Tuesday", "section": "news"}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    db = tmp_path / "q.db"
    result = index(str(source), "--db", str(db))
    assert result.exit_code == 1
    assert f"error: {source}:2: not JSON" in result.output
    assert f"error: {source}#x: line 3: no text" in result.output
    assert "'last Tuesday' is not a date" in result.output
    assert "fields not used: section" in result.output
    assert set(articles(db)) == {f"{source}#a1", f"{source}#a2"}


def test_a_csv_file_of_articles(tmp_path, fake_nlp):
    source = tmp_path / "cms.csv"
    source.write_text(
        "title,text,outlet,published,author,url\n"
        'Harbour,"Harbour\n""We are delighted,"" said Mara Quist.\n",Gazette,2024-03-05,Lena Ortiz,https://g.example/1\n'
        'Ferry,"""The ferries stop tonight,"" said Tomas Lind.",Weekly,2024-03-06,,\n',
        encoding="utf-8",
    )
    db = tmp_path / "q.db"
    result = index(str(source), "--db", str(db))
    assert result.exit_code == 0, result.output
    stored = articles(db)
    assert set(stored) == {f"{source}:2", f"{source}:5"}
    assert stored[f"{source}:2"]["outlet"] == "Gazette"
    assert stored[f"{source}:5"]["author"] is None
    assert {row["text"] for row in export(db)} == {"We are delighted,", "The ferries stop tonight,"}


def test_standard_input_takes_text_html_or_json_lines(tmp_path, fake_nlp):
    db = tmp_path / "q.db"
    result = index("-", "--db", str(db), input='Ferry\n"Stop," said Tomas Lind.\n')
    assert result.exit_code == 0, result.output
    assert set(articles(db)) == {"<stdin>"}
    result = index("-", "--db", str(db), input=(PAGES / "harbour.html").read_text())
    assert result.exit_code == 0, result.output
    assert articles(db)["<stdin>"]["outlet"] == "The Coastal Gazette"
    lines = "".join(json.dumps(r) + "\n" for r in RECORDS)
    result = index("-", "--db", str(db), input=lines)
    assert result.exit_code == 0, result.output
    assert {"<stdin>#a1", "<stdin>#a2", "<stdin>#a3"} <= set(articles(db))


# -- text files: front matter, sidecars, line endings -------------------------------------------


def test_front_matter_gives_metadata_and_is_never_read_for_quotes(tmp_path, fake_nlp):
    path = tmp_path / "a.txt"
    path.write_text(
        "---\n"
        "title: Harbour plans approved\n"
        "outlet: The Coastal Gazette\n"
        "published: 2024-03-05\n"
        "author: Lena Ortiz\n"
        "url: https://gazette.example/a\n"
        "summary: '\"Not a quote,\" said Front Matter'\n"
        "---\n"
        'Harbour plans approved\n"The harbour will reopen in spring," said Mara Quist.\n',
        encoding="utf-8",
    )
    db = tmp_path / "q.db"
    result = index(str(path), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "unknown field 'summary' ignored" in result.output
    (row,) = export(db)
    assert row["text"] == "The harbour will reopen in spring,"
    assert (row["outlet"], row["published"], row["author"]) == (
        "The Coastal Gazette",
        "2024-03-05",
        "Lena Ortiz",
    )
    # offsets index the file as read, front matter included
    assert path.read_text(encoding="utf-8")[row["start"] : row["end"]] == row["text"]
    assert articles(db)[str(path)]["title"] == "Harbour plans approved"


def test_a_sidecar_gives_metadata_and_a_change_to_it_reindexes(tmp_path, fake_nlp):
    path = tmp_path / "a.txt"
    path.write_text('Headline\n"Kept," said Ann Lee.\n', encoding="utf-8")
    sidecar = tmp_path / "a.meta.json"
    sidecar.write_text(json.dumps({"outlet": "Gazette", "date": "2024-03-05"}))
    db = tmp_path / "q.db"
    assert index(str(tmp_path), "--db", str(db)).exit_code == 0
    assert articles(db)[str(path)]["published"] == "2024-03-05"
    sidecar.write_text(json.dumps({"outlet": "Weekly"}))
    result = index(str(tmp_path), "--db", str(db))
    assert "1 indexed" in result.output
    assert articles(db)[str(path)]["outlet"] == "Weekly"


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode(),
        lambda t: t.replace("\n", "\r\n").encode(),
        lambda t: t.replace("\n", "\r").encode(),
        lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode(),
    ],
    ids=["lf", "crlf", "cr", "bom-crlf"],
)
def test_line_endings_and_a_bom_change_no_quote_only_offsets(tmp_path, fake_nlp, encode):
    text = (
        'Headline\n\n"First words," said Ann Lee.\n'
        "Subscribe to our newsletter\n"
        '"Second words," said Bo Park.\n'
    )
    path = tmp_path / "a.txt"
    path.write_bytes(encode(text))
    db = tmp_path / "q.db"
    assert index(str(path), "--db", str(db)).exit_code == 0
    rows = export(db)
    assert [(r["text"], r["speaker"], r["cue"]) for r in rows] == [
        ("First words,", "Ann Lee", "said"),
        ("Second words,", "Bo Park", "said"),
    ]
    stored = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    for row in rows:
        assert stored[row["start"] : row["end"]] == row["text"]
        assert stored[row["speaker_start"] : row["speaker_end"]] == row["speaker"]


def test_index_needs_a_path_or_a_feed(tmp_path):
    result = index("--db", str(tmp_path / "q.db"))
    assert result.exit_code == 2
    assert "give at least one PATH or --feed" in result.output


def test_a_page_in_another_character_set_is_read_with_a_warning_when_undeclared(tmp_path, fake_nlp):
    body = (
        "<html><head>{meta}<title>Caf\xe9</title></head><body><article>"
        "<p>The caf\xe9 will reopen in spring after two years of repairs, the council said.</p>"
        '<p>"We are delighted to reopen the caf\xe9," said Mara Quist, who runs it.</p>'
        "</article></body></html>"
    )
    declared = tmp_path / "declared.html"
    declared.write_bytes(body.format(meta='<meta charset="iso-8859-1">').encode("latin-1"))
    undeclared = tmp_path / "undeclared.html"
    undeclared.write_bytes(body.format(meta="").encode("latin-1"))
    db = tmp_path / "q.db"
    result = index(str(declared), str(undeclared), "--db", str(db))
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1 and "undeclared.html: page is not UTF-8" in warnings[0]
    assert {row["text"] for row in export(db)} == {"We are delighted to reopen the caf\xe9,"}


def test_an_atom_feed_saved_as_a_file(tmp_path, fake_nlp, server):
    base, _ = server
    feed = tmp_path / "feed.atom"
    feed.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Harbour Weekly</title>'
        f'<entry><title>Harbour</title><link href="{base}/harbour"/>'
        "<updated>2024-03-09T12:00:00Z</updated><author><name>Desk</name></author></entry>"
        "</feed>",
        encoding="utf-8",
    )
    db = tmp_path / "q.db"
    result = index("--feed", str(feed), "--db", str(db))
    assert result.exit_code == 0, result.output
    rows = export(db)
    assert {row["text"] for row in rows} == HARBOUR
    # the page's own metadata wins over the feed's
    assert {(row["outlet"], row["published"], row["author"]) for row in rows} == {
        ("The Coastal Gazette", "2024-03-05", "Lena Ortiz")
    }
    broken = tmp_path / "broken.xml"
    broken.write_text("<html><body>not a feed</body></html>", encoding="utf-8")
    result = index("--feed", str(broken), "--db", str(db))
    assert result.exit_code == 1
    assert f"error: {broken}: " in result.output


def test_a_page_in_two_feeds_and_given_as_a_url_is_fetched_and_stored_once(
    tmp_path, fake_nlp, server
):
    base, hits = server
    saved = tmp_path / "other.xml"
    saved.write_text(
        f"<rss version='2.0'><channel><title>Other</title>{item(f'{base}/ferry', 'f-1')}"
        f"{item(f'{base}/harbour', 'h-1')}</channel></rss>",
        encoding="utf-8",
    )
    db = tmp_path / "q.db"
    result = index(
        f"{base}/harbour", "--feed", str(saved), "--feed", f"{base}/feed.xml", "--timeout", "0.5",
        "--db", str(db),
    )  # fmt: skip
    assert "2 indexed, 0 unchanged, 2 failed" in result.output
    assert hits.count("/ferry") == 1 and hits.count("/harbour") == 1
    assert sorted(articles(db)) == [f"{base}/ferry", f"{base}/harbour"]


def test_a_dribbling_server_meets_a_deadline_and_a_failing_host_is_given_up(
    tmp_path, fake_nlp, server
):
    base, hits = server
    urls = [f"{base}/drip", f"{base}/broken1", f"{base}/broken2", f"{base}/broken3"]
    started = time.monotonic()
    result = index(*urls, "--timeout", "0.5", "--db", str(tmp_path / "q.db"))
    assert time.monotonic() - started < 4
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: {base}/drip: still downloading after 1.5 s",
        f"error: {base}/broken1: HTTP 503 Service Unavailable",
        f"error: {base}/broken2: HTTP 503 Service Unavailable",
        f"error: {base}/broken3: skipped: 127.0.0.1 already failed 3 times in this run",
    ]
    assert "/broken3" not in hits

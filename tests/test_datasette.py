"""The Datasette site `quotes serve` runs: metadata.yml against the real schema."""

import asyncio
import shutil

import pytest

from quotes import export, indexer


@pytest.fixture
def db_path(tmp_path, articles, fake_nlp):
    path = tmp_path / "quotes.db"
    summary = indexer.index_paths([str(articles)], path)
    assert summary.ok and summary.quotes
    return path


def get(db_path, *paths: str) -> list:
    """GET each path from a fresh Datasette over ``db_path``; return the JSON bodies."""

    async def run():
        ds = export.datasette_app(db_path)
        await ds.invoke_startup()
        bodies = []
        for path in paths:
            response = await ds.client.get(path)
            assert response.status_code == 200, (path, response.text[:500])
            bodies.append(response.json())
        return bodies

    return asyncio.run(run())


def test_metadata_describes_every_table_and_column(db_path):
    import sqlite_utils

    metadata = export.load_metadata(db_path)
    tables = metadata["databases"]["quotes"]["tables"]
    db = sqlite_utils.Database(db_path)
    for name in ["articles", "speakers", "quotes", "quotes_view", "speaker_stats"]:
        assert tables[name]["description"], name
        assert set(tables[name]["columns"]) == set(db[name].columns_dict), name


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


# each canned query in metadata.yml: its parameters and what its first row must hold
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
    queries = export.load_metadata("quotes.db")["databases"]["quotes"]["queries"]
    assert set(queries) == set(CANNED)


def test_metadata_follows_a_database_with_another_name(db_path, tmp_path):
    other = tmp_path / "newsroom.db"
    shutil.copy(db_path, other)
    (view,) = get(other, "/newsroom/quotes_view.json")
    assert view["facet_results"]
    (rows,) = get(other, "/newsroom/search_quotes.json?_shape=array&q=harbour")
    assert len(rows) == 1


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

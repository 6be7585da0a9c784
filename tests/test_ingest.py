import codecs
import os

import pytest

from quotes import ingest


def test_expand_walks_directories_for_txt_files_in_sorted_order(articles):
    files, problems = ingest.expand([str(articles)])
    assert problems == []
    assert files == [
        os.path.join(str(articles), "a.txt"),
        os.path.join(str(articles), "b.txt"),
        os.path.join(str(articles), "more", "c.txt"),
    ]


def test_expand_keeps_argument_order_takes_files_of_any_name_and_reads_each_once(articles):
    notes, b = str(articles / "notes.md"), os.path.join(str(articles), "b.txt")
    files, problems = ingest.expand([notes, str(articles), b])
    assert problems == []
    assert files[0] == notes
    assert files.count(b) == 1
    assert len(files) == 4


def test_expand_reports_missing_paths_and_directories_without_articles(tmp_path, articles):
    (tmp_path / "empty").mkdir()
    files, problems = ingest.expand(
        [str(tmp_path / "missing.txt"), str(tmp_path / "empty"), str(articles / "a.txt")]
    )
    assert files == [str(articles / "a.txt")]
    assert [p.source for p in problems] == [str(tmp_path / "missing.txt"), str(tmp_path / "empty")]
    assert "no such file" in problems[0].reason
    assert "no .txt or .html files" in problems[1].reason


def test_text_is_kept_verbatim_so_offsets_index_the_file(tmp_path):
    raw = 'Title\r\n\r\n"Caf\u00e9 \U0001f600 open," she said.\r\n'
    path = tmp_path / "crlf.txt"
    path.write_bytes(raw.encode("utf-8"))
    article = ingest.read_article(str(path))
    assert article.text == raw
    assert article.title == "Title"
    assert article.source == str(path)


def test_a_utf8_byte_order_mark_is_dropped(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(codecs.BOM_UTF8 + "Headline\nBody\n".encode())
    article = ingest.read_article(str(path))
    assert article.text == "Headline\nBody\n"
    assert article.title == "Headline"


def test_title_is_the_first_non_empty_line(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("\n   \n  The headline  \nbody\n", encoding="utf-8")
    assert ingest.read_article(str(path)).title == "The headline"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b" \n\t\r\n", "only whitespace"),
        (b"text\x00\x01\x02more", "binary file, not text (NUL byte at byte offset 4)"),
        (b"caf\xe9 au lait", "not valid UTF-8: byte 0xe9 at byte offset 3"),
        (codecs.BOM_UTF16_LE + "hello".encode("utf-16-le"), "UTF-16"),
    ],
    ids=["empty", "whitespace", "binary", "latin-1", "utf-16"],
)
def test_unreadable_files_raise_bad_input_naming_the_file(tmp_path, data, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(ingest.BadInput) as raised:
        ingest.read_article(str(path))
    assert raised.value.source == str(path)
    assert message in raised.value.reason
    assert str(raised.value).startswith(f"{path}: ")


def test_missing_and_unreadable_paths_raise_bad_input(tmp_path):
    with pytest.raises(ingest.BadInput, match="No such file"):
        ingest.read_article(str(tmp_path / "gone.txt"))
    with pytest.raises(ingest.BadInput):
        ingest.read_article(str(tmp_path))  # a directory


def test_replacement_characters_are_a_warning_not_an_error(tmp_path):
    path = tmp_path / "damaged.txt"
    path.write_text("Headline\nThey don\ufffdt know, and \ufffd again.\n", encoding="utf-8")
    article = ingest.read_article(str(path))
    assert "\ufffd" in article.text
    (warning,) = ingest.warnings(article)
    assert "2 U+FFFD replacement characters" in warning
    assert "line 2" in warning
    assert f"offset {article.text.index(chr(0xFFFD))}" in warning


def test_clean_articles_have_no_warnings(tmp_path):
    path = tmp_path / "ok.txt"
    path.write_text("Headline\nAll fine.\n", encoding="utf-8")
    assert ingest.warnings(ingest.read_article(str(path))) == []


def test_front_matter_is_metadata_and_the_title_skips_it_and_boilerplate(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(
        b"---\r\noutlet: Gazette\r\npublished: 2024-03-05\r\n---\r\n"
        b"Subscribe to the Gazette\r\nHeadline\r\nBody.\r\n"
    )
    article = ingest.read_article(str(path))
    assert article.text.startswith("---\r\noutlet")  # offsets index the file
    assert (article.outlet, article.published, article.title) == (
        "Gazette",
        "2024-03-05",
        "Headline",
    )
    assert ingest.view(article).text == "Headline\nBody.\n"


def test_a_rule_of_dashes_that_is_not_front_matter_stays_text(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("---\nJust a rule\n---\nBody.\n", encoding="utf-8")
    article = ingest.read_article(str(path))
    assert article.skip == () and article.outlet is None
    assert article.title == "---"


def test_a_digest_of_the_bytes_decides_unchanged_and_matches_the_old_text_hash(tmp_path):
    import hashlib

    path = tmp_path / "a.txt"
    path.write_bytes(b"Headline\r\nBody.\r\n")
    article = ingest.read_article(str(path))
    assert article.sha256 == hashlib.sha256(b"Headline\r\nBody.\r\n").hexdigest()

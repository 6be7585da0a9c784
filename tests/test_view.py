"""The pipeline's view of an article: line breaks normalised, skipped ranges left out, and
every offset mapped back to the stored text."""

from quotes.ingest import view
from quotes.records import Article, Quote, Span, SpeakerRef


def article(text: str, skip=()) -> Article:
    return Article(source="a.txt", text=text, skip=tuple(skip))


def test_a_plain_article_is_read_as_stored():
    a = article("One.\nTwo.\n")
    v = view(a)
    assert v.text is a.text
    quote = Quote(content=Span(0, 4, "One."), kind="direct")
    assert v.restore(quote) is quote


def test_windows_and_mac_line_breaks_read_as_newlines_and_map_back():
    stored = 'Head\r\n\r\n"Yes," said Ann.\rNext\r\n'
    v = view(article(stored))
    assert v.text == 'Head\n\n"Yes," said Ann.\nNext\n'
    for start in range(len(v.text)):
        for end in range(start + 1, len(v.text) + 1):
            s, e = v.start(start), v.end(end)
            assert stored[s:e].replace("\r\n", "\n").replace("\r", "\n") == v.text[start:end]


def test_skipped_ranges_are_left_out_and_offsets_after_them_shift_back():
    stored = "---\ntitle: X\n---\nBody one.\r\nSign up\r\nBody two.\n"
    skip = [(0, stored.index("Body")), (stored.index("Sign"), stored.index("Body two"))]
    v = view(article(stored, skip))
    assert v.text == "Body one.\nBody two.\n"
    at = v.text.index("two")
    span = v.span(Span(at, at + 3, "two"))
    assert stored[span.start : span.end] == "two" == span.text


def test_restore_maps_every_span_of_a_quote():
    stored = 'Intro\r\n"Yes," said Ann Lee.\r\n'
    v = view(article(stored))
    t = v.text
    quote = Quote(
        content=Span(t.index("Yes"), t.index("Yes") + 4, "Yes,"),
        kind="direct",
        cue=Span(t.index("said"), t.index("said") + 4, "said"),
        speaker=SpeakerRef(
            name="Ann Lee",
            kind="person",
            mention=Span(t.index("Ann"), t.index("Ann") + 7, "Ann Lee"),
        ),
    )
    restored = v.restore(quote)
    for span in (restored.content, restored.cue, restored.speaker.mention):
        assert stored[span.start : span.end] == span.text
    assert restored.speaker.mention.start == stored.index("Ann")
    assert quote.content.start == t.index("Yes")  # the original is untouched


def test_doubled_apostrophes_read_as_one_quotation_mark_and_map_back():
    stored = "Asked why, he said, ''We won.'' Then ``rock 'n' roll.'' It's over.\r\n"
    v = view(article(stored))
    assert v.text == 'Asked why, he said, "We won." Then "rock \'n\' roll." It\'s over.\n'
    at = v.text.index("We won.")
    span = v.span(Span(at, at + 7, "We won."))
    assert span.text == "We won." == stored[span.start : span.end]
    whole = v.span(Span(at - 1, at + 8, v.text[at - 1 : at + 8]))
    assert whole.text == "''We won.''"


def test_the_pipeline_reads_a_doubled_apostrophe_quotation(nlp):
    from quotes import pipeline

    text = ("Lamenting their luck, farmers in the valley often say, ''Poor us, so far from rain "
            "and so close to the river.''\n")
    [(_, quotes)] = list(pipeline.find_quotes(nlp, [article(text)]))
    [quote] = [q for q in quotes if q.kind == "direct"]
    assert quote.content.text == "Poor us, so far from rain and so close to the river."
    assert quote.cue.text == "often say"


def test_a_stored_offset_maps_into_the_view():
    stored = "---\nx\n---\nHe said, ''We won.''\r\nNext.\n"
    v = view(article(stored, [(0, stored.index("He"))]))
    for i, ch in enumerate(stored):
        j = v.offset_in_view(i)
        if i >= stored.index("He") and ch not in "'\r":
            assert v.text[j] == ch
    assert v.text[v.offset_in_view(stored.index("''"))] == '"'
    assert v.offset_in_view(0) == 0
    assert v.offset_in_view(len(stored)) == len(v.text)

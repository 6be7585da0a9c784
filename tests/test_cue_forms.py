"""Sources no rule can name, and the colon, participle and dash cues, with the real pipeline.

The sentences are made up for these tests. They need the packaged en_quotes_sm; without it
they fail.
"""

from __future__ import annotations

import warnings

import pytest
import sqlite_utils

from quotes import evaluate, indexer
from quotes.extract import find_quotes

# --- a source no rule can name ----------------------------------------------------------------


def test_unnamed_source_of_a_direct_quote_keeps_its_phrase(nlp):
    doc = nlp("“We need change,” the announcer said.")
    [quote] = doc._.quotes
    assert quote.content.text == "We need change"
    assert quote.speaker is None
    assert quote.method == "none"
    # the attribution model's source boundaries, PolNeAR's: the phrase with its determiner
    assert quote.mention.text == "the announcer"
    assert doc.text[quote.mention.start : quote.mention.end] == "the announcer"


def test_unnamed_source_of_indirect_speech_keeps_its_phrase(nlp):
    doc = nlp("Sources said the talks had failed.")
    [quote] = doc._.quotes
    assert quote.kind == "indirect"
    assert quote.content.text == "the talks had failed"
    assert quote.speaker is None
    assert quote.method == "none"
    assert quote.mention.text == "Sources"


def test_evaluation_record_carries_the_unnamed_source(nlp):
    [quote] = nlp("Sources said the talks had failed.")._.quotes
    record = evaluate.predicted(quote, None)
    assert record.speaker is None
    assert (record.speaker_mention, record.speaker_start, record.speaker_end) == ("Sources", 0, 7)


def test_index_stores_the_unnamed_source_without_a_speaker(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    text = "The fair opened on Friday.\n\n“We need change,” the announcer said.\n"
    (folder / "fair.txt").write_text(text, encoding="utf-8")
    db_path = tmp_path / "q.db"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = indexer.index_paths([str(folder)], db_path)
    assert summary.failed == []

    db = sqlite_utils.Database(db_path)
    try:
        [row] = list(db["quotes"].rows)
        assert row["text"] == "We need change"
        assert row["speaker_id"] is None
        assert row["speaker_mention"] == "the announcer"
        assert text[row["speaker_start"] : row["speaker_end"]] == "the announcer"
        assert row["method"] == "none"
        assert db["speakers"].count == 0
    finally:
        db.close()


# --- colon and participle cues ----------------------------------------------------------------


def test_colon_sends_the_cue_forward_past_a_paraphrase(nlp):
    text = (
        "The senator will probably make news on Monday, Kall said: "
        '"I feel like he has a surprise up his sleeve."'
    )
    [quote] = nlp(text)._.quotes
    assert quote.kind == "direct"
    assert quote.content.text == "I feel like he has a surprise up his sleeve."
    assert quote.speaker.name == "Kall"


def test_participle_cue_ends_the_quote_before_it(nlp):
    text = (
        'In a statement, Peabody said: "The company was highly successful when it became '
        'independent a decade ago," adding that its value quadrupled in a year.'
    )
    first, second = nlp(text)._.quotes
    assert first.speaker.name == "Peabody"
    assert first.content.text.startswith("The company was highly successful")
    assert "adding" not in first.content.text
    assert first.content.end < text.index("adding")
    assert second.content.text == "its value quadrupled in a year"
    assert second.cue.text == "adding"


# --- dash signatures --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dash", ["― ", "―\u00a0", "— "], ids=["horizontal-bar", "no-break-space", "em-dash"]
)
def test_name_after_a_dash_signs_the_quote(nlp, dash):
    doc = nlp(f"“Maybe we can build a wall around him.” {dash}Steve Quinlan\n")
    [quote] = doc._.quotes
    assert quote.content.text == "Maybe we can build a wall around him."
    assert quote.speaker.name == "Steve Quinlan"
    assert quote.method == "explicit"


def test_each_comment_is_signed_by_its_own_line(nlp):
    doc = nlp(
        "“Maybe we can build a wall around him.” ― Steve Quinlan\n"
        "“He should resign today.” ― Ana Ortiz\n"
    )
    assert [(q.content.text, q.speaker.name) for q in doc._.quotes] == [
        ("Maybe we can build a wall around him.", "Steve Quinlan"),
        ("He should resign today.", "Ana Ortiz"),
    ]


# The quote is long enough not to be dropped as a scare quote, so the tests see its speaker.
PLEDGE = "“We will win this election and then we will fix every road in the county.”"


@pytest.mark.parametrize(
    "after",
    [
        " — and then the crowd went home after a long night of cheering.\n",
        " — the mayor\n",
        " — Then the crowd went home after a long night of cheering and dancing in the rain.\n",
    ],
    ids=["lowercase-phrase", "lowercase-noun", "long-sentence"],
)
def test_dash_before_anything_but_a_name_signs_nothing(nlp, after):
    [quote] = nlp(PLEDGE + after)._.quotes
    assert quote.speaker is None
    assert quote.method != "explicit"


# --- interrupted quotes and the cue's own clause ---------------------------------------------


def test_quote_interrupted_after_nested_marks_is_one_quote(nlp):
    text = (
        "“You say you ‘accept responsibility,’” Merkley said. "
        "“That is not accepting responsibility.”"
    )
    [quote] = nlp(text)._.quotes
    assert quote.kind == "direct"
    # one quote in two pieces; its content is the first, and no piece holds the cue
    assert [p.text for p in quote.pieces] == [
        "You say you ‘accept responsibility,’",
        "That is not accepting responsibility.",
    ]
    assert quote.content == quote.pieces[0]
    assert quote.speaker.name == "Merkley"


def test_report_never_contains_its_own_cue(nlp):
    text = (
        "“The unfairness of the tax laws is unbelievable,” Trump said at a campaign stop this week."
    )
    doc = nlp(text)
    [found] = find_quotes(doc)
    assert "said" not in text[found.start : found.end]
    [quote] = doc._.quotes
    assert quote.kind == "direct"
    assert quote.content.text == "The unfairness of the tax laws is unbelievable"
    assert quote.speaker.name == "Trump"


def test_closing_cue_before_the_files_final_newline_stays_out_of_the_quote(nlp):
    # Article files end in a newline; the parser may make it the right edge of the cue.
    doc = nlp("Fair opens\n\n“We need change,” the announcer said.\n")
    [quote] = doc._.quotes
    assert quote.content.text == "We need change"
    assert quote.kind == "direct"


@pytest.mark.parametrize(
    "text, lemma",
    [
        ("The senator praised the agreement as a model for the region.", "praise"),
        ("The governor declined to comment on the lawsuit.", "decline"),
        ("Protesters slammed the plan at the meeting.", "slam"),
    ],
)
def test_stance_verbs_report_through_their_object(nlp, text, lemma):
    [quote] = nlp(text)._.quotes
    assert quote.kind == "indirect"
    assert quote.cue.text.lower().startswith(lemma[:4])
    assert quote.content.text.split()[0] not in ("The", "Protesters")


def test_a_name_and_a_colon_opening_a_line_introduce_its_words(nlp):
    doc = nlp(
        "Pat Caddell: Democrat Voters Worried About the Campaign's Direction\n\n"
        "WALLACE: If I may, sir, because we've got limited time.\n"
    )
    quotes = doc._.quotes
    assert [q.speaker.name for q in quotes] == ["Pat Caddell", "WALLACE"]
    assert quotes[0].content.text == "Democrat Voters Worried About the Campaign's Direction"
    assert quotes[1].content.text == "If I may, sir, because we've got limited time."
    assert all(q.cue.text == ":" for q in quotes)


@pytest.mark.parametrize(
    "line",
    [
        "Update: The story was changed on Monday to correct a date.\n",
        "The rally ended: people went home after the last speech.\n",
        "Note: Comments have been edited for length and clarity.\n",
    ],
)
def test_labels_that_are_not_speakers_introduce_nothing(nlp, line):
    assert nlp(line)._.quotes == []


def test_two_apostrophes_quote_like_a_double_mark():
    # The New York Times prints ''...'' for "...".
    from quotes.marks import find_marked

    text = "Later he added: ''That is all we know,'' and left. It''s not a quote."
    marked = find_marked(text)
    assert [text[m.start : m.end] for m in marked] == ["That is all we know"]


def test_quote_interrupted_by_its_cue_and_circumstances_is_one_quote(nlp):
    doc = nlp(
        "Trump spoke on Monday. “I think the moderator will be very fair,” Trump said during "
        "a rally in Kenansville, N.C., “but a lot of people are going to be watching.”"
    )
    direct = [q for q in doc._.quotes if q.kind == "direct"]
    assert len(direct) == 1
    assert direct[0].content.text.startswith("I think the moderator")
    assert direct[0].pieces[-1].text.endswith("going to be watching.")
    assert direct[0].speaker.name == "Trump"


def test_cue_whose_circumstances_run_long_still_splits_the_quote_from_its_report(nlp):
    doc = nlp(
        '"The plan is on the table, and the vote is on the table," Mayor Ruth Ellery said on '
        "Friday at the annual dinner of the city council in Springfield, where the governor "
        'also spoke. "Schools are on the table. Jobs are on the table."\n'
    )
    [quote] = [q for q in doc._.quotes if q.kind == "direct"]
    assert quote.content.text.startswith("The plan is on the table")
    assert quote.pieces[-1].text.endswith("Jobs are on the table.")
    assert "said" not in " ".join(p.text for p in quote.pieces)
    assert quote.speaker.name == "Ruth Ellery"


@pytest.mark.parametrize(
    "text, content, speaker",
    [
        (
            "The latest launch, the ministry said, was its largest so far this year.",
            "The latest launch, the ministry said, was its largest so far this year",
            None,
        ),
        (
            "The square is near the old market, which, Ellery said, is usually full of stalls.",
            "which, Ellery said, is usually full of stalls",
            "Ellery",
        ),
    ],
)
def test_cue_set_off_inside_a_clause_reports_the_whole_clause(nlp, text, content, speaker):
    [quote] = nlp(text)._.quotes
    assert quote.content.text == content
    if speaker:
        assert quote.mention.text == speaker


def test_cue_and_colon_closing_a_paragraph_introduce_the_next_ones_quote(nlp):
    doc = nlp(
        "Asked about the deal, the minister replied:\n"
        '"It is not finished yet, and it will take months to get there."\n'
    )
    [quote] = [q for q in doc._.quotes if q.kind == "direct"]
    assert quote.content.text == "It is not finished yet, and it will take months to get there."
    assert quote.cue.text == "replied"
    assert quote.mention.text == "the minister"  # the attribution model's (PolNeAR's) bounds


def test_title_case_headline_is_read_from_its_words(nlp):
    doc = nlp(
        "Senator Ruth Ellery Says Bridge Repairs Could Start Next Spring\n\n"
        "The senator spoke to reporters in the capital on Monday.\n"
    )
    [quote] = [q for q in doc._.quotes if q.content.start < doc.text.index("\n")]
    assert quote.content.text == "Bridge Repairs Could Start Next Spring"
    assert quote.cue.text == "Says"
    assert quote.speaker.name == "Ruth Ellery"


def test_a_one_line_text_is_not_a_headline(nlp):
    from quotes import attribute

    doc = nlp("Ellery, author of a history of the bridge, wrote a book.")
    # the rules alone (the attribution model's labels cleared): the headline reading, which
    # reads a cue from a short first line's words, must not take a lone sentence for a title.
    # (What the model reads into "wrote a book" is the model's: a quote of category "other".)
    doc._.attribution_iob = ["O"] * len(doc)
    doc._.attribution_links = []
    assert attribute.quotes_in(doc) == []


def test_curly_quote_inside_a_curly_quote_does_not_close_it():
    from quotes.marks import find_marked

    text = "“I would rather live in what he calls “hell” than live with him.” ― Ana Ortiz\n"
    [marked] = find_marked(text)
    assert text[marked.start : marked.end] == (
        "I would rather live in what he calls “hell” than live with him."
    )


def test_mixed_quote_interrupted_by_its_cue_joins_the_next_piece(nlp):
    doc = nlp(
        "“I admire the mechanics” of the proposals, Mr. Ellery said. “They are more detailed "
        "than any plan we have seen.”\n"
    )
    assert len(doc._.quotes) == 1
    assert doc._.quotes[0].pieces[-1].text.endswith("than any plan we have seen.")
    assert doc._.quotes[0].content.text.startswith("“I admire the mechanics”")


def test_report_in_the_gap_of_an_interrupted_quote_does_not_split_it(nlp):
    doc = nlp(
        "“You cannot fix a bridge if you do not know how it was built,” Ellery said, "
        "stressing why the old plans matter to the repairs. “We need to read them first. "
        "Then we can start the work on the river crossing.”\n"
    )
    direct = [q for q in doc._.quotes if q.kind == "direct"]
    assert len(direct) == 1
    assert direct[0].pieces[-1].text.endswith("work on the river crossing.")
    assert len(direct[0].pieces) == 2
    assert direct[0].speaker.name == "Ellery"
    assert any(q.cue.text == "stressing" for q in doc._.quotes if q.kind == "indirect")


def test_speaker_is_never_a_word_of_the_report(nlp):
    doc = nlp(
        "“It is an invasion of the state's own domain,” Ruth Ellery, the attorney general of "
        "the state, one of those suing the agency, said at an event this month."
    )
    [quote] = doc._.quotes
    assert quote.content.text == "It is an invasion of the state's own domain"
    assert quote.speaker.name == "Ruth Ellery"


def test_cue_word_before_a_colon_reads_as_a_cue_whatever_its_tag(nlp):
    doc = nlp(
        "Only a quarter of them back the plan, The Daily Ledger reports:\n\n"
        '"In a sign of the lack of enthusiasm among some activists, just 24 percent said so."\n'
    )
    [quote] = [q for q in doc._.quotes if q.kind == "direct"]
    assert quote.cue.text == "reports"
    assert "Ledger" in quote.mention.text


def test_cue_taken_for_a_plural_noun_before_that_is_still_a_cue(nlp):
    doc = nlp(
        "The Daily Ledger reports that the council avoided the vote in order to keep its "
        "plans out of sight.\n"
    )
    [quote] = doc._.quotes
    assert quote.cue.text == "reports"
    assert quote.content.text.startswith("the council avoided the vote")
    assert "Ledger" in quote.mention.text


def test_transcript_lines_opened_by_a_quote_mark_keep_their_speakers(nlp):
    doc = nlp(
        "Partial transcript as follows:\n\n"
        '"HOST: Let us start with the news about the bridge tonight.\n\n'
        '"ELLERY: Well, look, the repairs will take the whole of next spring.\n'
    )
    assert [(q.speaker.name, q.cue.text) for q in doc._.quotes] == [
        ("HOST", ":"),
        ("ELLERY", ":"),
    ]


def test_a_cue_only_the_tagger_knows_lowers_the_quotes_confidence(nlp):
    from quotes.attribute import CONFIDENCE, LEARNED_CUE_FACTOR
    from quotes.cues import cue_lemma

    doc = nlp(
        "The Daily Ledger has learned that the council will close the old bridge next spring.\n"
    )
    [quote] = [q for q in doc._.quotes if q.cue and cue_lemma(q.cue.text) is None]
    assert quote.speaker is not None and quote.method == "explicit"
    assert quote.confidence == round(CONFIDENCE["explicit"] * LEARNED_CUE_FACTOR, 2)
    listed = nlp("Mayor Ruth Ellery said the council will close the old bridge next spring.")
    assert listed._.quotes[0].confidence == CONFIDENCE["explicit"]


@pytest.mark.parametrize(
    "subject, named",
    [("Ellery", True), ("Critics", False), ("Officials", False)],
)
def test_sentence_initial_noun_is_a_name_only_when_rare_as_a_word(nlp, subject, named):
    doc = nlp(f"{subject} said the council will close the old bridge next spring.")
    [quote] = doc._.quotes
    assert quote.mention.text == subject
    assert (quote.speaker is not None and quote.speaker.name == subject) is named


@pytest.mark.parametrize(
    "text, cue, mention",
    [
        (
            "She then addressed the supporters again: “Here is what I regret. I regret "
            "they do not want to listen to anybody else.”\n",
            "addressed",
            "She",
        ),
        (
            "The former mayor released the following statement: “The governor was a friend "
            "and a fighter for the people of this state.”\n",
            # the attribution model's cue boundaries (PolNeAR's): the verb with its object
            "released the following statement",
            "The former mayor",
        ),
    ],
)
def test_clause_ended_by_a_colon_hands_the_quotation_to_its_subject(nlp, text, cue, mention):
    [quote] = nlp(text)._.quotes
    # the cue's exact ends are the attribution model's, which each retraining may move by a
    # word or two ("then addressed the supporters again"); the verb is the rules'
    assert cue in quote.cue.text
    assert quote.mention.text == mention


def test_a_copula_before_a_colon_introduces_no_ones_words(nlp):
    text = "The rules are simple: “No shoes, no shirt, no service at all in this building.”\n"
    # the screen judges a quotation given to nobody (it may drop it); none is given to "rules"
    assert all(q.cue is None and q.mention is None for q in nlp(text)._.quotes)
    finder = nlp.get_pipe("quotes")
    screen, finder.scorer = finder.scorer, None
    try:
        [quote] = nlp(text)._.quotes  # the rules' reading: a quotation, and nobody's
    finally:
        finder.scorer = screen
    assert quote.cue is None and quote.mention is None

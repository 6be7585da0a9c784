"""Hand-written news sentences that must give the right speaker, or no quote, with the real
pipeline (issue 12: "tried as a new user would"). Each case comes in several variants so that
the rules behind it hold in general, not for one sentence.

The sentences are made up for these tests. They need the packaged en_quotes_sm: a broken
install fails here, it is never skipped.
"""

from __future__ import annotations

import pytest

from quotes.records import CATEGORIES, Quote


@pytest.fixture(scope="module")
def quotes_of(nlp):
    def run(text: str) -> list[Quote]:
        return list(nlp(text)._.quotes)

    return run


# --- a role before the name: the name speaks --------------------------------------------------


@pytest.mark.parametrize(
    "text, speaker",
    [
        ("Council leader Margaret Okafor said the budget would be balanced next year.",
         "Margaret Okafor"),
        ("Labour leader Keir Starmer said the government had lost control of the economy.",
         "Keir Starmer"),
        ("Conservative leader Kemi Badenoch said the plan would fail.", "Kemi Badenoch"),
        ("Union chief Bob Crow told reporters that the strike would go ahead.", "Bob Crow"),
        ("Party chairman Tom Hughes said the vote had been a disaster.", "Tom Hughes"),
        ("Greenpeace spokeswoman Ana Lopez said the spill was the worst in a decade.",
         "Ana Lopez"),
        ("Health Ministry spokesman Ivan Petrov said the hospital had been evacuated.",
         "Ivan Petrov"),
        # the role first, its "for" phrase, then the name between commas
        ("A spokeswoman for the agency, Ana Ruiz, said the bridge would reopen in May.",
         "Ana Ruiz"),
        ("A spokesman for the ministry, Igor Konashenkov, said the strikes had hit only "
         "militants.", "Igor Konashenkov"),
    ],
)
def test_a_role_before_a_name_gives_the_name(quotes_of, text, speaker):
    [quote] = quotes_of(text)
    assert quote.speaker is not None
    assert (quote.speaker.name, quote.speaker.kind) == (speaker, "person")
    assert quote.category == "speech"


# --- the subject of a passive cue is not its speaker -------------------------------------------


@pytest.mark.parametrize(
    "text, not_speaker",
    [
        ("Russia has itself been accused of bombing hospitals in Syria.", "Russia"),
        ("The minister was accused of lying to parliament.", "minister"),
        ("China has been criticised for its treatment of journalists.", "China"),
        ("Iran has repeatedly been warned that its nuclear programme must stop.", "Iran"),
        ("Russia, accused of bombing hospitals in Syria, was not at the talks.", "Russia"),
    ],
)
def test_no_quote_by_the_subject_of_a_passive(quotes_of, text, not_speaker):
    for quote in quotes_of(text):
        mention = quote.mention.text if quote.mention else ""
        assert quote.speaker is None or not_speaker not in quote.speaker.name
        assert not_speaker not in mention and "itself" not in mention


def test_the_agent_of_a_passive_speaks(quotes_of):
    quotes = quotes_of("The plan was criticised by Amnesty International as reckless and cruel.")
    assert [q.speaker.name for q in quotes if q.speaker] in ([], ["Amnesty International"])


# --- an interrupted quotation is one quote in pieces ---------------------------------------------

INTERRUPTED = [
    (
        'Anna Berg, the council\'s treasurer, presented the budget on Monday.\n\nJohn Carter '
        'criticised the plan. "This budget is a disgrace," he said. "It cuts everything we need."',
        "John Carter",
        ["This budget is a disgrace", "It cuts everything we need."],
    ),
    (
        "Mayor Linda Park opened the new bridge on Monday.\n\nThe engineer, Tom Reyes, was less "
        'pleased. "It took far too long," he said. "We lost two years to paperwork."',
        "Tom Reyes",
        ["It took far too long", "We lost two years to paperwork."],
    ),
    (
        "Environment minister Claire Dunn visited the town on Saturday.\n\nEmergency chief Paul "
        'Grant inspected the defences on Sunday. "The river is rising fast," he told reporters. '
        '"We need more sandbags tonight."',
        "Paul Grant",
        ["The river is rising fast", "We need more sandbags tonight."],
    ),
    (
        "Sarah Collins, the head teacher, welcomed the report.\n\n\"These results are the best "
        'we have had," said David Moore, the chair of governors. "The staff deserve the credit."',
        "David Moore",
        ["These results are the best we have had", "The staff deserve the credit."],
    ),
]


@pytest.mark.parametrize("text, speaker, pieces", INTERRUPTED)
def test_an_interrupted_quote_is_one_quote_by_the_man_who_spoke(
    quotes_of, text, speaker, pieces
):
    [quote] = [q for q in quotes_of(text) if q.kind == "direct"]
    assert [p.text for p in quote.pieces] == pieces
    assert quote.speaker is not None and quote.speaker.name == speaker
    assert quote.category == "speech"
    for piece in quote.pieces:
        assert text[piece.start : piece.end] == piece.text
        # what someone said never contains its own cue
        assert quote.cue.start not in range(piece.start, piece.end)
    # content, the row's text/start/end, is the first piece
    assert quote.content == quote.pieces[0]
    assert text[quote.content.start : quote.content.end] == quote.content.text


def test_he_never_stands_for_a_woman_named_before(quotes_of):
    text = 'Prime Minister Jane Morton spoke first.\n\n"We will not give up," he said. "This is our home."'
    [quote] = quotes_of(text)
    assert [p.text for p in quote.pieces] == ["We will not give up", "This is our home."]
    assert quote.speaker is None or "Morton" not in quote.speaker.name
    text = 'Tom Reyes spoke first.\n\n"We will not give up," she said. "This is our home."'
    [quote] = quotes_of(text)
    assert quote.speaker is None or "Reyes" not in quote.speaker.name


def test_a_scare_quote_inside_the_attribution_is_no_piece(quotes_of):
    text = (
        '"We have done everything we could," Anna Berg said, calling the report a "farce". '
        '"Nobody was hurt."'
    )
    quotes = [q for q in quotes_of(text) if q.kind == "direct"]
    assert all("farce" not in p.text for q in quotes for p in q.pieces)


# --- verbs that are not speech give no speech quote -------------------------------------------------

NOT_SPEECH = [
    "The minister refused to resign after the vote.",
    "The chairman refused to step down despite the protests.",
    "The referee denied the visitors a goal in the second half.",
    "The judge denied him bail.",
    "The border guards denied them entry.",
    "The board approved a plan to close the factory next year.",
    "The council approved the budget on Tuesday.",
    "The company declined to comment on the report.",
    "A spokesman for the club declined to comment.",
    "The senator tweeted a photo of the crowd at the rally.",
    "The mayor tweeted a video of the flooded street.",
    "He did not know how to answer the question about the budget.",
    "She did not know what to do about the debt.",
]


@pytest.mark.parametrize("text", NOT_SPEECH)
def test_verbs_that_are_not_speech_give_no_speech_quote(quotes_of, text):
    for quote in quotes_of(text):
        assert quote.category in CATEGORIES
        assert quote.category != "speech", (quote.content.text, quote.cue)


@pytest.mark.parametrize(
    "text, category",
    [
        ("The minister said she would not resign.", "speech"),
        ("The company denied that it had hidden the losses.", "speech"),
        ("The senator tweeted that the bill was a disgrace.", "speech"),
        ("The senator believes that the bill will fail.", "belief"),
        ("Union leaders fear that the factory will close.", "belief"),
        ("The mayor praised the firefighters for their courage.", "stance"),
        ("A new survey shows that most voters want a change.", "finding"),
        ("The economy will shrink this year, according to the central bank.", "speech"),
    ],
)
def test_the_category_comes_from_the_cue(quotes_of, text, category):
    [quote] = quotes_of(text)
    assert quote.category == category


# --- page furniture: prompts and the publisher talking to its reader are no one's quote ---------

FURNITURE = [
    "Continue reading for free",
    "Continue reading the main story",
    "Tell us what you think about the budget.",
    "We hope you're enjoying The Week's refreshingly open-minded journalism.",
    "We think you will like these stories too.",
    "We hope you enjoy your free articles this month.",
]


@pytest.mark.parametrize("line", FURNITURE)
def test_page_furniture_gives_no_quote(quotes_of, line):
    text = f"The mayor said the bridge would reopen in May.\n\n{line}\n\nThe council met on Monday.\n"
    quotes = quotes_of(text)
    assert [q.content.text for q in quotes] == ["the bridge would reopen in May"]


def test_a_speaker_talking_to_you_in_quotation_marks_is_still_quoted(quotes_of):
    [quote] = quotes_of('"We hope you understand why the bridge is closed," Mayor Ann Lee said.')
    assert quote.speaker.name == "Ann Lee"


# --- a report inside a report is the outer speaker's ------------------------------------------


@pytest.mark.parametrize(
    "text, mention",
    [
        ("Aides said the mayor had told donors that the plan was dead.", "Aides"),
        ("Officials said the minister had warned colleagues that the budget would not pass.",
         "Officials"),
        ("The lawyer said his client had insisted that he was innocent.", "The lawyer"),
        ("Neighbours said the police had claimed the fire was an accident.", "Neighbours"),
    ],
)
def test_a_report_inside_a_report_is_one_quote_by_the_outer_speaker(quotes_of, text, mention):
    [quote] = quotes_of(text)
    assert quote.mention is not None and quote.mention.text == mention
    assert quote.cue.text == "said"


def test_a_cue_after_a_report_starts_a_quote_of_its_own(quotes_of):
    quotes = quotes_of(
        "Republicans said they were convinced the agency had mishandled the case, "
        "and Democrats accused the party of playing politics."
    )
    assert [(q.mention.text, q.cue.text) for q in quotes] == [
        ("Republicans", "said"), ("Democrats", "accused")
    ]


# --- a day after the cue, a party and state after the name ------------------------------------


@pytest.mark.parametrize(
    "text, speaker",
    [
        ('"It is a dog whistle to every voter," Rep. Gwen Moore (D-Wis.) said Friday.',
         "Gwen Moore"),
        ('"Our assumption is that the veto will be overridden," Senate Majority Leader Mitch '
         'McConnell, R-Ky., said Tuesday.', "Mitch McConnell"),
        ('"The bill is dead," Sen. Alma Ruiz (D-Calif.) said Monday.', "Alma Ruiz"),
        ('"We have the votes," Rep. Tom Becker, R-Ohio, said Wednesday.', "Tom Becker"),
        ('"The plan will fail," Gov. Ines Park said Thursday.', "Ines Park"),
    ],
)
def test_a_day_is_never_the_speaker_and_a_state_never_a_second_one(quotes_of, text, speaker):
    [quote] = quotes_of(text)
    assert quote.speaker is not None
    assert (quote.speaker.name, quote.speaker.kind) == (speaker, "person")


# --- a cue's particle belongs to the cue, not to what it reports ------------------------------


@pytest.mark.parametrize(
    "text, cue",
    [
        ("The union called on the mayor to resign.", "called on"),
        ("Amnesty called on the coalition to investigate the strikes.", "called on"),
        ("She was accused of lying to parliament by the opposition.", "was accused of"),
        ("The senator called for steep new tariffs on goods from China.", "called for"),
    ],
)
def test_a_cues_particle_is_the_cues_not_the_reports(quotes_of, text, cue):
    [quote] = quotes_of(text)
    assert quote.cue.text == cue
    assert quote.content.text.split()[0] not in ("on", "of", "for")


# --- a short quotation the model links to a cue and a source is no scare quote ----------------


@pytest.mark.parametrize(
    "text, words",
    [
        ("The president's doctor had typed a single phrase on the form: “medical problem.”\n\n"
         "The campaign declined to comment.", "medical problem."),
        ("Asked about the rally, the organiser offered only this: “a triumph.”", "a triumph."),
    ],
)
def test_a_short_quotation_with_a_linked_cue_is_kept(quotes_of, text, words):
    [quote] = [q for q in quotes_of(text) if q.kind == "direct"]
    assert quote.content.text == words
    assert quote.cue is not None


# --- the newspapers' doubled apostrophes are quotation marks -----------------------------------


@pytest.mark.parametrize(
    "text, words",
    [
        ("As for the network's politics, Mr. Hale said, ''What outlet isn't taking sides in this "
         "race?''", "What outlet isn't taking sides in this race?"),
        ("Asked about the budget, the mayor said, ''We will not raise taxes this year.''",
         "We will not raise taxes this year."),
    ],
)
def test_doubled_apostrophes_open_a_quotation_not_a_report(quotes_of, text, words):
    [quote] = quotes_of(text)
    assert (quote.kind, quote.content.text, quote.cue.text) == ("direct", words, "said")


def test_a_quotation_right_after_its_cue_is_what_the_cue_reports(quotes_of):
    # the doubled apostrophes make the parser start a new sentence at "Poor"
    text = ("Lamenting their luck, farmers in the valley often say, ''Poor us, so far from rain "
            "and so close to the river.''")
    [quote] = [q for q in quotes_of(text) if q.kind == "direct"]
    assert quote.cue.text == "often say"
    assert not any(q.content.text.startswith("Lamenting") for q in quotes_of(text))


@pytest.mark.parametrize(
    "text",
    [
        "Asked to describe the device that caused the fire, Chief Ruiz said, “Not going to go "
        "into that.”",
        "Pressed on what the letter that started the row had said, the minister replied: “I "
        "have not read it.”",
    ],
)
def test_a_quotation_after_its_cue_and_a_comma_is_the_cues(quotes_of, text):
    direct = [q for q in quotes_of(text) if q.kind == "direct"]
    assert [q.cue.text for q in direct] in (["said"], ["replied"])
    assert direct[0].content.text.startswith(("Not going", "I have"))


@pytest.mark.parametrize(
    "text, cue",
    [
        ("Sen. Ann Vale scolded him: “The science is against you,” she said. “You should "
         "know better.”", "scolded"),
        ("The minister defended the cuts in a speech to the party.", "defended"),
        ("Mayor Joe Park reminded voters that the bridge had been closed for a year.",
         "reminded"),
    ],
)
def test_more_verbs_of_saying_are_cues(quotes_of, text, cue):
    assert cue in [q.cue.text for q in quotes_of(text) if q.cue is not None]


def test_a_report_never_holds_another_cue_with_its_quotation(quotes_of):
    text = ("Sen. Ann Vale scolded him: “The science is against you,” she said. “You should "
            "know better.”")
    found = quotes_of(text)
    assert [(q.kind, q.cue.text) for q in found] == [("direct", "scolded"), ("direct", "said")]
    assert all(q.speaker.name == "Ann Vale" for q in found)


def test_a_participles_speaker_is_never_the_subject_of_a_relative_clause(quotes_of):
    text = ("Ann Vale marched past the stadium - where the Panthers played the Vikings - while "
            "chanting, \"Hands up, don't shoot.\"")
    [quote] = quotes_of(text)
    assert (quote.cue.text, quote.speaker.name) == ("chanting", "Ann Vale")


@pytest.mark.parametrize(
    "text, mention, name",
    [
        ("The Human Rights Council said the report was flawed.", "The Human Rights Council",
         "Human Rights Council"),
        ("The World Health Organization warned that the outbreak was spreading.",
         "The World Health Organization", "World Health Organization"),
        ("Ana Ruiz said the office would stay open.", "Ana Ruiz", "Ana Ruiz"),
    ],
)
def test_the_mention_keeps_its_article_and_the_name_does_not(quotes_of, text, mention, name):
    [quote] = quotes_of(text)
    assert (quote.speaker.mention.text, quote.speaker.name) == (mention, name)

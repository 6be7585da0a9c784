import importlib.util
import warnings
from pathlib import Path

import pytest
from docs import make_doc
from test_extract import (
    ACCORDING,
    ACCORDING_ROWS,
    INVERTED,
    INVERTED_ROWS,
    STANDALONE,
    STANDALONE_ROWS,
)

from quotes.attribute import quotes_in


def no_coref(token):
    return []


def test_inverted_cue_splits_ranks_into_the_title():
    [quote] = quotes_in(make_doc(INVERTED, INVERTED_ROWS), no_coref)
    assert quote.method == "explicit" and quote.confidence > 0.8
    assert quote.speaker.name == "Ivan Petrov"
    assert quote.speaker.title == "Maj. Gen."
    assert quote.speaker.kind == "person"
    assert quote.speaker.mention.text == "Maj. Gen. Ivan Petrov"
    assert quote.cue.text == "said"


PRONOUN = INVERTED + " He said the aid was a cover."
PRONOUN_ROWS = INVERTED_ROWS + """
He    PRP nsubj 14
said  VBD ROOT  14
the   DT  det   16
aid   NN  nsubj 17
was   VBD ccomp 14
a     DT  det   19
cover NN  attr  17
.     .   punct 14
"""


def test_pronoun_follows_the_injected_coreference_chain():
    doc = make_doc(PRONOUN, PRONOUN_ROWS)
    petrov = next(t for t in doc if t.text == "Petrov")
    quotes = quotes_in(doc, lambda token: [petrov] if token.text == "He" else [])
    second = quotes[1]
    assert second.kind == "indirect"
    assert second.content.text == "the aid was a cover"
    assert second.method == "pronoun" and second.confidence == 0.8
    assert second.speaker.name == "Ivan Petrov"
    assert second.speaker.mention.text == "He"


def test_pronoun_without_coreference_falls_back_to_the_last_speaker_with_less_confidence():
    quotes = quotes_in(make_doc(PRONOUN, PRONOUN_ROWS), no_coref)
    assert quotes[1].speaker.name == "Ivan Petrov"
    assert quotes[1].method == "pronoun"
    assert quotes[1].confidence < quotes[0].confidence


def test_pronoun_with_nothing_before_has_no_speaker():
    text = "He said the aid was a cover."
    rows = PRONOUN_ROWS.split("He    PRP nsubj 14")[1]
    rows = "He PRP nsubj 1\n" + "\n".join(
        " ".join(line.split()[:3] + [str(int(line.split()[3]) - 13)])
        for line in rows.strip().splitlines()
    )
    [quote] = quotes_in(make_doc(text, rows), no_coref)
    assert quote.speaker is None and quote.method == "none" and quote.confidence == 0.0


APPOSITION = "Davies, author of a book, told RT that the war was illegal."
APPOSITION_ROWS = """
Davies  NNP nsubj 7 B-PERSON
,       ,   punct 0
author  NN  appos 0
of      IN  prep  2
a       DT  det   5
book    NN  pobj  3
,       ,   punct 0
told    VBD ROOT  7
RT      NNP dative 7 B-ORG
that    IN  mark  12
the     DT  det   11
war     NN  nsubj 12
was     VBD ccomp 7
illegal JJ  acomp 12
.       .   punct 7
"""


def test_apposition_is_not_part_of_the_speaker():
    [quote] = quotes_in(make_doc(APPOSITION, APPOSITION_ROWS), no_coref)
    assert quote.speaker.name == "Davies"
    assert quote.speaker.mention.text == "Davies"
    assert quote.content.text == "the war was illegal"


ROLE = "Amnesty adviser Jane Roe said the strikes were unlawful."
ROLE_ROWS = """
Amnesty  NNP compound 3 B-ORG
adviser  NN  compound 3
Jane     NNP compound 3 B-PERSON
Roe      NNP nsubj    4 I-PERSON
said     VBD ROOT     4
the      DT  det      6
strikes  NNS nsubj    7
were     VBD ccomp    4
unlawful JJ  acomp    7
.        .   punct    4
"""


def test_job_title_before_a_name_is_the_title():
    [quote] = quotes_in(make_doc(ROLE, ROLE_ROWS), no_coref)
    assert quote.speaker.name == "Jane Roe"
    assert quote.speaker.title == "Amnesty adviser"


NOMINAL = (
    "The Russian defence ministry said the raids were wrong. "
    "The ministry said the aid was a cover."
)
NOMINAL_ROWS = """
The      DT  det      3
Russian  JJ  amod     3 B-ORG
defence  NN  compound 3 I-ORG
ministry NN  nsubj    4 I-ORG
said     VBD ROOT     4
the      DT  det      6
raids    NNS nsubj    7
were     VBD ccomp    4
wrong    JJ  acomp    7
.        .   punct    4
The      DT  det      11
ministry NN  nsubj    12
said     VBD ROOT     12
the      DT  det      14
aid      NN  nsubj    15
was      VBD ccomp    12
a        DT  det      17
cover    NN  attr     15
.        .   punct    12
"""


def test_the_ministry_is_the_ministry_named_before():
    first, second = quotes_in(make_doc(NOMINAL, NOMINAL_ROWS), no_coref)
    assert first.speaker.name == "Russian defence ministry"
    assert first.speaker.kind == "organization"
    assert second.method == "nominal"
    assert second.speaker.name == "Russian defence ministry"
    assert second.speaker.mention.text == "The ministry"  # the article too, as PolNeAR marks it


SPOKESMAN = "A defence ministry spokesman said the raids were wrong."
SPOKESMAN_ROWS = """
A         DT  det      3
defence   NN  compound 2
ministry  NN  compound 3
spokesman NN  nsubj    4
said      VBD ROOT     4
the       DT  det      6
raids     NNS nsubj    7
were      VBD ccomp    4
wrong     JJ  acomp    7
.         .   punct    4
"""


def test_unnamed_spokesman_speaks_for_the_organisation():
    [quote] = quotes_in(make_doc(SPOKESMAN, SPOKESMAN_ROWS), no_coref)
    assert quote.method == "nominal"
    assert quote.speaker.name == "defence ministry"
    assert quote.speaker.kind == "organization"


NATIONALITY = (
    "Syrian Democratic Forces said the city fell. Syrian activists said the toll was high."
)
NATIONALITY_ROWS = """
Syrian     NNP compound 2  B-ORG
Democratic NNP compound 2  I-ORG
Forces     NNP nsubj    3  I-ORG
said       VBD ROOT     3
the        DT  det      5
city       NN  nsubj    6
fell       VBD ccomp    3
.          .   punct    3
Syrian     JJ  amod     9  B-NORP
activists  NNS nsubj    10
said       VBD ROOT     10
the        DT  det      12
toll       NN  nsubj    13
was        VBD ccomp    10
high       JJ  acomp    13
.          .   punct    10
"""


def test_a_nationality_before_a_role_speaks_for_no_organisation():
    first, second = quotes_in(make_doc(NATIONALITY, NATIONALITY_ROWS), no_coref)
    assert first.speaker.name == "Syrian Democratic Forces"
    assert (second.speaker.name, second.speaker.kind) == ("Syrian activists", "group")


GROUP = "Amnesty and Airwars met. The two groups said the toll was high."
GROUP_ROWS = """
Amnesty NNP nsubj 3 B-ORG
and     CC  cc    0
Airwars NNP conj  0 B-ORG
met     VBD ROOT  3
.       .   punct 3
The     DT  det   7
two     CD  nummod 7
groups  NNS nsubj 8
said    VBD ROOT  8
the     DT  det   10
toll    NN  nsubj 11
was     VBD ccomp 8
high    JJ  acomp 11
.       .   punct 8
"""


def test_the_two_groups_are_the_two_organisations_coordinated_before():
    [quote] = quotes_in(make_doc(GROUP, GROUP_ROWS), no_coref)
    assert quote.speaker.kind == "group"
    assert quote.speaker.members == ("Amnesty", "Airwars")
    assert quote.method == "nominal"


def test_document_is_not_a_speaker():
    [quote] = quotes_in(make_doc(ACCORDING, ACCORDING_ROWS), no_coref)
    assert quote.content.text == "1,600 civilians died"
    assert quote.speaker is None and quote.method == "none"


CONTINUED = 'Lee said the strikes were wrong.\n\n"We saw it all ourselves."'
CONTINUED_ROWS = """
Lee       NNP nsubj 1 B-PERSON
said      VBD ROOT  1
the       DT  det   3
strikes   NNS nsubj 4
were      VBD ccomp 1
wrong     JJ  acomp 4
.         .   punct 1
"         ``  punct 9
We        PRP nsubj 9
saw       VBD ROOT  9
it        PRP dobj  9
all       DT  appos 10
ourselves PRP dobj  9
.         .   punct 9
"         ''  punct 9
"""


def test_quote_paragraph_right_after_a_quotation_continues_it():
    first, second = quotes_in(make_doc(CONTINUED, CONTINUED_ROWS), no_coref)
    assert second.kind == "direct"
    assert second.method == "continuation"
    assert second.speaker.name == "Lee"
    assert 0 < second.confidence < first.confidence


def test_quote_after_narration_has_no_speaker():
    [quote] = quotes_in(make_doc(STANDALONE, STANDALONE_ROWS), no_coref)
    assert quote.speaker is None and quote.method == "none"


COORDINATED = "Amnesty and Airwars said the toll was high."
COORDINATED_ROWS = """
Amnesty NNP nsubj 3 B-ORG
and     CC  cc    0
Airwars NNP conj  0 B-ORG
said    VBD ROOT  3
the     DT  det   5
toll    NN  nsubj 6
was     VBD ccomp 3
high    JJ  acomp 6
.       .   punct 3
"""


def test_coordinated_subjects_speak_as_a_group():
    [quote] = quotes_in(make_doc(COORDINATED, COORDINATED_ROWS), no_coref)
    assert quote.method == "explicit"
    assert quote.speaker.kind == "group"
    assert quote.speaker.members == ("Amnesty", "Airwars")
    assert quote.speaker.mention.text == "Amnesty and Airwars"


# --- with the real pipeline ------------------------------------------------------------------

WIP_MODEL = Path(__file__).parents[1] / "models" / "training" / "pipeline" / "model-last"


@pytest.fixture(scope="module")
def nlp():
    if importlib.util.find_spec("en_quotes_sm") is not None:
        name = "en_quotes_sm"
    elif WIP_MODEL.exists():
        name = str(WIP_MODEL)
    else:
        pytest.fail(
            "neither en_quotes_sm nor the work-in-progress model is available; install "
            "models/dist/en_quotes_sm-*.whl",
            pytrace=False,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from quotes.pipeline import load

        return load(name)


def test_pipeline_sets_quotes_on_the_doc(nlp):
    doc = nlp('"We will rebuild the city," Mayor Anna Novak said on Monday.')
    [quote] = doc._.quotes
    assert quote.kind == "direct"
    assert quote.content.text == "We will rebuild the city"
    assert quote.speaker is not None and "Novak" in quote.speaker.name


def test_pipeline_finds_indirect_speech(nlp):
    doc = nlp("The ministry said that the bridge had been destroyed.")
    kinds = [q.kind for q in doc._.quotes]
    assert "indirect" in kinds


def test_pipeline_leaves_headline_scare_quotes_alone(nlp):
    doc = nlp("No 'Safe Place' Left In The Old Town")
    assert doc._.quotes == []


# The recogniser's entity runs over the cue verb; the speaker's name must not.
RUNAWAY = "The Airwars group claimed that the toll was higher."
RUNAWAY_ROWS = """
The     DT  det      2
Airwars NNP compound 2 B-ORG
group   NN  nsubj    3 I-ORG
claimed VBD ROOT     3 I-ORG
that    IN  mark     7
the     DT  det      6
toll    NN  nsubj    7
was     VBD ccomp    3
higher  JJR acomp    7
.       .   punct    3
"""


def test_entity_running_over_the_cue_is_cut_at_the_subject():
    [quote] = quotes_in(make_doc(RUNAWAY, RUNAWAY_ROWS), no_coref)
    assert quote.speaker.mention.text == "The Airwars group"
    assert "claimed" not in quote.speaker.name


def test_content_never_contains_its_own_speaker():
    from quotes.attribute import Attributor
    from quotes.records import Quote, Span

    text = '"We are leaving", Jane Roe told reporters.'
    doc = make_doc(
        text,
        """
        "        ``  punct   2
        We       PRP nsubj   2
        are      VBP aux     2
        leaving  VBG ROOT    2
        "        ''  punct   2
        ,        ,   punct   2
        Jane     NNP compound 7 B-PERSON
        Roe      NNP appos   2 I-PERSON
        told     VBD conj    2
        reporters NNS dobj   8
        .        .   punct   2
        """,
    )
    quote = Quote(Span(0, 26, text[:26]), "mixed")
    Attributor(doc, no_coref)._end_before_speaker(quote, text.index("Jane"))
    assert quote.content.text == '"We are leaving"'
    assert quote.kind == "direct"


def test_chain_to_someone_who_has_not_spoken_loses_to_the_last_speaker():
    # Coreference links "He" to "Dresden" (a name the recogniser took for a person); the
    # story has just quoted Petrov, and a pronoun subject right after a quote is him.
    text = INVERTED + " Dresden burned. He said the aid was a cover."
    rows = INVERTED_ROWS + """
    Dresden NNP   nsubj 14 B-PERSON
    burned  VBD   ROOT  14
    .       .     punct 14
    He      PRP   nsubj 17
    said    VBD   ROOT  17
    the     DT    det   19
    aid     NN    nsubj 20
    was     VBD   ccomp 17
    a       DT    det   22
    cover   NN    attr  20
    .       .     punct 17
    """
    doc = make_doc(text, rows)
    dresden = next(t for t in doc if t.text == "Dresden")
    quotes = quotes_in(doc, lambda token: [dresden] if token.text == "He" else [])
    assert quotes[1].speaker.name == "Ivan Petrov"
    assert quotes[1].method == "pronoun"


def test_chain_to_a_place_is_not_a_he():
    text = "Syria is at war. He said the aid was a cover."
    doc = make_doc(
        text,
        """
        Syria NNP   nsubj 1 B-GPE
        is    VBZ   ROOT  1
        at    IN    prep  1
        war   NN    pobj  2
        .     .     punct 1
        He    PRP   nsubj 6
        said  VBD   ROOT  6
        the   DT    det   8
        aid   NN    nsubj 9
        was   VBD   ccomp 6
        a     DT    det   11
        cover NN    attr  9
        .     .     punct 6
        """,
    )
    syria = doc[0]
    [quote] = quotes_in(doc, lambda token: [syria] if token.text == "He" else [])
    assert quote.speaker is None and quote.method == "none"


def test_a_name_given_a_role_is_a_person_whatever_the_recogniser_says():
    text = "The adviser on Syria Jan Roe said the city was lost."
    doc = make_doc(
        text,
        """
        The     DT  det      1
        adviser NN  nsubj    6
        on      IN  prep     1
        Syria   NNP pobj     2 B-GPE
        Jan     NNP compound 5 B-GPE
        Roe     NNP nsubj    6 I-GPE
        said    VBD ROOT     6
        the     DT  det      8
        city    NN  nsubj    9
        was     VBD ccomp    6
        lost    VBN acomp    9
        .       .   punct    6
        """,
    )
    [quote] = quotes_in(doc, no_coref)
    assert quote.speaker.name == "Jan Roe"
    assert quote.speaker.kind == "person"


def test_he_is_not_a_name_that_never_acted():
    text = "Unlike Aleppo, he says the city is safe."
    doc = make_doc(
        text,
        """
        Unlike IN    prep  4
        Aleppo NNP   pobj  0 B-PERSON
        ,      ,     punct 3
        he     PRP   nsubj 4
        says   VBZ   ROOT  4
        the    DT    det   6
        city   NN    nsubj 7
        is     VBZ   ccomp 4
        safe   JJ    acomp 7
        .      .     punct 4
        """,
    )
    aleppo = doc[1]
    [quote] = quotes_in(doc, lambda token: [aleppo] if token.lower_ == "he" else [])
    assert quote.speaker is None


SHORT_ORG = "Oxfam International said the camps were full. Oxfam said the aid was late."
SHORT_ORG_ROWS = """
Oxfam         NNP compound 1 B-ORG
International NNP nsubj    2 I-ORG
said          VBD ROOT     2
the           DT  det      4
camps         NNS nsubj    5
were          VBD ccomp    2
full          JJ  acomp    5
.             .   punct    2
Oxfam         NNP nsubj    9 B-PERSON
said          VBD ROOT     9
the           DT  det      11
aid           NN  nsubj    12
was           VBD ccomp    9
late          JJ  acomp    12
.             .   punct    9
"""


def test_short_form_of_an_organisation_named_in_full_is_that_organisation():
    # The recogniser called the second "Oxfam" a person; the article named it in full.
    quotes = quotes_in(make_doc(SHORT_ORG, SHORT_ORG_ROWS), no_coref)
    assert [(q.speaker.name, q.speaker.kind) for q in quotes] == [
        ("Oxfam International", "organization"),
        ("Oxfam International", "organization"),
    ]
    assert quotes[1].speaker.mention.text == "Oxfam"


SURNAME_AND_ORG = (
    "Ford Foundation said the grants grew. Henry Ford met them. Ford said the plan worked."
)
SURNAME_AND_ORG_ROWS = """
Ford       NNP compound 1  B-ORG
Foundation NNP nsubj    2  I-ORG
said       VBD ROOT     2
the        DT  det      4
grants     NNS nsubj    5
grew       VBD ccomp    2
.          .   punct    2
Henry      NNP compound 8  B-PERSON
Ford       NNP nsubj    9  I-PERSON
met        VBD ROOT     9
them       PRP dobj     9
.          .   punct    9
Ford       NNP nsubj    13 B-PERSON
said       VBD ROOT     13
the        DT  det      15
plan       NN  nsubj    16
worked     VBD ccomp    13
.          .   punct    13
"""


def test_short_form_stays_a_person_when_someone_named_in_full_has_it_for_a_surname():
    quotes = quotes_in(make_doc(SURNAME_AND_ORG, SURNAME_AND_ORG_ROWS), no_coref)
    assert (quotes[-1].speaker.name, quotes[-1].speaker.kind) == ("Henry Ford", "person")


LOWERCASE_NNP = "Months of airstrikes said little. critics said the toll was high."
LOWERCASE_NNP_ROWS = """
Months     NNS nsubj  3
of         IN  prep   0
airstrikes NNS pobj   1
said       VBD ROOT   3
little     JJ  dobj   3
.          .   punct  3
critics    NNP nsubj  7
said       VBD ROOT   7
the        DT  det    9
toll       NN  nsubj  10
was        VBD ccomp  7
high       JJ  acomp  10
.          .   punct  7
"""


def test_lowercase_word_tagged_proper_noun_is_not_a_named_speaker():
    quotes = quotes_in(make_doc(LOWERCASE_NNP, LOWERCASE_NNP_ROWS), no_coref)
    critics = next(q for q in quotes if q.content.text == "the toll was high")
    assert critics.speaker is None or critics.speaker.kind != "person"
    assert critics.mention is not None and critics.mention.text == "critics"


# The parse hangs the sentence's start on the cue as a clause before it and leaves the cue
# without a subject; the quotation opening right after the cue is the report.
RELATIVE_MISPARSE = 'Officials hailed the event, led by Ann Lee who, using a word, said "the end is near."'
RELATIVE_MISPARSE_ROWS = """
Officials NNS nsubj  1
hailed    VBD ccomp  15
the       DT  det    3
event     NN  dobj   1
,         ,   punct  5
led       VBN acl    3
by        IN  agent  5
Ann       NNP compound 8 B-PERSON
Lee       NNP pobj   6  I-PERSON
who       WP  dobj   5
,         ,   punct  11
using     VBG advcl  5
a         DT  det    13
word      NN  dobj   11
,         ,   punct  1
said      VBD ROOT   15
"         ``  punct  19
the       DT  det    18
end       NN  nsubj  19
is        VBZ ccomp  15
near      JJ  acomp  19
.         .   punct  19
"         ''  punct  19
"""


def test_quotation_opening_after_the_cue_is_its_report_whatever_the_parse_hangs_before():
    quotes = quotes_in(make_doc(RELATIVE_MISPARSE, RELATIVE_MISPARSE_ROWS), no_coref)
    [quote] = [q for q in quotes if "the end is near" in q.content.text]
    assert quote.speaker is not None and quote.speaker.name == "Ann Lee"
    assert not [q for q in quotes if "hailed the event" in q.content.text]


MID_PHRASE = "Lee accused Moscow of war crimes in Aleppo last year."
MID_PHRASE_ROWS = """
Lee     NNP nsubj    1 B-PERSON
accused VBD ROOT     1
Moscow  NNP dobj     1 B-GPE
of      IN  prep     1
war     NN  compound 5
crimes  NNS pobj     3
in      IN  prep     5
Aleppo  NNP pobj     6 B-GPE
last    JJ  amod     9
year    NN  npadvmod 1
.       .   punct    1
"""


def _tagged(doc, cue: str, content: tuple[str, str]):
    """The attribution tagger's labels, set by hand: a cue word and a content span."""
    words = [t.text for t in doc]
    first, last = words.index(content[0]), words.index(content[1])
    iob = ["O"] * len(doc)
    iob[words.index(cue)] = "B-CUE"
    iob[first] = "B-CONTENT"
    iob[first + 1 : last + 1] = ["I-CONTENT"] * (last - first)
    doc._.attribution_iob = iob
    return doc


def test_a_tagged_content_that_stops_mid_phrase_does_not_replace_the_parse():
    doc = make_doc(MID_PHRASE, MID_PHRASE_ROWS)
    [plain] = quotes_in(doc, no_coref)
    # The tagger reads much the same report but stops on "in": the parse's boundary stays.
    [checked] = quotes_in(_tagged(doc, "accused", ("Moscow", "in")), no_coref)
    assert checked.content.text == plain.content.text
    assert not checked.content.text.endswith(" in")
    # One that ends on a full word wins, as before.
    [taken] = quotes_in(_tagged(doc, "accused", ("war", "Aleppo")), no_coref)
    assert taken.content.text == "war crimes in Aleppo"

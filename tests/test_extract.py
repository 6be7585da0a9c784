from docs import make_doc

from quotes.extract import find_quotes
from quotes.marks import find_marked


def inside(text: str) -> list[str]:
    return [text[m.start : m.end] for m in find_marked(text)]


def test_straight_and_curly_double_quotes():
    text = 'He said "we won" and later “we lost”.'
    assert inside(text) == ["we won", "we lost"]


def test_curly_single_quotes_with_apostrophes_inside():
    text = "‘The country’s army won’t stop,’ she said."
    assert inside(text) == ["The country’s army won’t stop"]


def test_apostrophes_are_not_quote_marks():
    text = "Russia's army, don't, the '90s and the groups' 'big win' stayed."
    assert inside(text) == ["big win"]


def test_single_quotes_nested_in_double_quotes_are_dropped():
    text = "\"The 'victory' is hollow,\" she said."
    assert inside(text) == ["The 'victory' is hollow"]


def test_unclosed_paragraph_continues_into_reopened_paragraph():
    text = '"First part of it.\n\n"Second part," she said.\nNext.'
    marks = find_marked(text)
    assert len(marks) == 1
    assert text[marks[0].start : marks[0].end] == 'First part of it.\n\n"Second part'


def test_unclosed_quote_without_reopening_ends_with_its_paragraph():
    text = "'We ran all night.\nOther news."
    assert inside(text) == ["We ran all night."]


def test_stray_single_mark_mid_paragraph_is_ignored():
    assert inside("The rock 'n' roll years of the '80s ended.") == []


def test_title_with_space_before_closing_mark():
    text = "Davies, author of 'Blood on our Hands, ' about Iraq, spoke."
    assert inside(text) == ["Blood on our Hands"]


# --- with parses -----------------------------------------------------------------------------

INVERTED = '"The city is gone," said Maj. Gen. Ivan Petrov.'
INVERTED_ROWS = """
"       ``   punct  4
The     DT   det    2
city    NN   nsubj  3
is      VBZ  ccomp  7
gone    JJ   acomp  3
,       ,    punct  7
"       ''   punct  7
said    VBD  ROOT   7
Maj.    NNP  compound 11
Gen.    NNP  compound 11
Ivan    NNP  compound 11 B-PERSON
Petrov  NNP  nsubj  7 I-PERSON
.       .    punct  7
"""


def test_direct_quote_with_inverted_cue():
    doc = make_doc(INVERTED, INVERTED_ROWS)
    [found] = find_quotes(doc)
    assert found.kind == "direct"
    assert doc.text[found.start : found.end] == "The city is gone"
    assert found.cue.word.text == "said"
    assert found.cue.subject.text == "Petrov"


MIXED = 'Smith said "the end is in sight."'
MIXED_ROWS = """
Smith  NNP  nsubj 1 B-PERSON
said   VBD  ROOT  1
"      ``   punct 5
the    DT   det   4
end    NN   nsubj 5
is     VBZ  ccomp 1
in     IN   prep  5
sight  NN   pobj  6
.      .    punct 5
"      ''   punct 5
"""


def test_quote_run_into_the_sentence_is_mixed():
    doc = make_doc(MIXED, MIXED_ROWS)
    [found] = find_quotes(doc)
    assert found.kind == "mixed"
    assert doc.text[found.start : found.end] == '"the end is in sight."'


FRAGMENT = 'Raqqa is a "small town" now, the ministry said.'
FRAGMENT_ROWS = """
Raqqa    NNP  nsubj 1 B-GPE
is       VBZ  ccomp 11
a        DT   det   5
"        ``   punct 5
small    JJ   amod  5
town     NN   attr  1
"        ''   punct 5
now      RB   advmod 1
,        ,    punct 11
the      DT   det   10
ministry NN   nsubj 11
said     VBD  ROOT  11
.        .    punct 11
"""


def test_fragment_inside_reported_clause_is_mixed_with_whole_clause():
    doc = make_doc(FRAGMENT, FRAGMENT_ROWS)
    [found] = find_quotes(doc)
    assert found.kind == "mixed"
    assert doc.text[found.start : found.end] == 'Raqqa is a "small town" now'
    assert found.cue.subject.text == "ministry"


INDIRECT = "Lee told VOA that the strikes were inevitable."
INDIRECT_ROWS = """
Lee        NNP nsubj  1 B-PERSON
told       VBD ROOT   1
VOA        NNP dative 1 B-ORG
that       IN  mark   6
the        DT  det    5
strikes    NNS nsubj  6
were       VBD ccomp  1
inevitable JJ  acomp  6
.          .   punct  1
"""


def test_indirect_speech_content_is_the_complement_clause():
    doc = make_doc(INDIRECT, INDIRECT_ROWS)
    [found] = find_quotes(doc)
    assert found.kind == "indirect"
    assert doc.text[found.start : found.end] == "the strikes were inevitable"
    assert found.cue.subject.text == "Lee"


ACCORDING = "According to the report, 1,600 civilians died."
ACCORDING_ROWS = """
According IN   prep   6
to        IN   prep   0
the       DT   det    3
report    NN   pobj   1
,         ,    punct  6
1,600     CD   nummod 5
civilians NNS  nsubj  6
died      VBD  ROOT   6
.         .    punct  6
"""


def test_according_to():
    doc = make_doc(ACCORDING, ACCORDING_ROWS)
    [found] = find_quotes(doc)
    assert found.kind == "indirect"
    assert doc.text[found.start : found.end] == "1,600 civilians died"
    assert found.cue.subject.text == "report"


OBJECT_CUE = "Moscow accused the coalition of razing the city."
OBJECT_CUE_ROWS = """
Moscow    NNP nsubj 1 B-GPE
accused   VBD ROOT  1
the       DT  det   3
coalition NN  dobj  1
of        IN  prep  1
razing    VBG pcomp 4
the       DT  det   7
city      NN  dobj  5
.         .   punct 1
"""


def test_accused_reports_through_its_object():
    doc = make_doc(OBJECT_CUE, OBJECT_CUE_ROWS)
    [found] = find_quotes(doc)
    assert found.kind == "indirect"
    assert doc.text[found.start : found.end] == "the coalition of razing the city"


TITLE = "Davies, author of 'Blood on our Hands,' wrote a book."
TITLE_ROWS = """
Davies  NNP nsubj 11 B-PERSON
,       ,   punct 0
author  NN  appos 0
of      IN  prep  2
'       ``  punct 5
Blood   NNP pobj  3
on      IN  prep  5
our     PRP$ poss 8
Hands   NNP pobj  6
,       ,   punct 5
'       ''  punct 5
wrote   VBD ROOT  11
a       DT  det   13
book    NN  dobj  11
.       .   punct 11
"""


def test_titles_and_scare_quotes_without_cue_are_not_quotes():
    doc = make_doc(TITLE, TITLE_ROWS)
    assert find_quotes(doc) == []


STANDALONE = 'He left.\n\n"We will not go back."'
STANDALONE_ROWS = """
He    PRP nsubj 1
left  VBD ROOT  1
.     .   punct 1
"     ``  punct 5
We    PRP nsubj 5
will  MD  aux   5
not   RB  neg   5
go    VB  ROOT  5
back  RB  advmod 5
.     .   punct 5
"     ''  punct 5
"""


def test_paragraph_quote_without_cue_is_direct_and_uncued():
    doc = make_doc(STANDALONE, STANDALONE_ROWS)
    [found] = find_quotes(doc)
    assert found.kind == "direct" and found.cue is None
    assert doc.text[found.start : found.end] == "We will not go back."


# --- patterns the parse alone misses -----------------------------------------------------------

MISPARSED = '"We will win the state," Caddell said.'
MISPARSED_ROWS = """
"        ``   punct 3
We       PRP  nsubj 3
will     MD   aux   3
win      VB   ROOT  3
the      DT   det   5
state    NN   dobj  3
,        ,    punct 3
"        ''   punct 3
Caddell  NNP  npadvmod 9 B-PERSON
said     VBD  parataxis 3
.        .    punct 3
"""


def test_subject_is_read_off_the_words_when_the_parse_misplaces_it():
    doc = make_doc(MISPARSED, MISPARSED_ROWS)
    [found] = find_quotes(doc)
    assert found.kind == "direct"
    assert found.cue.word.text == "said" and found.cue.subject.text == "Caddell"


INTERRUPTED = '"We won," Lee said. "We will win it again."'
INTERRUPTED_ROWS = """
"      ``  punct 2
We     PRP nsubj 2
won    VBD ccomp 6
,      ,   punct 6
"      ''  punct 6
Lee    NNP nsubj 6 B-PERSON
said   VBD ROOT  6
.      .   punct 6
"      ``  punct 11
We     PRP nsubj 11
will   MD  aux   11
win    VB  ROOT  11
it     PRP dobj  11
again  RB  advmod 11
.      .   punct 11
"      ''  punct 11
"""


def test_quote_interrupted_by_its_attribution_is_one_quote():
    doc = make_doc(INTERRUPTED, INTERRUPTED_ROWS)
    [found] = find_quotes(doc)
    assert found.kind == "direct" and found.cue.subject.text == "Lee"
    assert doc.text[found.start : found.end] == 'We won," Lee said. "We will win it again.'
    assert len(found.marks) == 2


COLON = 'Caddell: "The health issue has affected the race badly."'
COLON_ROWS = """
Caddell  NNP  ROOT   0 B-PERSON
:        :    punct  0
"        ``   punct  7
The      DT   det    5
health   NN   compound 5
issue    NN   nsubj  7
has      VBZ  aux    7
affected VBN  appos  0
the      DT   det    9
race     NN   dobj   7
badly    RB   advmod 7
.        .    punct  7
"        ''   punct  7
"""


def test_name_and_colon_introduce_a_quote():
    doc = make_doc(COLON, COLON_ROWS)
    [found] = find_quotes(doc)
    assert found.kind == "direct"
    assert found.cue.word.text == ":" and found.cue.subject.text == "Caddell"


ASIDE = "\"They lied to us all\", Nick Doe, author of 'Blood, ' about Iraq, told RT."
ASIDE_ROWS = """
"       ``  punct 2
They    PRP nsubj 2
lied    VBD ROOT  2
to      IN  prep  2
us      PRP pobj  3
all     DT  appos 4
"       ''  punct 2
,       ,   punct 2
Nick    NNP compound 9 B-PERSON
Doe     NNP dep   2 I-PERSON
,       ,   punct 9
author  NN  ROOT  11
of      IN  prep  11
'       ``  punct 14
Blood   NNP pobj  12
,       ,   punct 14
'       ''  punct 14
about   IN  prep  11
Iraq    NNP pobj  17 B-GPE
,       ,   punct 20
told    VBD ROOT  20
RT      NNP dobj  20 B-ORG
.       .   punct 20
"""


def test_speaker_before_an_aside_with_commas_in_a_title():
    doc = make_doc(ASIDE, ASIDE_ROWS)
    [found] = find_quotes(doc)
    assert found.kind == "direct"
    assert found.cue.word.text == "told" and found.cue.subject.text == "Doe"


BELIEF = "Smith believes that the plan will fail."
BELIEF_ROWS = """
Smith    NNP nsubj 1 B-PERSON
believes VBZ ROOT  1
that     IN  mark  6
the      DT  det   4
plan     NN  nsubj 6
will     MD  aux   6
fail     VB  ccomp 1
.        .   punct 1
"""


def test_reported_belief_is_indirect_speech():
    [found] = find_quotes(make_doc(BELIEF, BELIEF_ROWS))
    assert found.kind == "indirect" and found.cue.lemma == "believe"
    assert found.cue.subject.text == "Smith"


NESTED = '"They said we could go home now," Lee said.'
NESTED_ROWS = """
"     ``  punct 2
They  PRP nsubj 2
said  VBD ccomp 11
we    PRP nsubj 5
could MD  aux   5
go    VB  ccomp 2
home  RB  advmod 5
now   RB  advmod 5
,     ,   punct 11
"     ''  punct 11
Lee   NNP nsubj 11 B-PERSON
said  VBD ROOT  11
.     .   punct 11
"""


def test_report_inside_a_quotation_is_not_a_quote_of_its_own():
    doc = make_doc(NESTED, NESTED_ROWS)
    [found] = find_quotes(doc)
    assert found.kind == "direct" and found.cue.subject.text == "Lee"


# The parser often hangs a closing cue inside a long reported clause (here as a relative
# clause of "Dresden"); the report is still everything before the subject's comma.
CLOSING = "The siege is comparable to the bombing of Dresden, the ministry charged in a statement."
CLOSING_ROWS = """
The        DT   det       1
siege      NN   nsubj     2
is         VBZ  ROOT      2
comparable JJ   acomp     2
to         IN   prep      3
the        DT   det       6
bombing    NN   pobj      4
of         IN   prep      6
Dresden    NNP  pobj      7
,          ,    punct     8
the        DT   det       11
ministry   NN   nsubj     12
charged    VBD  relcl     8
in         IN   prep      12
a          DT   det       15
statement  NN   pobj      13
.          .    punct     2
"""


def test_closing_cue_after_comma_reports_the_clause_before_it():
    doc = make_doc(CLOSING, CLOSING_ROWS)
    [found] = find_quotes(doc)
    assert found.kind == "indirect"
    assert doc.text[found.start : found.end] == "The siege is comparable to the bombing of Dresden"
    assert found.cue.subject.text == "ministry"


# "the monitoring group Airwars declared": a parse that makes the role noun the subject.
ROLE_THEN_NAME = "The monitoring group Airwars declared that the toll was higher."
ROLE_THEN_NAME_ROWS = """
The        DT   det      2
monitoring NN   compound 2
group      NN   nsubj    4
Airwars    NNP  nsubj    4 B-ORG
declared   VBD  ROOT     4
that       IN   mark     8
the        DT   det      7
toll       NN   nsubj    8
was        VBD  ccomp    4
higher     JJR  acomp    8
.          .    punct    4
"""


def test_role_noun_followed_by_a_name_yields_the_name():
    doc = make_doc(ROLE_THEN_NAME, ROLE_THEN_NAME_ROWS)
    [found] = find_quotes(doc)
    assert found.cue.subject.text == "Airwars"


COLON_INTO_QUOTE = 'Polls: "We are ahead in every single poll."'
COLON_INTO_QUOTE_ROWS = """
Polls   NNS nsubj 4
:       :   punct 4
"       ``  punct 4
We      PRP nsubj 4
are     VBP ROOT  4
ahead   RB  advmod 4
in      IN  prep  5
every   DT  det   9
single  JJ  amod  9
poll    NN  pobj  6
.       .   punct 4
"       ''  punct 4
"""


def test_colon_hung_on_the_quotations_own_root_ends_the_search():
    # The walk up from the colon must stop at a root after it (it once looped forever).
    doc = make_doc(COLON_INTO_QUOTE, COLON_INTO_QUOTE_ROWS)
    [found] = find_quotes(doc)
    assert "We are ahead in every single poll." in doc.text[found.start : found.end]


def test_a_tagged_content_ends_before_the_full_stop_but_keeps_its_quote_mark():
    import spacy

    from quotes.reports import _without_final_punct

    doc = spacy.blank("en")('He said the talks had failed. "We won."')
    start = doc.text.index("the")
    assert doc.text[slice(*_without_final_punct(doc, (start, doc.text.index(' "'))))] == (
        "the talks had failed"
    )
    quoted = _without_final_punct(doc, (doc.text.index('"'), len(doc.text)))
    assert doc.text[slice(*quoted)] == '"We won."'
    stop = doc.text.index(".")
    assert _without_final_punct(doc, (stop, stop + 1)) is None
    assert _without_final_punct(doc, None) is None

"""Word lists the extraction and attribution rules rely on.

Forms are listed (not lemmatised at run time) so the rules behave the same whether or not the
pipeline has a lemmatizer.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


def _forms(lemma: str, past: str | None = None, ing: str | None = None) -> dict[str, str]:
    """Map the inflected forms of a regular-ish verb to its lemma."""
    stem = lemma[:-1] if lemma.endswith("e") else lemma
    third = lemma + ("es" if lemma.endswith(("s", "sh", "ch", "x")) else "s")
    if lemma.endswith("y") and lemma[-2] not in "aeiou":
        third = lemma[:-1] + "ies"
        past = past or lemma[:-1] + "ied"
    past = past or (lemma + "d" if lemma.endswith("e") else lemma + "ed")
    ing = ing or stem + "ing"
    return {form: lemma for form in (lemma, third, past, ing)}


# Verbs that report speech when they take a clause ("X said (that) ...", "X told VOA that ...").
CLAUSE_CUES = (
    "say", "tell", "add", "state", "declare", "claim", "charge", "allege", "announce", "argue",
    "assert", "comment", "complain", "confirm", "deny", "estimate", "explain", "insist",
    "maintain", "note", "observe", "predict", "promise", "reply", "report", "reveal",
    "stress", "tweet", "warn", "write", "acknowledge", "admit", "concede", "contend",
    "emphasise", "emphasize", "reiterate", "recall", "testify", "conclude", "agree", "accuse",
    "urge", "call", "criticise", "criticize", "demand", "ask",
    # Findings of polls and studies, and reported beliefs: a who-said-what index wants
    # "X believes that ..." as much as "X said that ..." (PolNeAR annotates both).
    "show", "find", "suggest", "indicate", "mention", "respond", "question", "pledge", "vow",
    "caution", "signal", "disclose", "boast", "brag", "remark", "recount", "believe", "think",
    "fear", "hope", "doubt", "suspect", "point", "forecast", "assure", "reassure", "inform",
    "repeat", "continue", "joke", "quip", "speculate", "theorize", "theorise", "worry",
    # Stances reported through an object or an infinitive ("praised the deal", "declined to
    # comment"): PolNeAR train shows these verbs reporting someone's words or view more often
    # than not.
    *("cite", "describe", "endorse", "praise", "blast", "denounce", "dismiss", "reject", "blame",
      "portray", "tout", "mock", "condemn", "decry", "assail", "slam", "applaud", "express",
      "voice", "echo", "highlight", "propose", "decline", "refuse", "threaten", "liken",
      "characterize", "characterise", "lament", "plead", "shout", "chant"),
    # Ways of voicing words that are quoted verbatim ("“...,” Blige sings").
    "sing", "yell", "scream", "whisper", "mutter", "exclaim",
    # Verbs of saying whose forms head a cue in PolNeAR train more often than not ("defended"
    # 36 of 39 times, "railed" 10 of 11, "reminded" 11 of 14, "thanked" 9 of 12, "emailed" 9
    # of 15) or often ("answered" 8 of 19), and "scolded him: '...'" (a hand-made case); dev
    # direct quotes attributed 94.6 -> 94.9
    "remind", "hint", "email", "answer", "scold", "defend", "rail", "thank",
)
# Verbs whose report is an infinitive, not a clause ("refused to release his returns").
INFINITIVE_CUES = frozenset({
    "urge", "call", "ask", "tell", "decline", "refuse", "threaten", "promise", "pledge", "vow",
})
# Verbs that report speech through their object instead of a clause ("accused X of Y",
# "urged X to Y", "called for Y", "criticized Y"); "declared victory" is not a quotation, so
# only these count without a clausal complement.
OBJECT_CUES = frozenset({
    "accuse", "urge", "call", "criticise", "criticize", "demand", "deny", "warn", "charge",
    "cite", "describe", "endorse", "praise", "blast", "denounce", "dismiss", "reject", "blame",
    "portray", "tout", "mock", "condemn", "decry", "assail", "slam", "applaud", "express",
    "voice", "echo", "highlight", "propose", "liken", "characterize", "characterise", "lament",
    "chant", "shout", "defend", "scold", "thank", "rail",
})

_IRREGULAR = {
    "say": ("said", "saying"), "tell": ("told", "telling"), "write": ("wrote", "writing"),
    "find": ("found", "finding"), "think": ("thought", "thinking"),
    "forecast": ("forecast", "forecasting"), "quip": ("quipped", "quipping"),
    "signal": ("signaled", "signaling"), "slam": ("slammed", "slamming"),
    "sing": ("sang", "singing"),
}
# Cues that only report speech with their particle ("pointed out that"); without it they mean
# something else ("pointed to the map").
PARTICLE_CUES = {"point": "out"}

CUE_FORMS: dict[str, str] = {}
for _lemma in CLAUSE_CUES:
    _past, _ing = _IRREGULAR.get(_lemma, (None, None))
    CUE_FORMS.update(_forms(_lemma, _past, _ing))
    if _lemma in ("admit", "commit"):
        CUE_FORMS.update({_lemma + "ted": _lemma, _lemma + "ting": _lemma})
CUE_FORMS.update({
    "written": "write", "quoted": "quote", "shown": "show", "signalled": "signal",
    "signalling": "signal", "echoes": "echo",
})
for _lemma in ("stress", "criticise", "criticize", "emphasise", "emphasize"):
    CUE_FORMS[_lemma + "d" if _lemma.endswith("e") else _lemma + "ed"] = _lemma


def cue_lemma(word: str, lemma: str = "") -> str | None:
    """The speech-verb lemma of a word form, or None when it is not a cue."""
    low = word.lower()
    if low in CUE_FORMS:
        return CUE_FORMS[low]
    if lemma and lemma.lower() in CLAUSE_CUES:
        return lemma.lower()
    return None


# Forms of "be" and "have", matched as words (a lemmatizer may leave "are" as it is): they
# never head a cue.
AUXILIARY_FORMS = frozenset(
    "is are was were be been being am 's 're has have had having".split()
)

# Honorifics and ranks that are split off a person's name into the title.
HONORIFICS = frozenset(
    word.lower()
    for word in """
    Mr Mrs Ms Miss Mx Dr Prof Professor Sir Dame Lord Lady Rev Reverend Fr Father Sister
    Sheikh Sheik Imam Rabbi Pope Cardinal Bishop Archbishop King Queen Prince Princess Emir
    Gen General Maj Major Lt Lieut Lieutenant Col Colonel Capt Captain Cmdr Commander Cdr Adm
    Admiral Sgt Sergeant Cpl Corporal Pvt Private Brig Brigadier Marshal Field Gov Governor
    Sen Senator Rep Representative Hon Honourable Honorable President Vice Prime Minister
    Secretary Chancellor Premier Ambassador Mayor Judge Justice Chief Deputy Gen. Maj. Lt. Col.
    Capt. Sgt. Cpl. Adm. Brig. Gov. Sen. Rep. Hon. Dr. Mr. Mrs. Ms. Prof. Rev. St. Fr. Cmdr.
    """.split()
)

# Role nouns: a noun phrase headed by one of these names a person by function
# ("SDF media official Mustafa Bali", "a defence ministry spokesman").
ROLE_NOUNS = frozenset("""
    spokesman spokeswoman spokesperson official officials adviser advisor advisers advisors
    director directors chief head leader leaders minister ministers secretary envoy ambassador
    representative representatives commander commanders officer officers analyst analysts expert
    experts researcher researchers author activist activists investigator investigators monitor
    monitors worker workers resident residents witness witnesses president chairman chairwoman
    coordinator correspondent editor founder member members negotiator diplomat diplomats
    lawyer lawyers professor source sources aide aides campaigner campaigners
""".split())

# Words inside proper names that mark an organisation when the NER gives no label.
ORG_NAME_WORDS = frozenset("""
    international ministry council agency forces force army coalition committee commission
    organisation organization group union institute foundation watch network observatory
    department office embassy party front command news press
""".split())

# Heads of noun phrases that name an organisation ("the ministry", "the London-based rights group").
ORG_NOUNS = frozenset("""
    ministry department government administration coalition alliance group organisation
    organization agency office army military force forces council committee commission
    embassy authority authorities police militia party union bank company firm court
    parliament congress senate cabinet regime monitor observatory network institute
    foundation charity watchdog service services command unit federation association
    movement front
""".split())
# Org heads so general that only an earlier mention can say which organisation they mean.
GENERIC_ORG_NOUNS = frozenset(
    "group organisation organization body agency charity watchdog alliance".split()
)
# Nouns for documents, which are not speakers ("according to the report").
DOCUMENT_NOUNS = frozenset("report statement study survey document letter data figures".split())

PERSON_PRONOUNS = {"he": "m", "him": "m", "she": "f", "her": "f"}
ORG_PRONOUNS = frozenset({"it"})
PLURAL_PRONOUNS = frozenset({"they", "them"})
FIRST_PERSON = frozenset({"i", "we", "me", "us", "you"})

# Words in numbers that say how many organisations a plural mention stands for.
NUMBER_WORDS = {"two": 2, "both": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4}

# --- what kind of attribution a cue makes ------------------------------------------------------
#
# A who-said-what index holds more than speech: PolNeAR (and so the rules) also attribute
# beliefs ("Trump believes the polls are rigged"), stances ("Sanders blasted the deal") and the
# findings of polls and studies ("the survey shows ..."). Each quote carries the category of
# its cue so that a user can keep to what people actually said (``category = 'speech'``).
# Cues not listed below are speech: saying, telling, writing, tweeting, announcing, warning,
# "according to", a transcript's "NAME:" and a signature dash.
BELIEF_CUES = frozenset({
    "believe", "think", "fear", "hope", "doubt", "suspect", "worry", "feel", "expect", "know",
    "view", "consider", "see", "trust", "assume", "wonder", "understand", "regard",
})
STANCE_CUES = frozenset({
    "agree", "back", "support", "oppose", "welcome", "endorse", "praise", "applaud", "blast",
    "denounce", "dismiss", "reject", "blame", "portray", "tout", "mock", "condemn", "decry",
    "assail", "slam", "criticise", "criticize", "highlight", "propose", "decline", "refuse",
    "threaten", "liken", "characterize", "characterise", "lament", "describe", "cite", "echo",
    "express", "voice", "champion", "defend", "favor", "favour",
    "attack", "approve", "veto", "vote",
})
FINDING_CUES = frozenset({"show", "find", "suggest", "indicate", "signal", "estimate", "conclude"})
# Speech cues that also serve for the quotes found without a listed verb: the label of a
# transcript line ("PENCE: ...") and a signature dash ("... ― Oscar P. Quintero").
LABEL_CUES = frozenset({":", "—", "according"})


def category_of(lemma: str | None, direct: bool = False) -> str:
    """The category (one of ``records.CATEGORIES``) of a quote reported by a cue of ``lemma``.

    A quote without a cue, and one in quotation marks whose cue no list knows ('She then
    addressed the supporters: "..."'), is speech: words in quotation marks are someone's words.
    Otherwise a cue no list knows (one only the learned tagger found: "approved a plan", "did
    not know how to") is ``other``, never ``speech``.
    """
    if lemma is None:
        return "speech"
    lemma = lemma.lower()
    if lemma in BELIEF_CUES:
        return "belief"
    if lemma in STANCE_CUES:
        return "stance"
    if lemma in FINDING_CUES:
        return "finding"
    if lemma in CLAUSE_CUES or lemma in LABEL_CUES or lemma == "quote" or direct:
        return "speech"
    return "other"


def category_of_cue_text(cue: str | None, direct: bool = False) -> str:
    """``category_of`` for a cue as stored in the database ("said", "according to", "has
    learned"): the first word that is a known cue form decides."""
    if cue is None:
        return "speech"
    words = cue.lower().split()
    for word in words:
        lemma = cue_lemma(word)
        if lemma is not None or word in LABEL_CUES:
            return category_of(lemma or word, direct)
    return category_of(words[-1] if words else None, direct)


# --- a person's gender, for he and she ------------------------------------------------------

# Honorifics that say whether "he" or "she" can stand for the person who bears them.
MALE_TITLES = frozenset("mr mr. sir lord king prince father fr fr. brother".split())
FEMALE_TITLES = frozenset(
    "mrs mrs. ms ms. miss dame lady queen princess sister madam".split()
)


@lru_cache(maxsize=1)
def _first_names() -> tuple[frozenset[str], frozenset[str]]:
    """First names that are only men's and only women's, from coreferee's lists (coreferee is
    a dependency; without its data both are empty and no name has a gender)."""
    try:
        data = resources.files("coreferee") / "lang" / "common" / "data"
        male = set(data.joinpath("male_names.dat").read_text(encoding="utf-8").split())
        female = set(data.joinpath("female_names.dat").read_text(encoding="utf-8").split())
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return frozenset(), frozenset()
    return frozenset(male - female), frozenset(female - male)


def gender_of(name: str, title: str | None = None) -> str | None:
    """"m" or "f" when a title or an unambiguous first name says so, else None.

    "Prime Minister Jane Morton" is no "he": the story's "he said" is someone else.
    """
    titles = (title or "").lower().split()
    if any(t in MALE_TITLES for t in titles):
        return "m"
    if any(t in FEMALE_TITLES for t in titles):
        return "f"
    words = name.split()
    if len(words) < 2:
        return None  # a surname alone says nothing
    male, female = _first_names()
    if words[0] in male:
        return "m"
    if words[0] in female:
        return "f"
    return None

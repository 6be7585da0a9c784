"""Who is a person: titles mark people, organisation words do not. A rule after the recognizer.

News names people with their rank or office in front ("Maj Gen Igor Konashenkov", "Prime
Minister Theresa May", "Sen. Lindsey Graham"). The treebanks the recognizer learns from show
few such runs, and a title it does not know (the undotted "Maj Gen" of British style) can hide
the name from it altogether. OntoNotes, and our converted gold, leave the title out of the
PERSON span. So:

- a PERSON entity that starts with titles loses them ("Maj. Gen. Igor Konashenkov" ->
  "Igor Konashenkov");
- capitalised proper nouns right after a capitalised title, which the recognizer left without
  any entity, become a PERSON;
- a PERSON entity whose last word names a kind of organisation ("Amnesty International",
  "Syrian Democratic Forces", "Human Rights Watch") is an ORG, as OntoNotes labels it; a small
  recognizer sometimes takes such a name for a person, and coreferee then lets "he" and "she"
  point at it.

It never makes a person of what the recognizer labelled otherwise ("General Motors" stays
ORG). The word lists are the component's config, saved with the pipeline. Shipped with the
package through ``spacy package --code``; loading a pipeline directory needs this module
imported first. ORG_WORDS is close to quotes.cues.ORG_NAME_WORDS on purpose but apart: the
model package must not import the application.
"""

from __future__ import annotations

from typing import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

FACTORY_NAME = "person_titles"

# Lower case, without the final period. Words that also open other names ("General Motors",
# "Major League", "Secretary of State") are left out.
TITLES = (
    "mr mrs ms miss dr prof sir dame lord lady madame monsieur "
    "gen maj col lt capt cpt sgt cpl pvt brig adm cmdr cdr gov sen rep amb supt insp det "
    "rev hon fr msgr pres atty "
    "president vice prime minister chancellor premier ambassador senator congressman "
    "congresswoman governor mayor councillor councilman councilwoman judge "
    "colonel lieutenant captain sergeant corporal admiral commander brigadier "
    "pope king queen prince princess emperor sheikh sheik ayatollah imam rabbi cardinal "
    "archbishop bishop"
).split()

# The last word of an organisation's name (lower case).
ORG_WORDS = (
    "international ministry council agency forces army coalition committee commission "
    "organisation organization union institute foundation watch network observatory "
    "department embassy party front command association federation corporation company "
    "inc inc. ltd ltd. corp corp. bank fund university college"
).split()

# A name run never ends in a word that makes it a place or a building ("King Street") or
# another office ("Deputy Fire Chief").
NOT_PERSON_HEADS = frozenset(
    "street road avenue square park bridge island islands county hall house hotel hospital "
    "university college school airport station center centre church cathedral palace "
    "chief officer director executive secretary general justice deputy minister spokesman "
    "spokeswoman commissioner chairman chairwoman".split()
)


def make_person_titles(
    nlp: Language, name: str, titles: list[str], org_words: list[str]
) -> PersonTitles:
    return PersonTitles(titles, org_words)


class PersonTitles:
    def __init__(self, titles: Iterable[str], org_words: Iterable[str] = ()) -> None:
        self.titles = frozenset(t.lower().rstrip(".") for t in titles)
        self.org_words = frozenset(w.lower() for w in org_words)

    def is_title(self, token: Token) -> bool:
        return token.text[:1].isupper() and token.lower_.rstrip(".") in self.titles

    def __call__(self, doc: Doc) -> Doc:
        ents = [self._as_ontonotes(e) for e in doc.ents]
        covered = {i for e in ents for i in range(e.start, e.end)}
        i = 0
        while i < len(doc):
            if not self.is_title(doc[i]):
                i += 1
                continue
            j = i
            while j < len(doc) and self.is_title(doc[j]):
                j += 1
            k = j
            while k < len(doc) and _name_word(doc[k]) and k not in covered:
                k += 1
            if k > j and doc[k - 1].lower_ not in NOT_PERSON_HEADS:
                ents.append(Span(doc, j, k, label="PERSON"))
            i = max(k, i + 1)
        doc.ents = filter_spans(ents)
        return doc

    def _as_ontonotes(self, ent: Span) -> Span:
        if ent.label_ != "PERSON":
            return ent
        if len(ent) > 1 and ent[-1].lower_ in self.org_words:
            return Span(ent.doc, ent.start, ent.end, label="ORG")
        k = ent.start
        while k < ent.end - 1 and self.is_title(ent.doc[k]):
            k += 1
        if k == ent.start or not _name_word(ent.doc[k]):
            return ent
        return Span(ent.doc, k, ent.end, label=ent.label)


def _name_word(token: Token) -> bool:
    return token.tag_ in ("NNP", "NNPS") and token.text[:1].isupper() and not token.is_punct


# This file ships inside en_quotes_sm and also lives in the training scripts; when both are
# imported in one process (tests, training next to an installed model) register it once.
if not Language.has_factory(FACTORY_NAME):
    Language.factory(
        FACTORY_NAME,
        func=make_person_titles,
        default_config={"titles": list(TITLES), "org_words": list(ORG_WORDS)},
    )

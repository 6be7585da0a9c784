"""Cues and what they report: speech verbs (and "according to") found in the parse, each with
its speaker (the subject, an agent, a name in apposition) and its reported clause.

Works on a parsed ``Doc`` in the en_core_web annotation scheme (PTB tags, ClearNLP labels). Where
the parse gives no clause or no subject, the learned attribution tagger (:mod:`quotes.learned`)
may supply them. :mod:`quotes.extract` combines these cues with the quote marks.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from . import learned
from .cues import (
    DOCUMENT_NOUNS,
    INFINITIVE_CUES,
    OBJECT_CUES,
    PARTICLE_CUES,
    ROLE_NOUNS,
    cue_lemma,
)
from .doctools import (
    SPEAKER_ENTS,
    WORDS,
    char_range,
    clip,
    crosses_sentence,
    doc_text,
    is_verb,
    is_word,
    last_word,
    looks_like_name,
    nounish,
    same_paragraph,
    tokens_in,
    trailing_junk,
    trim_tokens,
)
from .marks import trim_chars


@dataclass
class Cue:
    """A speech verb (or "according to") with its speaker and reported clause."""

    word: Token  # "said", "according"
    lemma: str
    last: Token  # last token of the cue ("to" in "according to")
    subject: Token | None = None  # head of the speaker mention
    content: tuple[int, int] | None = None  # char range of the reported clause
    parenthetical: bool = False  # "X, he said, Y" / "Y, the ministry said"
    learned: bool = False  # found by the attribution tagger, not by the word lists
    # The report is only the verb's noun-phrase object, and the verb is not one that reports
    # through its object ("tweeted a photo", "noted Bill Clinton's comments"): a thing done
    # or a topic, not words said, so its quote is no ``speech``.
    object_only: bool = False


# --- cues ----------------------------------------------------------------------------------


_SKIP_RIGHT = {
    "nsubj", "nsubjpass", "aux", "auxpass", "neg", "punct", "advmod", "npadvmod", "cc",
    "conj", "mark", "advcl", "agent", "prt", "parataxis", "intj", "expl",
}


def _in_circumstance(token: Token, verb: Token) -> bool:
    """Is ``token`` the object of a prepositional phrase of time or place before the verb?"""
    head = token.head
    return (
        token.dep_ == "pobj"
        and head.dep_ == "prep"
        and head.i < token.i < verb.i
        and (token.ent_type_ in ("DATE", "TIME") or token.lower_ in _WEEKDAYS)
    )


_WEEKDAYS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday today yesterday".split()
)


_GOVERNED = frozenset({"advcl", "xcomp", "pcomp", "prep", "conj", "acl", "dobj", "pobj", "npadvmod"})


def _subject(verb: Token, lemma: str = "say") -> Token | None:
    """The speaker of a cue verb: its subject, its agent, or its governor's subject.

    The parse is tried first; when it gives nothing (small models often hang the subject
    elsewhere), the words around the verb are read instead.
    """
    if _is_passive(verb):
        # "Russia has itself been accused of bombing hospitals": the subject of a passive cue
        # is who the words are about, never who said them; only an agent ("by Amnesty") is.
        agents = [c for c in verb.children if c.dep_ == "agent"]
        pobj = [c for a in agents for c in a.children if c.dep_ == "pobj"]
        return pobj[0] if pobj else None
    # With two subjects in the parse ("SDF media official Mustafa Bali told"), the one nearest
    # the verb wins; a subject across a paragraph break is another sentence's word.
    for child in sorted(verb.children, key=lambda c: abs(c.i - verb.i)):
        if (
            child.dep_ == "nsubj"
            and is_word(child)
            and child.lower_ != "there"
            # '"...," Rep. Gwen Moore (D-Wis.) said Friday': the parse may make the day the
            # subject of a verb whose speaker it has lost; a day or time never speaks
            and not (child.lower_ in _WEEKDAYS or child.ent_type_ in ("DATE", "TIME"))
            and same_paragraph(child, verb)
        ):
            # A subject after the verb is only real in an inversion ('", said X').
            if child.i < verb.i or lemma not in NO_INVERSION and _opens_clause(verb):
                return (
                    _named_in_apposition(child)
                    or _named_before_role(child)
                    or _named_after_role(child)
                    or child
                )
        if child.dep_ == "agent":
            pobj = [c for c in child.children if c.dep_ == "pobj"]
            if pobj:
                return pobj[0]
    if verb.tag_ != "VBG":
        before = _subject_before(verb)
        if before is not None:
            return before
    # "X was quoted as saying", "X called ..., saying that": the speaker governs the cue.
    head = verb
    # ("tweets saying that ...": through the noun the participle describes, to its verb)
    for _ in range(4):
        if head.dep_ not in _GOVERNED or head.head.i == head.i:
            break
        head = head.head
        for child in head.children:
            if is_word(child) and (
                child.dep_ == "nsubj" or (child.dep_ == "nsubjpass" and head.lower_ == "quoted")
            ):
                return child
    if verb.tag_ == "VBG":
        # "Dean, a medical doctor, went on TV ..., saying ...": the participle's speaker is
        # the subject of the nearest finite verb before it in the sentence.
        # Only a verb of the sentence's own clause: not one inside a quotation ("Mr. Trump
        # ..., treating the remark as a compliment -- "That makes me smart" -- and ...
        # asserting, ...") or a relative or reported clause ('Protesters ... looped the streets
        # - where the Panthers played - while chanting, "Hands up, don't shoot."').
        text = doc_text(verb.doc)
        for word in reversed(verb.doc[verb.sent.start : verb.i]):
            subjects = [c for c in word.children if c.dep_ == "nsubj" and is_word(c)]
            if word.tag_ in _FINITE and subjects and word.dep_ in ("ROOT", "conj"):
                between = text[word.idx : verb.idx]
                if between.count('"') % 2 or between.count("”") > between.count("“"):
                    continue
                return subjects[0]
    if lemma in NO_INVERSION:
        return _subject_before(verb)
    return _subject_before(verb) or _subject_after(verb)


def _is_passive(verb: Token) -> bool:
    """Is the cue a passive ("has been accused", "was told") or a participle describing the
    noun before it ("Russia, accused of war crimes, ...")?"""
    if verb.lower_ in STATE_PARTICIPLES:
        return False  # "we are convinced this is the only country ...": the subject's view
    # A passive has its "be" (an "nsubjpass" alone is a misparse: "Authorities announced on
    # Friday the arrest ..."); "who’s called for" is more likely "has" than "is".
    if any(c.dep_ == "auxpass" and c.lower_ not in ("'s", "’s") for c in verb.children):
        return True
    # Only right after its noun and a comma: a past tense taken for a participle is common
    # ("Keron Blair, executive director of AROS, called for ...").
    if verb.tag_ != "VBN" or verb.i < 2 or verb.doc[verb.i - 1].text != ",":
        return False
    if verb.dep_ in ("acl", "amod"):
        # not after an apposition's closing comma ("which Apple's chief executive, Tim Cook,
        # called ...")
        return verb.head.i == verb.i - 2 and verb.head.dep_ != "appos"
    # The same participle parsed as the sentence's verb, with no "has" to make it a tense.
    return not any(c.dep_ == "aux" for c in verb.children) and any(
        c.dep_ == "nsubj" and c.i == verb.i - 2 for c in verb.children
    )


# Participles after "be" that say what the subject thinks or feels, not what was done to it:
# "He is worried that ...", "We are convinced that ..." (PolNeAR attributes these to the
# subject).
STATE_PARTICIPLES = frozenset("""
    convinced concerned worried pleased disappointed determined satisfied alarmed frustrated
    troubled encouraged surprised shocked delighted heartened persuaded unconvinced dismayed
    disturbed thrilled outraged prepared committed opposed
""".split())


def _named_in_apposition(subject: Token) -> Token | None:
    """"Council leader Margaret Okafor said", "Labour leader Keir Starmer said" parsed with the
    role noun as the subject and the name hung on it in apposition: the name is who spoke."""
    if subject.lower_ not in ROLE_NOUNS or subject.ent_type_ == "PERSON":
        return None  # "A news report published Wednesday said": no role, no name after it
    for child in subject.children:
        if (
            child.dep_ == "appos"
            and child.i > subject.i
            and (
                child.ent_type_ in ("PERSON", "ORG")
                or child.tag_ in ("NNP", "NNPS") and not child.ent_type_
            )
            and child.lower_ not in _WEEKDAYS
            and same_paragraph(child, subject)
        ):
            return child
    # "A spokeswoman for the agency, Ana Ruiz, said": the parser may hang the name on the noun
    # of the role's own phrase ("for the agency", "to the senator"); a person's name there,
    # set off by a comma, is still the role's
    doc = subject.doc
    nouns = [n for p in subject.rights if p.dep_ == "prep" for n in p.children if n.dep_ == "pobj"]
    for noun in nouns:
        for child in noun.children:
            if (
                child.dep_ == "appos"
                and child.i > noun.i
                and child.ent_type_ == "PERSON"
                and "," in (doc[child.left_edge.i].text, doc[child.left_edge.i - 1].text)
                and same_paragraph(child, subject)
            ):
                return child
    return None


def _named_before_role(subject: Token) -> Token | None:
    """"Nicolas Davies, author of ..., told RT" parsed with "author" as the subject: the name
    the role noun stands in apposition to, right before its comma."""
    doc = subject.doc
    if subject.tag_ not in ("NN", "NNS") or subject.ent_type_:
        return None
    # The parser may hang the apposition's commas on the role noun itself.
    k = subject.left_edge.i if doc[subject.left_edge.i].text == "," else subject.left_edge.i - 1
    after = subject.right_edge.i
    if doc[after].text != ",":
        after += 1
    if k < 1 or doc[k].text != "," or after >= len(doc) or doc[after].text != ",":
        return None
    name = doc[k - 1]
    if name.tag_ in ("NNP", "NNPS") or name.ent_type_ == "PERSON":
        return name
    return None


def _named_after_role(subject: Token) -> Token | None:
    """"the monitoring group Airwars declared" parsed with "group" as the subject: the name
    right after the role noun is who spoke."""
    doc = subject.doc
    # "adviser on Syria Jan Egeland": the role's own modifiers may stand between.
    after = subject.right_edge.i + 1
    if subject.tag_ not in ("NN", "NNS") or subject.ent_type_ or after >= len(doc):
        return None
    name = doc[after]
    if not (name.tag_ in ("NNP", "NNPS") and name.ent_type_ in ("PERSON", "ORG", "GPE", "")):
        return None
    last = name.i
    while last + 1 < len(doc) and doc[last + 1].tag_ in ("NNP", "NNPS"):
        last += 1
    if after > subject.i + 1 and last == name.i:
        return None  # a lone capitalised word after a modifier is no name ("in Raqqa Monday")
    return doc[last]


# Words that may stand between a subject and its verb: "Smith has also said", "Lee later told".
_BETWEEN_TAGS = frozenset({"RB", "MD", "RBR"})
_AUX_WORDS = frozenset(
    "has have had is was were are be been will would could did does do also".split()
)
_FINITE = frozenset({"VBD", "VBZ", "VBP"})
# Cues whose noun after the verb is an object, never an inverted subject ("told RT").
NO_INVERSION = OBJECT_CUES | frozenset(
    "tell inform assure reassure show find think believe hope fear doubt suspect question "
    "worry point".split()
)


def _clause_floor(verb: Token) -> int:
    """The first token of the verb's paragraph, at most 40 tokens back.

    Not the parser's sentence: a small model splits sentences at titles and appositions.
    """
    doc = verb.doc
    floor = max(0, verb.i - 40)
    for i in range(verb.i - 1, floor - 1, -1):
        if "\n" in doc[i].text:
            return i + 1
    return floor


def _subject_before(verb: Token) -> Token | None:
    """The noun right before the verb in its clause ("Caddell said", "Smith, a lawyer, said")."""
    doc = verb.doc
    floor = _clause_floor(verb)
    i = verb.i - 1
    while i >= floor and (
        doc[i].is_space
        or doc[i].tag_ in _BETWEEN_TAGS
        or doc[i].lower_ in _AUX_WORDS
        or _in_circumstance(doc[i], verb)
    ):
        # "Russia on Sunday accused": step over the date phrase to its subject.
        i = doc[i].head.left_edge.i - 1 if _in_circumstance(doc[i], verb) else i - 1
    if i >= floor and doc[i].text == ")":
        # "Rep. Gwen Moore (D-Wis.) said": the party and state after a name are no subject
        opening = next(
            (j for j in range(i - 1, max(floor, i - 8) - 1, -1) if doc[j].text == "("), None
        )
        if opening is not None:
            i = opening - 1
            while i >= floor and doc[i].is_space:
                i -= 1
    if i < floor:
        return None
    if doc[i].text == ",":
        # An apposition or aside between commas: "Davies, author of 'X, ' about Y, told RT",
        # "Trump who, using another word, said". The leftmost comma that follows a name wins.
        commas = []
        j = i - 1
        while j >= floor and i - j <= 25:
            # A finite verb ends the clause; an all-caps acronym tagged as one ("IS") does not.
            if (doc[j].tag_ in _FINITE and not doc[j].text.isupper()) or (
                doc[j].text in ".!?" or "\n" in doc[j].text
            ):
                break
            if doc[j].text == ",":
                commas.append(j)
            j -= 1
        for comma in reversed(commas):
            k = comma - 1
            while k >= floor and doc[k].is_space:
                k -= 1
            if k >= floor and (
                doc[k].tag_ in ("NNP", "NNPS", "PRP", "WP")
                or doc[k].ent_type_ in SPEAKER_ENTS
                or doc[k].pos_ == "PROPN"
            ):
                i = k
                break
        else:
            return None
    if doc[i].tag_ == "WP" and doc[i].lower_ == "who":
        i -= 1
        while i >= floor and (doc[i].text == "," or doc[i].is_space):
            i -= 1
        if i < floor:
            return None
    token = doc[i]
    return token if nounish(token) else None


def _opens_clause(verb: Token) -> bool:
    doc = verb.doc
    before = verb.i - 1
    while before >= 0 and doc[before].is_space:
        before -= 1
    return before < verb.sent.start or doc[before].is_punct or "\n" in doc[before].text


def _subject_after(verb: Token) -> Token | None:
    """The name after an inverted cue ('"...," said Maj. Gen. Igor Konashenkov.')."""
    doc = verb.doc
    if not _opens_clause(verb):
        return None
    head = None
    for token in doc[verb.i + 1 : min(len(doc), verb.i + 9)]:
        if token.lower_ in _WEEKDAYS or token.ent_type_ in ("DATE", "TIME"):
            break  # '"...," Moore said Friday': when, not who
        if token.tag_ == "PRP" and head is None:
            return token if token.lower_ not in ("it", "them", "him", "her", "me", "us") else None
        if token.tag_ in ("DT", "JJ", "NNP", "NNPS", "NN", "NNS", "HYPH", "CD", "POS") or (
            token.text == "." and token.i > 0 and token.nbor(-1).tag_ == "NNP"
        ):
            if nounish(token):
                head = token
            continue
        break
    return head


def _that_clause(doc: Doc, verb: Token) -> tuple[int, int] | None:
    """'X told VOA that ...' parsed without a complement: the words after "that"."""
    end = verb.sent.end
    for token in doc[verb.i + 1 : min(end, verb.i + 6)]:
        if token.lower_ == "that" and token.tag_ in ("IN", "WDT", "DT"):
            last = end - 1
            for other in doc[token.i + 1 : end]:
                # ", but she said that ...": the next report starts a clause of its own.
                if other.text in (";",) or (
                    other.lower_ in ("but", "while", "whereas") and other.nbor(-1).text == ","
                ):
                    last = other.i - 1
                    break
            return trim_tokens(doc, token.i + 1, last)
        if not (nounish(token) or token.tag_ in ("DT", "JJ", "IN", "RB", "HYPH")):
            return None
    return None


def _closing_cue_clause(doc: Doc, verb: Token) -> tuple[int, int] | None:
    """"Y ..., the ministry charged in a statement Monday.": a cue that closes its sentence
    after a comma reports what comes before the comma, however the parser attached it (long
    reported clauses often get the cue as a relative clause of their last noun)."""
    subject = next((c for c in verb.lefts if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is None or _quotation_follows(verb):
        return None
    comma = subject.left_edge.i - 1
    sent_start = verb.sent.start
    if comma <= sent_start or doc[comma].text != ",":
        return None
    for right in verb.rights:
        if not (right.is_punct or right.is_space or right.dep_ in ("prep", "npadvmod", "advmod")):
            return None
        if right.dep_ == "prep" and not _is_circumstance(right):
            return None
    return clip(doc, verb, sent_start, comma - 1)


def _content(doc: Doc, verb: Token, lemma: str) -> tuple[tuple[int, int] | None, bool]:
    """The reported clause of a cue as a char range, and whether the cue is parenthetical."""
    interrupted = _interrupted_clause(doc, verb)
    if interrupted is not None:
        return interrupted, True
    # Whitespace tokens between paragraphs sometimes come out of the parser as clauses.
    comps = [
        c for c in verb.children if c.dep_ in ("ccomp", "xcomp") and c.i != verb.i and is_word(c)
    ]
    if lemma in INFINITIVE_CUES or lemma in OBJECT_CUES:
        comps = [c for c in comps if c.dep_ == "ccomp"] or comps
    else:
        comps = [c for c in comps if c.dep_ == "ccomp"]
    after = [c for c in comps if c.i > verb.i]
    if after and len(after) < len(comps):
        # A report never contains its own cue. 'X, Kall said: "Y"': the colon sends the cue
        # forward, as does a quotation opening right after it ('X, who ..., said "Y"', where
        # the parse hung the sentence's start on the cue); otherwise ('"Y," Trump said at a
        # campaign stop') the clause after the cue is a misparse of its circumstances.
        forward = _colon_after(verb) or _quote_opens_after(verb)
        comps = after if forward else [c for c in comps if c.i < verb.i]
    if comps:
        first = min(c.left_edge.i for c in comps)
        last = max(c.right_edge.i for c in comps)
        if first < verb.i <= last and all(c.i < verb.i for c in comps):
            # A clause before its cue whose subtree the parse runs on past the cue ('"...,"
            # Mr. Obama said on Saturday ..., where Mrs. Clinton also spoke'): it ends where
            # the cue's own words (its subject, then the verb) begin.
            between = [c for c in verb.children if c not in comps and max(comps).i < c.i < verb.i]
            last = min([c.left_edge.i for c in between] + [verb.i]) - 1
        span = clip(doc, verb, first, last)
        if span:
            return char_range(doc[span[0]], doc[span[1]]), False
    # "Y, the ministry said." / "X, he said, Y": the cue hangs off the reported clause.
    head = verb.head
    if (
        verb.dep_ in ("parataxis", "ccomp", "advcl", "conj", "dep")
        and head.i != verb.i
        and is_verb(head)
        and head.i < verb.i
        and not any(c.dep_ in ("dobj", "ccomp") for c in verb.children)
    ):
        first = head.left_edge.i
        last = last_word(head.right_edge)
        after_cue = doc[verb.right_edge.i + 1 : last.i + 1]
        if all(t.is_punct or t.is_space for t in after_cue):  # the cue closes the sentence
            last = verb.left_edge.i - 1
        else:
            last = last.i
        span = clip(doc, verb, first, last)
        if span:
            return char_range(doc[span[0]], doc[span[1]]), True
    span = _closing_cue_clause(doc, verb)
    if span:
        return char_range(doc[span[0]], doc[span[1]]), True
    span = _that_clause(doc, verb)
    if span:
        return char_range(doc[span[0]], doc[span[1]]), False
    if lemma in OBJECT_CUES:
        parts = [
            c
            for c in verb.rights
            if c.dep_ not in _SKIP_RIGHT and not _is_circumstance(c) and not c.is_space
        ]
        if parts and (lemma != "call" or any(p.dep_ in ("prep", "dobj") for p in parts)):
            span = clip(doc, verb, parts[0].left_edge.i, parts[-1].right_edge.i)
            if span:
                return char_range(doc[span[0]], doc[span[1]]), False
    return None, False


# A quotation mark as the tokenizer gives it, the newspapers' doubled apostrophes included:
# "As for RT's political bent, he said, ''What media outlet isn't taking sides?''" (read as
# an interrupted clause from "As", its quotation made part of a report)
_MARK_TOKENS = frozenset({'"', "“", "”", "«", "»", "''", "``"})


def _interrupted_clause(doc: Doc, verb: Token) -> tuple[int, int] | None:
    """'The latest test, North Korea said, was its biggest yet': a cue set off by commas in
    the middle of a clause reports the whole clause around it (PolNeAR's reading too).

    Only for unquoted text; quotations interrupted by their cue are joined from their marks.
    """
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") and c.i < verb.i]
    if not subjects or verb.i + 1 >= len(doc):
        return None
    start = subjects[-1].left_edge.i  # the nearest, when the parse gives the verb two
    if start < 2 or doc[start - 1].text != "," or doc[verb.i + 1].text != ",":
        return None
    sent = verb.sent
    if any(t.text in _MARK_TOKENS for t in sent) or sent.start >= start - 1:
        return None
    before = doc[start - 2]
    first = before.i if before.tag_ in ("WDT", "WP") else sent.start
    if before.tag_ not in ("WDT", "WP"):
        # The clause must start the sentence: "Then, he said, ..." has nothing before it.
        words_before = [t for t in doc[first : start - 1] if t.is_alpha]
        if len(words_before) < 2:
            return None
    last = sent.end - 1
    after = [t for t in doc[verb.i + 2 : last + 1] if t.is_alpha]
    if len(after) < 2:
        return None
    span = clip(doc, verb, first, last)
    return char_range(doc[span[0]], doc[span[1]]) if span else None


def _after(verb: Token) -> Token | None:
    return verb.nbor(1) if verb.i + 1 < len(verb.doc) else None


def _colon_after(verb: Token) -> bool:
    nxt = _after(verb)
    return nxt is not None and nxt.text == ":"


def _opens_quotation(token: Token | None) -> bool:
    return (
        token is not None
        and token.text in _MARK_TOKENS
        and token.text not in "”»"
        and token.tag_ != "''"
    )


def _quote_opens_after(verb: Token) -> bool:
    return _opens_quotation(_after(verb))


def _quotation_follows(verb: Token) -> bool:
    """A quotation opens right after the cue and its comma or colon: what it reports is that
    quotation, however the parser split the sentence ("Lamenting their luck, farmers often say,
    ''Poor us, so far from rain ...''", where the doubled apostrophes made "Poor" a new root)."""
    nxt = _after(verb)
    if nxt is not None and nxt.text in (",", ":"):
        nxt = _after(nxt)
    return _opens_quotation(nxt)


def _is_circumstance(token: Token) -> bool:
    """"in a statement", "on Thursday": attached to the cue but not part of what was said."""
    if token.dep_ != "prep":
        return False
    objs = [c for c in token.children if c.dep_ == "pobj"]
    return bool(objs) and (
        objs[0].lower_ in DOCUMENT_NOUNS or objs[0].ent_type_ in ("DATE", "TIME")
    )


def find_cues(doc: Doc) -> list[Cue]:
    cues = []
    for token in doc:
        if token.lower_ == "according":
            to = [c for c in token.children if c.lower_ == "to"]
            pobj = [c for c in to[0].children if c.dep_ == "pobj"] if to else []
            if pobj:
                cues.append(_according(doc, token, to[0], pobj[0]))
            continue
        lemma = cue_lemma(token.text, token.lemma_)
        if lemma is not None and not is_verb(token) and lemma != "quote":
            noun_cue = _verb_taken_for_noun(doc, token, lemma)
            if noun_cue is not None:
                cues.append(noun_cue)
            continue
        if lemma is None or lemma == "quote":
            continue
        last = token
        if lemma in PARTICLE_CUES:
            particle = [c for c in token.rights if c.lower_ == PARTICLE_CUES[lemma]]
            if not particle:
                continue
            last = particle[0]
        if _not_a_report(token, lemma):
            continue
        content, parenthetical = _content(doc, token, lemma)
        subject, content = _with_tagger(doc, token, last, lemma, content)
        if _addresses_reader(doc, subject, content):
            continue
        cues.append(Cue(token, lemma, last, subject, content, parenthetical))
    cues += _learned_cues(doc, cues)
    # Participles by offset, so each cue looks only at those inside its content.
    participles = sorted((c.word.idx, n) for n, c in enumerate(cues) if c.word.tag_ == "VBG")
    cues = [_without_participle_cue(doc, cue, cues, participles) for cue in cues]
    for cue in cues:
        cue.object_only = (
            cue.content is not None
            and cue.lemma not in OBJECT_CUES
            and cue.lemma not in INFINITIVE_CUES
            and _object_only(doc, cue.word, cue.content)
        )
    return cues


# What a "deny" gives or withholds when it is no denial of a claim ("denied him bail").
DENIED_THINGS = frozenset("""
    entry access bail parole permission visa visas request requests application appeal motion
    goal goals penalty victory chance opportunity service services treatment funding benefits
    care asylum admission passage
""".split())


def _not_a_report(verb: Token, lemma: str) -> bool:
    """Listed cue verbs used for something other than reporting words or views:

    "The referee denied the visitors a goal", "The judge denied him bail": a deny that gives
    or withholds something (two objects, or a thing granted) is no denial of a claim.
    """
    if lemma == "deny":
        objects = [c for c in verb.children if c.dep_ in ("dobj", "dative")]
        return any(c.dep_ == "dative" for c in objects) or any(
            c.lower_ in DENIED_THINGS for c in objects
        )
    # "Continue reading for free", "Tell us what you think": an imperative opening its line
    # (a page's button or prompt) is said by no one.
    return (
        verb.tag_ == "VB"
        and not any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)
        and _opens_line(verb)
    )


def _opens_line(token: Token) -> bool:
    """Is ``token`` the first word of its line (quote marks and spaces aside)?"""
    for before in reversed(token.doc[max(0, token.i - 3) : token.i]):
        if "\n" in before.text:
            return True
        if not (before.is_space or before.is_quote):
            return False
    return token.i <= 3 and all(t.is_space or t.is_quote for t in token.doc[: token.i])


_READER = re.compile(r"\byou(?:['’](?:re|ve|ll|d))?\b|\byour\b", re.IGNORECASE)


def _addresses_reader(doc: Doc, subject: Token | None, content: tuple[int, int] | None) -> bool:
    """"We hope you're enjoying The Week's refreshingly open-minded journalism": the publisher
    talking to its reader (we/I, outside quotation marks, about "you") is page furniture, not
    a report of anyone's words."""
    if subject is None or content is None or subject.lower_ not in ("we", "i", "you"):
        return False
    line_start = doc_text(doc).rfind("\n", 0, subject.idx) + 1
    if re.search(r"[\"“”]|''", doc_text(doc)[line_start : content[1]]):
        return False  # inside someone's quotation: '"We hope you understand," she said'
    if subject.lower_ == "you":
        # "Tell us what you think": the reader, asked by a prompt that opens its line, is no
        # one quoted either; "If you think a degree will cost $160,000, ..." in a story is
        # (PolNeAR attributes it)
        doc, i = subject.doc, subject.i
        while i > 0 and "\n" not in doc[i - 1].text:
            i -= 1
        while i < subject.i and (doc[i].is_space or doc[i].is_punct):
            i += 1
        return i < subject.i and doc[i].tag_ == "VB"
    return _READER.search(doc_text(doc)[content[0] : content[1]]) is not None


def _object_only(doc: Doc, verb: Token, span: tuple[int, int]) -> bool:
    """Is the span the verb's noun-phrase object and nothing more ("tweeted a photo of the
    crowd", "approved a plan to close the factory", "did not know how to answer")?"""
    tokens = tokens_in(doc, *span)
    if not tokens:
        return False
    for obj in verb.children:
        # the object itself, or a noun phrase inside it ("tweeted a video of | the flooded
        # street": the tagger may offer only the last)
        if obj.dep_ not in ("dobj", "dative") or not (
            obj.left_edge.i <= tokens[0].i <= obj.right_edge.i
        ):
            continue
        # Circumstances may follow the object ("... at the rally"); a clause may not.
        rest = [t for t in tokens if t.i > obj.right_edge.i]
        return not any(is_verb(t) for t in rest)
    return False


def _holds(content: tuple[int, int], token: Token) -> bool:
    return content[0] <= token.idx < content[1]


def _alike(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Do two readings of a content cover mostly the same characters (Jaccard >= 0.5)?"""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return inter > 0 and inter / (max(a[1], b[1]) - min(a[0], b[0])) >= 0.5


def _apart(
    subject: Token | None, content: tuple[int, int] | None, cue: Token
) -> tuple[Token | None, tuple[int, int] | None]:
    """A speaker is never a word of what they are reported to say. When the subject lies
    inside the content, either the clause ran on over the speaker ('"...," Scott Pruitt, the
    attorney general, said': the content ends before the name) or the subject is the
    reported clause's own ("members will help him, Meeks said": no subject, rather)."""
    if subject is None or content is None or not _holds(content, subject) or _holds(content, cue):
        return subject, content
    first = subject.left_edge if subject.left_edge.i < subject.i else subject
    head = doc_text(subject.doc)[content[0] : first.idx]
    if re.search(r"[,”\"’]\s*$", head) and re.search(r"\w", head):
        span = subject.doc.char_span(content[0], first.idx, alignment_mode="contract")
        trimmed = trim_tokens(subject.doc, span.start, span.end - 1) if span else None
        if trimmed:
            return subject, char_range(subject.doc[trimmed[0]], subject.doc[trimmed[1]])
    return None, content


def _without_cue(
    content: tuple[int, int] | None, word: Token, last: Token
) -> tuple[int, int] | None:
    """A tagged content that runs over its own cue, or a fragment ("a", "Clinton's"), is a
    misreading: no content rather."""
    if content is None:
        return None
    if len(WORDS.findall(doc_text(word.doc)[content[0] : content[1]])) < MIN_LEARNED_WORDS:
        return None
    if content[1] <= word.idx or content[0] >= last.idx + len(last.text):
        return content
    return None


# Fewest words a statement found through a tagger-only cue may have.
MIN_LEARNED_WORDS = 2


def _learned_cues(doc: Doc, rule_cues: list[Cue]) -> list[Cue]:
    """Cues the attribution tagger found and the word lists lack ("has learned", "slammed
    into"), read like any other cue; nothing when the pipeline has no tagger."""
    known = {c.word.i for c in rule_cues}
    claimed = [c.content for c in rule_cues if c.content is not None]
    cues = []
    for i, lemma in learned.cue_heads(doc).items():
        token = doc[i]
        if i in known or not (is_verb(token) or token.pos_ == "NOUN"):
            continue
        content, parenthetical = _content(doc, token, lemma)
        subject, content = _with_tagger(doc, token, token, lemma, content)
        # A statement nobody is said to have made, one a listed cue already reports ('"...,"
        # said Caddell, speaking of ...'), or one across a sentence end from its cue ("Ali
        # spoke. 'We ...,' he said") is more often the tagger's mistake.
        if content is None or subject is None:
            continue
        if any(content[0] < end and start < content[1] for start, end in claimed):
            continue
        if len(WORDS.findall(doc_text(doc)[content[0] : content[1]])) < MIN_LEARNED_WORDS:
            continue  # "to", "a", "Clinton's": a fragment, not something someone said
        gap = (token.idx + len(token.text), content[0]) if content[0] > token.idx else (
            content[1], token.idx)
        if not crosses_sentence(doc_text(doc)[gap[0] : gap[1]] + " X"):
            cues.append(Cue(token, lemma, token, subject, content, parenthetical, learned=True))
    return sorted(cues, key=lambda c: c.word.i)


def _without_participle_cue(
    doc: Doc, cue: Cue, cues: list[Cue], participles: list[tuple[int, int]]
) -> Cue:
    """'X said "Y," adding that Z': the parse may hang "adding" inside Y's clause, but Z is a
    statement of its own; the first cue's content ends before the participle."""
    if cue.content is None:
        return cue
    start, end = cue.content
    lo = bisect.bisect_right(participles, (start, len(cues)))
    hi = bisect.bisect_left(participles, (end, -1))
    for n in sorted(n for _, n in participles[lo:hi]):  # in the order of ``cues``
        other = cues[n]
        word = other.word
        if other is cue or word.tag_ != "VBG" or not start < word.idx < end:
            continue
        first = word.left_edge if word.left_edge.i > cue.word.i else word
        span = doc.char_span(start, first.idx, alignment_mode="contract")
        if span is None:
            continue
        trimmed = trim_tokens(doc, span.start, span.end - 1)
        if trimmed:
            cue.content = char_range(doc[trimmed[0]], doc[trimmed[1]])
    return cue


def _with_tagger(
    doc: Doc, word: Token, last: Token, lemma: str, content: tuple[int, int] | None
) -> tuple[Token | None, tuple[int, int] | None]:
    """The cue's speaker and content, the parse's reading checked against the tagger's.

    Where the parse gives no reported clause or no subject, the tagger may know better; where
    the tagger reads much the same content, its boundaries win: it learnt where reports start
    and end from annotated news, the parse only knows clauses. Without a tagger in the
    pipeline this is the parse's reading alone.
    """
    tagged = _without_cue(learned.content_for(doc, word, last), word, last)
    tagged = _without_final_punct(doc, tagged)
    if (
        content
        and tagged
        and _alike(content, tagged)
        and not _holds(content, word)
        and not _stops_mid_phrase(doc, tagged)
        and not _cue_inside(doc, content, tagged, word)
    ):
        content = tagged
    content = content or tagged
    subject, content = _apart(_subject(word, lemma), content, word)
    if subject is None and _is_passive(word):
        return None, content  # the tagger's source of a passive is the one it is about
    return subject or learned.source_for(doc, word), content


def _cue_inside(doc: Doc, content: tuple[int, int], tagged: tuple[int, int], word: Token) -> bool:
    """Does the tagger read a cue of its own inside the parse's content, before the content it
    offers? Then that content is what the inner verb governs, not this cue's report: "The US is
    overplaying the strategic significance of the fall of Raqqa, it charged" (the tagger took "is
    overplaying" for a cue and offered its object for "charged")."""
    if tagged[0] <= content[0]:
        return False
    for span in learned.predicted_spans(doc, "CUE"):
        if span.start <= word.i < span.end:
            continue
        last = span[-1]
        if content[0] <= span[0].idx and last.idx + len(last.text) <= tagged[0]:
            return True
    return False


# Tags of words a report cannot end with ("... for its bombardment of").
_MID_PHRASE_TAGS = frozenset({"IN", "DT", "CC", "TO", "PRP$", "POS", "WDT"})


def _stops_mid_phrase(doc: Doc, span: tuple[int, int]) -> bool:
    """Does the span end on a word that needs more after it, a boundary the tagger botched?"""
    tokens = tokens_in(doc, *span)
    return bool(tokens) and tokens[-1].tag_ in _MID_PHRASE_TAGS


def _without_final_punct(doc: Doc, span: tuple[int, int] | None) -> tuple[int, int] | None:
    """The tagger learnt PolNeAR's spans, which sometimes take the sentence's full stop; a
    content ends where the rules end it, before closing punctuation other than quote marks."""
    if span is None:
        return None
    start, end = span
    tokens = tokens_in(doc, start, end)
    while tokens and trailing_junk(tokens[-1]):
        end = tokens.pop().idx
    return trim_chars(doc_text(doc), start, end) if tokens else None


def _verb_taken_for_noun(doc: Doc, word: Token, lemma: str) -> Cue | None:
    """'The New York Post reports that ...' with "reports" tagged as a plural noun: a cue
    form right after a name and right before "that" is the verb."""
    if word.i == 0 or word.i + 2 >= len(doc) or doc[word.i + 1].lower_ != "that":
        return None
    if not word.text.endswith("s") or word.text.endswith("ss"):
        return None
    name = doc[word.i - 1]
    if not looks_like_name(name):
        return None
    sent = word.sent
    span = clip(doc, word, word.i + 2, sent.end - 1)
    if span is None:
        return None
    return Cue(word, lemma, word, name, char_range(doc[span[0]], doc[span[1]]), False)


def _according(doc: Doc, word: Token, to: Token, pobj: Token) -> Cue:
    """"according to X, Y" / "Y, according to X": Y is the clause "according" modifies."""
    clause = word.head if word.head is not word else word
    own = range(word.left_edge.i, word.right_edge.i + 1)
    first, last = clause.left_edge.i, clause.right_edge.i
    if first in own:
        first = word.right_edge.i + 1
    elif last in own or last - 1 in own:
        last = word.left_edge.i - 1
    span = clip(doc, word, first, last)
    content = char_range(doc[span[0]], doc[span[1]]) if span else None
    return Cue(word, "according", to, pobj, content, True)

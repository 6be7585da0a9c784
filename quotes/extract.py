"""Find quotations: spans between quote marks, speech cues, and how the two combine.

Works on a parsed ``Doc`` in the en_core_web annotation scheme (PTB tags, ClearNLP labels).
Marks are paired on the raw text, paragraph by paragraph, because the tokenizer cannot tell an
apostrophe from a single quote; cues come from the parse. The result is token-level ``Found``
records that ``attribute`` turns into ``Quote`` records.
"""

from __future__ import annotations

import bisect
import re
import weakref
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

from . import learned
from .cues import (
    AUXILIARY_FORMS,
    DOCUMENT_NOUNS,
    INFINITIVE_CUES,
    OBJECT_CUES,
    PARTICLE_CUES,
    cue_lemma,
)

OPEN_DOUBLE = "“„«"
CLOSE_DOUBLE = "”»"
SINGLE = "'‘’"
# A quoted fragment this short with no cue is a scare quote or a title, not a quotation.
MAX_SCARE_WORDS = 4
_ELISION = re.compile(r"['’](?:\d\ds?\b|tis\b|twas\b|em\b|cause\b|n['’]?\b)", re.IGNORECASE)
_OPENERS = "([{—–-/\"“„«"
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Marked:
    """Text between quote marks; ``start:end`` is the inside, ``open:close`` includes the marks.

    A quote that runs over paragraphs (an unclosed paragraph followed by one that reopens the
    quote) is one ``Marked`` whose inside contains the paragraph break and the reopening mark.
    """

    open: int
    start: int
    end: int
    close: int
    double: bool = True


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


@dataclass
class Found:
    """A quotation before attribution."""

    start: int
    end: int
    kind: str
    cue: Cue | None = None
    marks: list[Marked] = field(default_factory=list)
    linked: bool = True  # the cue governs the quote in the parse (not just nearby)
    start_of_paragraph: int = -1  # offset of the first character of the quote's paragraph


_TEXTS: weakref.WeakKeyDictionary[Doc, str] = weakref.WeakKeyDictionary()


def doc_text(doc: Doc) -> str:
    """``doc.text``, joined once per Doc. spaCy joins every token's text again on each read of
    ``Doc.text``: read per cue and per quote, that pass over the whole Doc made the rules
    quadratic in article length (a 100 KB article took minutes). A Doc's text never changes
    (retokenizing keeps it), so the copy stays right for the Doc's life."""
    text = _TEXTS.get(doc)
    if text is None:
        text = _TEXTS[doc] = doc.text
    return text


# --- quote marks ---------------------------------------------------------------------------


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _first_char(text: str, start: int, end: int) -> int:
    while start < end and text[start].isspace():
        start += 1
    return start


def _is_apostrophe(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if _WORD.match(before) and _WORD.match(after):  # Russia's, don't, rock'n'roll
        return True
    return bool(_ELISION.match(text, i)) and not (before.isalnum())


def _opens_single(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if after.isspace() or _is_apostrophe(text, i) or text[i] == "’":
        return False
    return before.isspace() or before in _OPENERS


def _pair(text: str, paragraphs: list[tuple[int, int]], double: bool) -> list[Marked]:
    """Pair quote marks of one family (double or single) paragraph by paragraph."""
    found: list[Marked] = []
    pending: tuple[int, int] | None = None  # (open mark, content start) carried over a break
    for n, (p_start, p_end) in enumerate(paragraphs):
        opened = pending
        pending = None
        first = _first_char(text, p_start, p_end)
        i = p_start
        if opened is not None:
            i = first + 1  # the reopening mark that continues the quote
        nested = 0  # curly double quotes opened inside a curly double quote ('“... “hell” ...”')
        while i < p_end:
            ch = text[i]
            if double:
                if ch == '"':
                    is_open, is_close = opened is None, opened is not None
                elif ch in OPEN_DOUBLE and opened is not None and text[opened[0]] in OPEN_DOUBLE:
                    nested += 1
                    is_open = is_close = False
                elif ch in CLOSE_DOUBLE and nested:
                    nested -= 1
                    is_open = is_close = False
                else:
                    is_open = ch in OPEN_DOUBLE and opened is None
                    is_close = ch in CLOSE_DOUBLE and opened is not None
            elif ch in SINGLE:
                is_open = opened is None and _opens_single(text, i)
                is_close = opened is not None and not _is_apostrophe(text, i) and ch != "‘"
            else:
                is_open = is_close = False
            if is_open:
                opened = (i, i + 1)
            elif is_close:
                found.append(Marked(opened[0], opened[1], i, i + 1, double))
                opened = None
            i += 1
        if opened is None:
            continue
        nxt = _next_paragraph(text, paragraphs, n)
        if nxt is not None and _reopens(text, nxt, double):
            pending = opened
        elif double or opened[0] == first:
            # An unclosed quote ends with its paragraph; a stray single mark inside a
            # paragraph is more likely an apostrophe than a quotation.
            found.append(Marked(opened[0], opened[1], p_end, p_end, double))
    return found


def _next_paragraph(text: str, paragraphs: list[tuple[int, int]], n: int) -> int | None:
    for start, end in paragraphs[n + 1 :]:
        first = _first_char(text, start, end)
        if first < end:
            return first
    return None


def _reopens(text: str, i: int, double: bool) -> bool:
    if double:
        return text[i] in '"' + OPEN_DOUBLE
    return text[i] in "'‘" and _opens_single(text, i)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    return start, end


_DOUBLED = re.compile(r"''(?!')")


def _doubled_apostrophes(text: str) -> str:
    """``text`` with each '' (two apostrophes for a double quote, as the New York Times prints
    them) turned into one " and a space, on the side that keeps the quoted words intact; the
    length, and so every offset, stays the same."""
    if "''" not in text:
        return text
    chars = list(text)
    for match in _DOUBLED.finditer(text):
        i = match.start()
        if i > 0 and text[i - 1].isalnum() and i + 2 < len(text) and text[i + 2].isalnum():
            continue  # inside a word: a typo for an apostrophe ("It''s")
        opening = (i == 0 or text[i - 1].isspace() or text[i - 1] in _OPENERS) and (
            i + 2 < len(text) and not text[i + 2].isspace()
        )
        chars[i : i + 2] = [" ", '"'] if opening else ['"', " "]
    return "".join(chars)


def find_marked(text: str) -> list[Marked]:
    """Quoted stretches of ``text``; single quotes nested in double quotes are left out."""
    paragraphs = _paragraphs(text)
    text = _doubled_apostrophes(text)
    doubles = _pair(text, paragraphs, double=True)
    singles = _pair(text, paragraphs, double=False)
    spans = [(m.open, m.close) for m in doubles]
    kept = [
        m
        for m in singles
        if not any(s <= m.open < e or s < m.close <= e for s, e in spans)
    ]
    out = []
    for m in sorted(doubles + kept, key=lambda m: m.open):
        start, end = _trim(text, m.start, m.end)
        if start < end:
            out.append(Marked(m.open, start, end, m.close, m.double))
    return out


# --- cues ----------------------------------------------------------------------------------

_SKIP_RIGHT = {
    "nsubj", "nsubjpass", "aux", "auxpass", "neg", "punct", "advmod", "npadvmod", "cc",
    "conj", "mark", "advcl", "agent", "prt", "parataxis", "intj", "expl",
}
_LEAD_SKIP = {"mark", "punct", "cc"}


def _char_range(first: Token, last: Token) -> tuple[int, int]:
    return first.idx, last.idx + len(last.text)


def _is_verb(token: Token) -> bool:
    return token.tag_.startswith("VB") or token.pos_ in ("VERB", "AUX")


def _paragraph_tokens(doc: Doc, token: Token) -> tuple[int, int]:
    """First and last token of ``token``'s paragraph (a line of the text)."""
    lo = doc_text(doc).rfind("\n", 0, token.idx) + 1
    hi = doc_text(doc).find("\n", token.idx)
    hi = len(doc_text(doc)) if hi == -1 else hi
    first = doc.char_span(lo, max(lo + 1, token.idx + 1), alignment_mode="expand")
    last = doc.char_span(max(lo, hi - 1), hi, alignment_mode="expand")
    return (first.start if first is not None else 0,
            last.end - 1 if last is not None else len(doc) - 1)


def _clip(doc: Doc, anchor: Token, first: int, last: int) -> tuple[int, int] | None:
    """The part of a clause in the anchor's paragraph: reports never run over a break."""
    lo, hi = _paragraph_tokens(doc, anchor)
    return _trim_tokens(doc, max(first, lo), min(last, hi))


def _trailing_junk(token: Token) -> bool:
    """Space or punctuation a content does not end with; closing quote marks and brackets stay."""
    return token.is_space or token.is_punct and token.text not in "\"”’')"


def _trim_tokens(doc: Doc, first: int, last: int) -> tuple[int, int] | None:
    while first <= last and (
        doc[first].dep_ in _LEAD_SKIP and doc[first].head.i != first
        or doc[first].is_punct and doc[first].text not in "\"“‘'"
        or doc[first].is_space
    ):
        first += 1
    while last >= first and _trailing_junk(doc[last]):
        last -= 1
    if sum(1 for t in doc[first : last + 1] if t.text[:1].isalnum()) < 2:
        return None
    return first, last


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


def _same_paragraph(a: Token, b: Token) -> bool:
    lo, hi = sorted((a.i, b.i))
    return not any("\n" in t.text for t in a.doc[lo:hi])


def _is_word(token: Token) -> bool:
    return not (token.is_space or token.is_punct)


_GOVERNED = frozenset({"advcl", "xcomp", "pcomp", "prep", "conj", "acl", "dobj", "pobj", "npadvmod"})


def _subject(verb: Token, lemma: str = "say") -> Token | None:
    """The speaker of a cue verb: its subject, its agent, or its governor's subject.

    The parse is tried first; when it gives nothing (small models often hang the subject
    elsewhere), the words around the verb are read instead.
    """
    # With two subjects in the parse ("SDF media official Mustafa Bali told"), the one nearest
    # the verb wins; a subject across a paragraph break is another sentence's word.
    for child in sorted(verb.children, key=lambda c: abs(c.i - verb.i)):
        if (
            child.dep_ == "nsubj"
            and _is_word(child)
            and child.lower_ != "there"
            and _same_paragraph(child, verb)
        ):
            # A subject after the verb is only real in an inversion ('", said X').
            if child.i < verb.i or lemma not in NO_INVERSION and _opens_clause(verb):
                return _named_before_role(child) or _named_after_role(child) or child
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
            if _is_word(child) and (
                child.dep_ == "nsubj" or (child.dep_ == "nsubjpass" and head.lower_ == "quoted")
            ):
                return child
    if verb.tag_ == "VBG":
        # "Dean, a medical doctor, went on TV ..., saying ...": the participle's speaker is
        # the subject of the nearest finite verb before it in the sentence.
        for word in reversed(verb.doc[verb.sent.start : verb.i]):
            subjects = [c for c in word.children if c.dep_ == "nsubj" and _is_word(c)]
            if word.tag_ in _FINITE and subjects:
                return subjects[0]
    if lemma in NO_INVERSION:
        return _subject_before(verb)
    return _subject_before(verb) or _subject_after(verb)


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


_NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS", "PRP"})
_SPEAKER_ENTS = frozenset({"PERSON", "ORG", "NORP", "GPE"})
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


def _nounish(token: Token) -> bool:
    return _is_word(token) and (
        token.tag_ in _NOUN_TAGS
        or token.pos_ in ("NOUN", "PROPN", "PRON")
        or token.ent_type_ in _SPEAKER_ENTS
    ) and token.tag_ not in ("WDT", "PRP$")


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
                or doc[k].ent_type_ in _SPEAKER_ENTS
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
    return token if _nounish(token) else None


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
        if token.tag_ == "PRP" and head is None:
            return token if token.lower_ not in ("it", "them", "him", "her", "me", "us") else None
        if token.tag_ in ("DT", "JJ", "NNP", "NNPS", "NN", "NNS", "HYPH", "CD", "POS") or (
            token.text == "." and token.i > 0 and token.nbor(-1).tag_ == "NNP"
        ):
            if _nounish(token):
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
            return _trim_tokens(doc, token.i + 1, last)
        if not (_nounish(token) or token.tag_ in ("DT", "JJ", "IN", "RB", "HYPH")):
            return None
    return None


def _closing_cue_clause(doc: Doc, verb: Token) -> tuple[int, int] | None:
    """"Y ..., the ministry charged in a statement Monday.": a cue that closes its sentence
    after a comma reports what comes before the comma, however the parser attached it (long
    reported clauses often get the cue as a relative clause of their last noun)."""
    subject = next((c for c in verb.lefts if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is None:
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
    return _clip(doc, verb, sent_start, comma - 1)


def _content(doc: Doc, verb: Token, lemma: str) -> tuple[tuple[int, int] | None, bool]:
    """The reported clause of a cue as a char range, and whether the cue is parenthetical."""
    interrupted = _interrupted_clause(doc, verb)
    if interrupted is not None:
        return interrupted, True
    # Whitespace tokens between paragraphs sometimes come out of the parser as clauses.
    comps = [
        c for c in verb.children if c.dep_ in ("ccomp", "xcomp") and c.i != verb.i and _is_word(c)
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
        span = _clip(doc, verb, first, last)
        if span:
            return _char_range(doc[span[0]], doc[span[1]]), False
    # "Y, the ministry said." / "X, he said, Y": the cue hangs off the reported clause.
    head = verb.head
    if (
        verb.dep_ in ("parataxis", "ccomp", "advcl", "conj", "dep")
        and head.i != verb.i
        and _is_verb(head)
        and head.i < verb.i
        and not any(c.dep_ in ("dobj", "ccomp") for c in verb.children)
    ):
        first = head.left_edge.i
        last = _last_word(head.right_edge)
        after_cue = doc[verb.right_edge.i + 1 : last.i + 1]
        if all(t.is_punct or t.is_space for t in after_cue):  # the cue closes the sentence
            last = verb.left_edge.i - 1
        else:
            last = last.i
        span = _clip(doc, verb, first, last)
        if span:
            return _char_range(doc[span[0]], doc[span[1]]), True
    span = _closing_cue_clause(doc, verb)
    if span:
        return _char_range(doc[span[0]], doc[span[1]]), True
    span = _that_clause(doc, verb)
    if span:
        return _char_range(doc[span[0]], doc[span[1]]), False
    if lemma in OBJECT_CUES:
        parts = [
            c
            for c in verb.rights
            if c.dep_ not in _SKIP_RIGHT and not _is_circumstance(c) and not c.is_space
        ]
        if parts and (lemma != "call" or any(p.dep_ in ("prep", "dobj") for p in parts)):
            span = _clip(doc, verb, parts[0].left_edge.i, parts[-1].right_edge.i)
            if span:
                return _char_range(doc[span[0]], doc[span[1]]), False
    return None, False


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
    if any(t.text in "\"“”«»" for t in sent) or sent.start >= start - 1:
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
    span = _clip(doc, verb, first, last)
    return _char_range(doc[span[0]], doc[span[1]]) if span else None


def _last_word(token: Token) -> Token:
    """``token`` or the nearest token before it that is not whitespace (a trailing newline
    is often the right edge of a sentence's last clause)."""
    while token.i > 0 and token.is_space:
        token = token.nbor(-1)
    return token


def _after(verb: Token) -> Token | None:
    return verb.nbor(1) if verb.i + 1 < len(verb.doc) else None


def _colon_after(verb: Token) -> bool:
    nxt = _after(verb)
    return nxt is not None and nxt.text == ":"


def _quote_opens_after(verb: Token) -> bool:
    nxt = _after(verb)
    return nxt is not None and nxt.text in ('"', "“", "``") and nxt.tag_ != "''"


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
        if lemma is not None and not _is_verb(token) and lemma != "quote":
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
        content, parenthetical = _content(doc, token, lemma)
        subject, content = _with_tagger(doc, token, last, lemma, content)
        cues.append(Cue(token, lemma, last, subject, content, parenthetical))
    cues += _learned_cues(doc, cues)
    # Participles by offset, so each cue looks only at those inside its content.
    participles = sorted((c.word.idx, n) for n, c in enumerate(cues) if c.word.tag_ == "VBG")
    return [_without_participle_cue(doc, cue, cues, participles) for cue in cues]


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
        trimmed = _trim_tokens(subject.doc, span.start, span.end - 1) if span else None
        if trimmed:
            return subject, _char_range(subject.doc[trimmed[0]], subject.doc[trimmed[1]])
    return None, content


def _without_cue(
    content: tuple[int, int] | None, word: Token, last: Token
) -> tuple[int, int] | None:
    """A tagged content that runs over its own cue, or a fragment ("a", "Clinton's"), is a
    misreading: no content rather."""
    if content is None:
        return None
    if len(_WORDS.findall(doc_text(word.doc)[content[0] : content[1]])) < MIN_LEARNED_WORDS:
        return None
    if content[1] <= word.idx or content[0] >= last.idx + len(last.text):
        return content
    return None


# Fewest words a statement found through a tagger-only cue may have.
MIN_LEARNED_WORDS = 2
_WORDS = re.compile(r"[^\W_]+")


def _learned_cues(doc: Doc, rule_cues: list[Cue]) -> list[Cue]:
    """Cues the attribution tagger found and the word lists lack ("has learned", "slammed
    into"), read like any other cue; nothing when the pipeline has no tagger."""
    known = {c.word.i for c in rule_cues}
    claimed = [c.content for c in rule_cues if c.content is not None]
    cues = []
    for i, lemma in learned.cue_heads(doc).items():
        token = doc[i]
        if i in known or not (_is_verb(token) or token.pos_ == "NOUN"):
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
        if len(_WORDS.findall(doc_text(doc)[content[0] : content[1]])) < MIN_LEARNED_WORDS:
            continue  # "to", "a", "Clinton's": a fragment, not something someone said
        gap = (token.idx + len(token.text), content[0]) if content[0] > token.idx else (
            content[1], token.idx)
        if not _crosses_sentence(doc_text(doc)[gap[0] : gap[1]] + " X"):
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
        trimmed = _trim_tokens(doc, span.start, span.end - 1)
        if trimmed:
            cue.content = _char_range(doc[trimmed[0]], doc[trimmed[1]])
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
    ):
        content = tagged
    content = content or tagged
    subject, content = _apart(_subject(word, lemma), content, word)
    return subject or learned.source_for(doc, word), content


# Tags of words a report cannot end with ("... for its bombardment of").
_MID_PHRASE_TAGS = frozenset({"IN", "DT", "CC", "TO", "PRP$", "POS", "WDT"})


def _stops_mid_phrase(doc: Doc, span: tuple[int, int]) -> bool:
    """Does the span end on a word that needs more after it, a boundary the tagger botched?"""
    tokens = _tokens(doc, *span)
    return bool(tokens) and tokens[-1].tag_ in _MID_PHRASE_TAGS


def _without_final_punct(doc: Doc, span: tuple[int, int] | None) -> tuple[int, int] | None:
    """The tagger learnt PolNeAR's spans, which sometimes take the sentence's full stop; a
    content ends where the rules end it, before closing punctuation other than quote marks."""
    if span is None:
        return None
    start, end = span
    tokens = _tokens(doc, start, end)
    while tokens and _trailing_junk(tokens[-1]):
        end = tokens.pop().idx
    return _trim(doc_text(doc), start, end) if tokens else None


def _looks_like_name(token: Token) -> bool:
    """A proper noun, a speaker entity, or a capitalised word the tagger may have missed."""
    return token.tag_ in ("NNP", "NNPS") or token.ent_type_ in _SPEAKER_ENTS or token.is_title


def _verb_taken_for_noun(doc: Doc, word: Token, lemma: str) -> Cue | None:
    """'The New York Post reports that ...' with "reports" tagged as a plural noun: a cue
    form right after a name and right before "that" is the verb."""
    if word.i == 0 or word.i + 2 >= len(doc) or doc[word.i + 1].lower_ != "that":
        return None
    if not word.text.endswith("s") or word.text.endswith("ss"):
        return None
    name = doc[word.i - 1]
    if not _looks_like_name(name):
        return None
    sent = word.sent
    span = _clip(doc, word, word.i + 2, sent.end - 1)
    if span is None:
        return None
    return Cue(word, lemma, word, name, _char_range(doc[span[0]], doc[span[1]]), False)


def _according(doc: Doc, word: Token, to: Token, pobj: Token) -> Cue:
    """"according to X, Y" / "Y, according to X": Y is the clause "according" modifies."""
    clause = word.head if word.head is not word else word
    own = range(word.left_edge.i, word.right_edge.i + 1)
    first, last = clause.left_edge.i, clause.right_edge.i
    if first in own:
        first = word.right_edge.i + 1
    elif last in own or last - 1 in own:
        last = word.left_edge.i - 1
    span = _clip(doc, word, first, last)
    content = _char_range(doc[span[0]], doc[span[1]]) if span else None
    return Cue(word, "according", to, pobj, content, True)


# --- combining marks and cues --------------------------------------------------------------


def _separated(text: str, a: int, b: int) -> bool:
    """Is the stretch between a quote and its cue set off by punctuation (a direct quote)?"""
    return any(ch in ",:;—–" for ch in text[a:b]) if a < b else False


def _ends_set_off(text: str, m: Marked) -> bool:
    """'"... responsibility,’” Merkley said': the quote's own closing punctuation (inside any
    nested marks) sets it off from its cue."""
    tail = re.search(r"[^\w]*$", text[m.start : m.close]).group()
    return any(ch in ",:;—–?!" for ch in tail)


def _covers(text: str, outer: tuple[int, int], m: Marked) -> bool:
    """Does the quote make up the whole of a cue's reported clause?"""
    rest = text[outer[0] : m.open] + text[m.close : outer[1]]
    return not re.search(r"\w", re.sub(r"^\s*that\b", "", rest))


def find_quotes(doc: Doc) -> list[Found]:
    """Direct, mixed and indirect quotations in ``doc``, in text order."""
    text = doc_text(doc)
    marked = find_marked(text)
    # A report inside a quotation ('"They said we could go," she said') is part of the
    # quoted words, not a quotation of its own.
    spoken = [m for m in marked if len(re.findall(r"\w+", text[m.start : m.end])) > MAX_SCARE_WORDS]
    cues = [c for c in find_cues(doc) if not any(m.start <= c.word.idx < m.end for m in spoken)]
    paragraphs = _paragraphs(text)
    para_starts = [_first_char(text, s, e) for s, e in paragraphs]
    by_cue: dict[int, list[Marked]] = {}
    direct: list[Found] = []
    orphans: list[Marked] = []
    with_content = sorted(
        (c for c in cues if c.content), key=lambda c: c.content[1] - c.content[0]
    )
    for m in marked:
        holder = next(
            (c for c in with_content if c.content[0] <= m.start and m.end <= c.content[1] + 1),
            None,
        )
        if holder is not None:
            cue_at = holder.word.idx
            gap = (m.close, cue_at) if cue_at >= m.close else (holder.last.idx + 1, m.open)
            if _covers(text, holder.content, m) and (
                _separated(text, *gap) or _ends_set_off(text, m) or holder.parenthetical
            ):
                direct.append(Found(m.start, m.end, "direct", holder, [m]))
            else:
                by_cue.setdefault(id(holder), []).append(m)
            continue
        cue, linked = _nearby_cue(doc, m, cues)
        if cue is None:
            cue = _cue_before_colon(doc, m, cues) or _colon_cue(doc, m) or _dash_cue(doc, m)
            linked = True
        if cue is not None:
            direct.append(Found(m.start, m.end, "direct", cue, [m], linked=linked))
        else:
            orphans.append(m)
    found = direct
    for cue in cues:
        if cue.content is None or any(f.cue is cue for f in direct):
            continue
        marks = by_cue.get(id(cue), [])
        if marks:
            start = min(cue.content[0], *(m.open for m in marks))
            end = max(cue.content[1], *(m.close for m in marks))
            found.append(Found(start, end, "mixed", cue, marks))
        else:
            found.append(Found(cue.content[0], cue.content[1], "indirect", cue))
    for m in orphans:
        if _is_scare_quote(doc, m, para_starts):
            continue
        found.append(Found(m.start, m.end, "direct", None, [m], linked=False))
    for f in found:
        k = bisect.bisect_right(para_starts, f.start) - 1
        f.start_of_paragraph = para_starts[k] if k >= 0 else 0
    found = _labelled_lines(doc, paragraphs, found)
    found += _headline(doc, paragraphs, found)
    found.sort(key=lambda f: (f.start, f.end))
    return _join_interrupted(text, found)


MAX_HEADLINE_WORDS = 20


def _headline(doc: Doc, paragraphs: list[tuple[int, int]], found: list[Found]) -> list[Found]:
    """'Lindsey Graham Says Trump Could Address Clean Energy': a title in title case defeats
    the tagger and the parser, so its cue is read from the words alone. Only the article's
    first line, only when it is short and no quotation with a cue was found in it."""
    text = doc_text(doc)
    if sum(1 for lo, hi in paragraphs if text[lo:hi].strip()) < 2:
        return []  # a one-line text is a sentence, not a title over a story
    lo, hi = paragraphs[0]
    line = text[lo:hi]
    if not line.strip() or len(line.split()) > MAX_HEADLINE_WORDS:
        return []
    if any(f.start < hi and f.cue is not None for f in found):
        return []
    tokens = _tokens(doc, lo, hi)
    for k, token in enumerate(tokens):
        lemma = cue_lemma(token.lower_)
        if lemma is None or lemma in ("quote",) or k == 0:
            continue
        source = [t for t in tokens[:k] if not t.is_punct]
        if any(t.text == ":" for t in tokens[:k]) or any(
            t.lower_ in NOT_SPEAKER_LABELS for t in source
        ):
            return []  # "Note: Comments have been edited": a label, not a speaker
        rest = tokens[k + 1 :]
        if rest and rest[0].lower_ in ("for", "on", "to", "that", "out"):
            rest = rest[1:]
        rest = [t for t in rest if not t.is_space]
        if not source or not source[0].text[:1].isupper() or len(rest) < 2:
            return []
        start, end = rest[0].idx, rest[-1].idx + len(rest[-1].text)
        while end > start and text[end - 1] in ".,;:":
            end -= 1
        cue = Cue(token, lemma, token, source[-1], (start, end), False)
        return [Found(start, end, "indirect", cue, [])]
    return []


# "PENCE: Well, the question ..." (a transcript) and "Pat Caddell: Democrat Voters Worried ..."
# (a headline): a short name and a colon open the paragraph and the rest of it is theirs.
_LABEL = re.compile(r"[^\S\n]*[\"“]?([A-Z][\w.'’\- ]{0,40}?)[^\S\n]*:[^\S\n]+(?=\S)")
# Labels that introduce something other than a speaker's words.
NOT_SPEAKER_LABELS = frozenset("""
    update updated note editor editors photo photos video watch read related source sources
    correction clarification disclosure warning caption credit credits image images pictured
    advertisement listen subscribe sign share follow tags filed topics posted see also more
    q a question answer transcript summary background bottom line
""".split())


def _labelled_lines(doc: Doc, paragraphs: list[tuple[int, int]], found: list[Found]) -> list[Found]:
    """``found`` with the labelled lines added; a quotation found in such a line without a
    cue gives way to the line."""
    text = doc_text(doc)
    out = list(found)
    for lo, hi in paragraphs:
        match = _LABEL.match(text, lo, hi)
        if match is None:
            continue
        label = match.group(1)
        words = label.split()
        if len(words) > 5 or any(w.lower().strip(".") in NOT_SPEAKER_LABELS for w in words):
            continue
        start, end = match.end(), hi
        while end > start and text[end - 1].isspace():
            end -= 1
        if len(re.findall(r"\w+", text[start:end])) < 3:
            continue
        if any(f.start < end and start < f.end and f.cue is not None for f in out):
            continue  # the line already has a quotation with a cue of its own
        tokens = _tokens(doc, match.start(1), match.end(1))
        colon = _tokens(doc, match.end(1), match.end())
        colon = [t for t in colon if t.text == ":"]
        if not tokens or not colon or not all(t.text[:1].isupper() or not t.is_alpha for t in tokens):
            continue
        heads = [t for t in tokens if _nounish(t)] or tokens
        cue = Cue(colon[0], ":", colon[0], heads[-1], (start, end), False)
        out = [f for f in out if not (f.cue is None and lo <= f.start <= hi)]
        out.append(Found(start, end, "indirect", cue, []))
    return out


def _join_interrupted(text: str, found: list[Found]) -> list[Found]:
    """'"A," X said. "B."' is one quotation interrupted by its attribution, not two.

    The joined quote runs from A to B (the marks keep the pieces); a quote in a paragraph of
    its own stays separate and is attributed as a continuation.
    """
    out: list[Found] = []
    for f in found:
        before = out[-1] if out else None
        # A report of its own inside the gap ('"A," X said, emphasizing Y. "B."') stays a
        # quote of its own and does not stop A and B from joining.
        k = len(out) - 1
        while k > 0 and not out[k].marks and f.marks and out[k].start >= out[k - 1].end:
            k -= 1
        if k >= 0 and out[k].marks and all(
            not o.marks and out[k].end <= o.start and o.end <= (f.marks[0].open if f.marks else 0)
            for o in out[k + 1 :]
        ):
            before = out[k]
        if (
            before is not None
            and (f.cue is None or f.cue is before.cue)
            and f.marks
            and before.kind in ("direct", "mixed")
            and before.cue is not None
            and before.marks
            and before.cue.word.idx > before.marks[-1].close
        ):
            gap = text[before.marks[-1].close : f.marks[0].open]
            cue_in_gap = before.marks[-1].close <= before.cue.word.idx < f.marks[0].open
            if (
                cue_in_gap
                and "\n" not in gap
                and not _crosses_sentence(gap[: before.cue.word.idx - before.marks[-1].close])
                and len(gap.split()) <= 40
            ):
                before.end = f.end
                before.marks = before.marks + f.marks
                continue
        out.append(f)
    return out


def _last_char_before(text: str, end: int, blanks: str | None = None) -> int:
    """Offset of the last character before ``end`` that is not blank (whitespace, or one of
    ``blanks``), or -1: ``len(text[:end].rstrip(blanks)) - 1`` without copying the text
    before ``end``, which per quote made long articles quadratic."""
    i = end - 1
    while i >= 0 and (text[i] in blanks if blanks is not None else text[i].isspace()):
        i -= 1
    return i


def _cue_before_colon(doc: Doc, m: Marked, cues: list[Cue]) -> Cue | None:
    """'Trump said:' closing one paragraph and the quotation opening the next: the colon hands
    the cue on across the break."""
    colon = _last_char_before(doc_text(doc), m.open)
    if colon < 0 or doc_text(doc)[colon] != ":":
        return None
    cue = next(
        (c for c in cues if 0 <= colon - (c.last.idx + len(c.last.text)) <= 1),
        None,
    )
    if cue is not None:
        return cue
    # "The New York Times reports:" with "reports" taken for a plural noun.
    before = _tokens(doc, max(0, colon - 30), colon)
    word = before[-1] if before else None
    lemma = cue_lemma(word.text) if word is not None else None
    if word is not None and lemma is not None and word.i > 0:
        name = doc[word.i - 1]
        if _looks_like_name(name):
            return Cue(word, lemma, word, name, None, False)
    return _clause_before_colon(doc, colon)


def _clause_before_colon(doc: Doc, colon: int) -> Cue | None:
    """'She then addressed the supporters again: "..."', 'Clinton released the following
    statement: "..."': a clause with a subject that a colon ends hands the quotation to its
    subject, whatever its verb; the verb is the cue."""
    marks = _tokens(doc, colon, colon + 1)
    if not marks or marks[0].text != ":":
        return None
    verb = marks[0].head
    while verb.i > marks[0].i and verb.head.i != verb.i:
        verb = verb.head  # the parse may hang the colon on the quotation's own verb
    if verb.i > marks[0].i or not _is_verb(verb) or verb.lower_ in AUXILIARY_FORMS:
        return None  # "The rules are simple:" introduces no one's words
    if "\n" in doc_text(doc)[verb.idx : colon]:
        return None
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") and c.i < verb.i]
    if not subjects or subjects[0].tag_ in ("EX",) or subjects[0].lower_ in ("it", "this"):
        return None
    lemma = verb.lemma_.lower() or verb.lower_
    return Cue(verb, lemma, verb, subjects[-1], None, False)


def _colon_cue(doc: Doc, m: Marked) -> Cue | None:
    """'Caddell: "..."': a name and a colon introduce the quote, as in a transcript."""
    text = doc_text(doc)
    colon = _last_char_before(text, m.open, " \t")
    if colon < 0 or text[colon] != ":":
        return None
    tokens = doc.char_span(colon, colon + 1, alignment_mode="expand")
    if tokens is None or tokens[0].text != ":":
        return None
    colon = tokens[0]
    label = []
    for token in reversed(doc[max(0, colon.i - 6) : colon.i]):
        if token.is_space or "\n" in token.text or token.is_sent_end or token.text in ".!?":
            break
        label.append(token)
    else:
        if colon.i > 6:
            return None  # too long for a name
    label.reverse()
    if not label or not all(
        _nounish(t) or t.tag_ in ("DT", "NNP", "HYPH") or t.text == "." for t in label
    ):
        return None
    speaker = next((t for t in reversed(label) if _nounish(t)), None)
    if speaker is None or not (speaker.tag_ in ("NNP", "NNPS") or speaker.ent_type_):
        return None
    return Cue(colon, ":", colon, speaker, None, False)


_DASH_NAME = re.compile(r"[^\S\n]*(?:―|—|–|--)[^\S\n]*(?=[A-Z])([^\n]{2,60}?)[.\s]*(?:\n|$)")


def _dash_cue(doc: Doc, m: Marked) -> Cue | None:
    """'"..." ― Oscar P. Quintero': a name after a dash, alone on the rest of the line, signs
    the quote (as under readers' comments and epigraphs)."""
    match = _DASH_NAME.match(doc_text(doc), m.close)
    if match is None:
        return None
    name = _tokens(doc, match.start(1), match.end(1))
    if not name or len(name) > 6 or not all(
        t.tag_ in ("NNP", "NNPS", "HYPH") or t.text == "." or t.is_title for t in name
    ):
        return None
    dash = [t for t in _tokens(doc, m.close, match.start(1)) if not t.is_space]
    proper = [t for t in name if t.tag_ in ("NNP", "NNPS") or t.ent_type_]
    if not dash or not proper:
        return None
    return Cue(dash[0], "—", dash[-1], proper[-1], None, False)


def _tokens(doc: Doc, start: int, end: int) -> list[Token]:
    span = doc.char_span(start, end, alignment_mode="expand")
    return list(span) if span is not None else []


def _nearby_cue(doc: Doc, m: Marked, cues: list[Cue]) -> tuple[Cue | None, bool]:
    """A cue the parse links to the quote, or one beside it in the same sentence."""
    inside = _tokens(doc, m.start, m.end)
    if not inside:
        return None, False
    lo, hi = inside[0].i, inside[-1].i
    para_lo = doc_text(doc).rfind("\n", 0, m.open) + 1
    para_hi = doc_text(doc).find("\n", m.close)
    para_hi = len(doc_text(doc)) if para_hi == -1 else para_hi
    # A quote's cue is in its paragraph, whatever sentences the parser ran together.
    near = [c for c in cues if para_lo <= c.word.idx < para_hi and not lo <= c.word.i <= hi]
    for cue in near:
        if cue.word.head.i in range(lo, hi + 1) or any(
            lo <= child.i <= hi for child in cue.word.children
        ):
            return cue, True
    if len(re.findall(r"\w+", doc_text(doc)[m.start : m.end])) <= MAX_SCARE_WORDS:
        return None, False
    for cue in near:
        # '"...," X said' or 'X said: "..."' with nothing but the speaker in between.
        if cue.word.i > hi:
            between = doc_text(doc)[m.close : cue.word.idx]
            set_off = (
                re.match(r"[\s\"”’']*[,—–]", doc_text(doc)[m.end : cue.word.idx]) is not None
                or doc_text(doc)[m.end - 1] in "?!"  # '"Who are they?" Trump said.'
            )
        else:
            between = doc_text(doc)[cue.last.idx + len(cue.last.text) : m.open]
            set_off = between.rstrip()[-1:] in (",", ":")
        # An apposition can stand between ('"...", X, author of ..., told RT').
        window = 25
        if cue.subject is None or not (
            min(cue.word.i, hi) <= cue.subject.i <= max(cue.word.i, lo)
        ):
            window = 8
        if set_off and len(between.split()) <= window and not _crosses_sentence(between):
            return cue, False
    return None, False


_SENTENCE_END = re.compile(r"(\w*)[.!?]['\"”’]*\s+(?=['\"“‘]?[A-Z0-9])")


def _crosses_sentence(text: str) -> bool:
    """Does a sentence end inside ``text``? "Maj. Gen." and "U.S." do not end one."""
    for match in _SENTENCE_END.finditer(text):
        word = match.group(1)
        if word and (len(word) <= 3 and word[0].isupper() or len(word) == 1):
            continue  # an abbreviation or an initial
        return True
    return False


def _is_scare_quote(doc: Doc, m: Marked, para_starts: list[int]) -> bool:
    words = re.findall(r"\w+", doc_text(doc)[m.start : m.end])
    if len(words) > MAX_SCARE_WORDS:
        return False
    # A short quote that is a whole paragraph ('"No."') is still a quotation.
    k = bisect.bisect_right(para_starts, m.open) - 1
    text = doc_text(doc)
    newline = text.find("\n", m.close)
    rest = text[m.close : newline if newline != -1 else None]
    return not (k >= 0 and para_starts[k] == m.open and not re.search(r"\w", rest))

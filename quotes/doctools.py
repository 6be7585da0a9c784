"""Small readings of a parsed ``Doc`` that every attribution rule shares: character ranges of
tokens, paragraphs, sentence ends, what looks like a word, a verb or a name.
"""

from __future__ import annotations

import re
import weakref

from spacy.tokens import Doc, Token

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


_LEAD_SKIP = {"mark", "punct", "cc"}


def char_range(first: Token, last: Token) -> tuple[int, int]:
    return first.idx, last.idx + len(last.text)


def is_verb(token: Token) -> bool:
    return token.tag_.startswith("VB") or token.pos_ in ("VERB", "AUX")


def paragraph_tokens(doc: Doc, token: Token) -> tuple[int, int]:
    """First and last token of ``token``'s paragraph (a line of the text)."""
    lo = doc_text(doc).rfind("\n", 0, token.idx) + 1
    hi = doc_text(doc).find("\n", token.idx)
    hi = len(doc_text(doc)) if hi == -1 else hi
    first = doc.char_span(lo, max(lo + 1, token.idx + 1), alignment_mode="expand")
    last = doc.char_span(max(lo, hi - 1), hi, alignment_mode="expand")
    return (first.start if first is not None else 0,
            last.end - 1 if last is not None else len(doc) - 1)


def clip(doc: Doc, anchor: Token, first: int, last: int) -> tuple[int, int] | None:
    """The part of a clause in the anchor's paragraph: reports never run over a break."""
    lo, hi = paragraph_tokens(doc, anchor)
    return trim_tokens(doc, max(first, lo), min(last, hi))


def trailing_junk(token: Token) -> bool:
    """Space or punctuation a content does not end with; closing quote marks and brackets stay."""
    return token.is_space or token.is_punct and token.text not in "\"”’')"


def trim_tokens(doc: Doc, first: int, last: int) -> tuple[int, int] | None:
    while first <= last and (
        doc[first].dep_ in _LEAD_SKIP and doc[first].head.i != first
        or doc[first].is_punct and doc[first].text not in "\"“‘'"
        or doc[first].is_space
    ):
        first += 1
    while last >= first and trailing_junk(doc[last]):
        last -= 1
    if sum(1 for t in doc[first : last + 1] if t.text[:1].isalnum()) < 2:
        return None
    return first, last


def same_paragraph(a: Token, b: Token) -> bool:
    lo, hi = sorted((a.i, b.i))
    return not any("\n" in t.text for t in a.doc[lo:hi])


def is_word(token: Token) -> bool:
    return not (token.is_space or token.is_punct)


NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS", "PRP"})
SPEAKER_ENTS = frozenset({"PERSON", "ORG", "NORP", "GPE"})


def nounish(token: Token) -> bool:
    return is_word(token) and (
        token.tag_ in NOUN_TAGS
        or token.pos_ in ("NOUN", "PROPN", "PRON")
        or token.ent_type_ in SPEAKER_ENTS
    ) and token.tag_ not in ("WDT", "PRP$")


def last_word(token: Token) -> Token:
    """``token`` or the nearest token before it that is not whitespace (a trailing newline
    is often the right edge of a sentence's last clause)."""
    while token.i > 0 and token.is_space:
        token = token.nbor(-1)
    return token


WORDS = re.compile(r"[^\W_]+")


def looks_like_name(token: Token) -> bool:
    """A proper noun, a speaker entity, or a capitalised word the tagger may have missed."""
    return token.tag_ in ("NNP", "NNPS") or token.ent_type_ in SPEAKER_ENTS or token.is_title


def tokens_in(doc: Doc, start: int, end: int) -> list[Token]:
    span = doc.char_span(start, end, alignment_mode="expand")
    return list(span) if span is not None else []


_SENTENCE_END = re.compile(r"(\w*)[.!?]['\"”’]*\s+(?=['\"“‘]?[A-Z0-9])")


def crosses_sentence(text: str) -> bool:
    """Does a sentence end inside ``text``? "Maj. Gen." and "U.S." do not end one."""
    for match in _SENTENCE_END.finditer(text):
        word = match.group(1)
        if word and (len(word) <= 3 and word[0].isupper() or len(word) == 1):
            continue  # an abbreviation or an initial
        return True
    return False

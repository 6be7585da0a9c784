"""Find quotations: spans between quote marks, speech cues, and how the two combine.

Works on a parsed ``Doc`` in the en_core_web annotation scheme (PTB tags, ClearNLP labels).
Marks are paired on the raw text, paragraph by paragraph, because the tokenizer cannot tell an
apostrophe from a single quote; cues come from the parse. The result is token-level ``Found``
records that ``attribute`` turns into ``Quote`` records.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

from .cues import DOCUMENT_NOUNS, OBJECT_CUES, cue_lemma

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
        while i < p_end:
            ch = text[i]
            if double:
                if ch == '"':
                    is_open, is_close = opened is None, opened is not None
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


def find_marked(text: str) -> list[Marked]:
    """Quoted stretches of ``text``; single quotes nested in double quotes are left out."""
    paragraphs = _paragraphs(text)
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


def _trim_tokens(doc: Doc, first: int, last: int) -> tuple[int, int] | None:
    while first <= last and (
        doc[first].dep_ in _LEAD_SKIP and doc[first].head.i != first
        or doc[first].is_punct and doc[first].text not in "\"“‘'"
        or doc[first].is_space
    ):
        first += 1
    while last >= first and (
        doc[last].is_space or doc[last].is_punct and doc[last].text not in "\"”’')"
    ):
        last -= 1
    if sum(1 for t in doc[first : last + 1] if t.text[:1].isalnum()) < 2:
        return None
    return first, last


def _subject(verb: Token) -> Token | None:
    """The speaker of a cue verb: its subject, its agent, or its governor's subject."""
    for child in verb.children:
        if child.dep_ == "nsubj" and child.lower_ not in ("there",):
            return child
        if child.dep_ == "agent":
            pobj = [c for c in child.children if c.dep_ == "pobj"]
            if pobj:
                return pobj[0]
    # "X was quoted as saying", "X called ..., saying that": the speaker governs the cue.
    head = verb
    for _ in range(3):
        if head.dep_ not in ("advcl", "xcomp", "pcomp", "prep", "conj", "acl") or head.head is head:
            break
        head = head.head
        for child in head.children:
            if child.dep_ == "nsubj" or (
                child.dep_ == "nsubjpass" and head.lower_ == "quoted"
            ):
                return child
    # Inverted "..., said Maj. Gen. Igor Konashenkov" parsed with the name as object.
    if verb.lower_ in ("said", "says"):
        after = [c for c in verb.rights if c.dep_ in ("dobj", "attr", "nsubj", "npadvmod")]
        if after and after[0].tag_ in ("NNP", "NNPS"):
            return after[0]
    return None


def _content(doc: Doc, verb: Token, lemma: str) -> tuple[tuple[int, int] | None, bool]:
    """The reported clause of a cue as a char range, and whether the cue is parenthetical."""
    comps = [c for c in verb.children if c.dep_ in ("ccomp", "xcomp") and c.i != verb.i]
    if lemma in ("urge", "call", "ask", "tell") or lemma in OBJECT_CUES:
        comps = [c for c in comps if c.dep_ == "ccomp"] or comps
    else:
        comps = [c for c in comps if c.dep_ == "ccomp"]
    if comps:
        first = min(c.left_edge.i for c in comps)
        last = max(c.right_edge.i for c in comps)
        span = _trim_tokens(doc, first, last)
        if span:
            return _char_range(doc[span[0]], doc[span[1]]), False
    # "Y, the ministry said." / "X, he said, Y": the cue hangs off the reported clause.
    head = verb.head
    if (
        verb.dep_ in ("parataxis", "ccomp", "advcl", "conj", "dep")
        and head is not verb
        and _is_verb(head)
        and head.i < verb.i
        and not any(c.dep_ in ("dobj", "ccomp") for c in verb.children)
    ):
        first = head.left_edge.i
        last = head.right_edge.i
        if verb.right_edge.i >= last - 1:  # the cue closes the sentence
            last = verb.left_edge.i - 1
        span = _trim_tokens(doc, first, last)
        if span:
            return _char_range(doc[span[0]], doc[span[1]]), True
    if lemma in OBJECT_CUES:
        parts = [
            c
            for c in verb.rights
            if c.dep_ not in _SKIP_RIGHT and not _is_circumstance(c) and not c.is_space
        ]
        if parts and (lemma != "call" or any(p.dep_ in ("prep", "dobj") for p in parts)):
            span = _trim_tokens(doc, parts[0].left_edge.i, parts[-1].right_edge.i)
            if span:
                return _char_range(doc[span[0]], doc[span[1]]), False
    return None, False


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
        if lemma is None or not _is_verb(token) or lemma == "quote":
            continue
        content, parenthetical = _content(doc, token, lemma)
        cues.append(Cue(token, lemma, token, _subject(token), content, parenthetical))
    return cues


def _according(doc: Doc, word: Token, to: Token, pobj: Token) -> Cue:
    """"according to X, Y" / "Y, according to X": Y is the clause "according" modifies."""
    clause = word.head if word.head is not word else word
    own = range(word.left_edge.i, word.right_edge.i + 1)
    first, last = clause.left_edge.i, clause.right_edge.i
    if first in own:
        first = word.right_edge.i + 1
    elif last in own or last - 1 in own:
        last = word.left_edge.i - 1
    span = _trim_tokens(doc, first, last)
    content = _char_range(doc[span[0]], doc[span[1]]) if span else None
    return Cue(word, "according", to, pobj, content, True)


# --- combining marks and cues --------------------------------------------------------------


def _separated(text: str, a: int, b: int) -> bool:
    """Is the stretch between a quote and its cue set off by punctuation (a direct quote)?"""
    return any(ch in ",:;—–" for ch in text[a:b]) if a < b else False


def _covers(text: str, outer: tuple[int, int], m: Marked) -> bool:
    """Does the quote make up the whole of a cue's reported clause?"""
    rest = text[outer[0] : m.open] + text[m.close : outer[1]]
    return not re.search(r"\w", re.sub(r"^\s*that\b", "", rest))


def find_quotes(doc: Doc) -> list[Found]:
    """Direct, mixed and indirect quotations in ``doc``, in text order."""
    text = doc.text
    cues = find_cues(doc)
    marked = find_marked(text)
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
                _separated(text, *gap) or _separated(text, m.end, m.close) or holder.parenthetical
            ):
                direct.append(Found(m.start, m.end, "direct", holder, [m]))
            else:
                by_cue.setdefault(id(holder), []).append(m)
            continue
        cue, linked = _nearby_cue(doc, m, cues)
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
    found.sort(key=lambda f: (f.start, f.end))
    return found


def _tokens(doc: Doc, start: int, end: int) -> list[Token]:
    span = doc.char_span(start, end, alignment_mode="expand")
    return list(span) if span is not None else []


def _nearby_cue(doc: Doc, m: Marked, cues: list[Cue]) -> tuple[Cue | None, bool]:
    """A cue the parse links to the quote, or one beside it in the same sentence."""
    inside = _tokens(doc, m.start, m.end)
    if not inside:
        return None, False
    lo, hi = inside[0].i, inside[-1].i
    sent_lo = inside[0].sent.start
    sent_hi = inside[-1].sent.end
    # The sentence after a quote that ends a parser sentence ('..." she said.').
    if sent_hi < len(doc) and doc[sent_hi].i < len(doc):
        after = doc[sent_hi].sent
        if after.start < len(doc) and doc[after.start].idx - m.close < 3:
            sent_hi = after.end
    near = [c for c in cues if sent_lo <= c.word.i < sent_hi and not lo <= c.word.i <= hi]
    for cue in near:
        if cue.word.head.i in range(lo, hi + 1) or any(
            lo <= child.i <= hi for child in cue.word.children
        ):
            return cue, True
    if len(re.findall(r"\w+", doc.text[m.start : m.end])) <= MAX_SCARE_WORDS:
        return None, False
    for cue in near:
        # '"...," X said' or 'X said: "..."' with nothing but the speaker in between.
        if cue.word.i > hi:
            between = doc.text[m.close : cue.word.idx]
            set_off = re.match(r"[\s\"”’']*[,—–]", doc.text[m.end : cue.word.idx]) is not None
        else:
            between = doc.text[cue.last.idx + len(cue.last.text) : m.open]
            set_off = between.rstrip()[-1:] in (",", ":")
        # An apposition can stand between ('"...", X, author of ..., told RT').
        window = 25
        if cue.subject is None or not (
            min(cue.word.i, hi) <= cue.subject.i <= max(cue.word.i, lo)
        ):
            window = 8
        if set_off and len(between.split()) <= window and not re.search(r"[.!?]\s", between):
            return cue, False
    return None, False


def _is_scare_quote(doc: Doc, m: Marked, para_starts: list[int]) -> bool:
    words = re.findall(r"\w+", doc.text[m.start : m.end])
    if len(words) > MAX_SCARE_WORDS:
        return False
    # A short quote that is a whole paragraph ('"No."') is still a quotation.
    k = bisect.bisect_right(para_starts, m.open) - 1
    rest = doc.text[m.close : doc.text.find("\n", m.close) if "\n" in doc.text[m.close :] else None]
    return not (k >= 0 and para_starts[k] == m.open and not re.search(r"\w", rest))

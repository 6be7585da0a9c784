"""Quote marks: the stretches of an article's text between paired quotation marks.

Marks are paired on the raw text, paragraph by paragraph, because the tokenizer cannot tell an
apostrophe from a single quote. Nothing here needs a parse: the learned tagger's features
(:mod:`quotes.learned`) and the rules (:mod:`quotes.extract`) both read these spans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OPEN_DOUBLE = "“„«"
CLOSE_DOUBLE = "”»"
SINGLE = "'‘’"
_ELISION = re.compile(r"['’](?:\d\ds?\b|tis\b|twas\b|em\b|cause\b|n['’]?\b)", re.IGNORECASE)
OPENERS = "([{—–-/\"“„«"
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


# --- quote marks ---------------------------------------------------------------------------


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def first_char(text: str, start: int, end: int) -> int:
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
    return before.isspace() or before in OPENERS


def _pair(text: str, paragraphs: list[tuple[int, int]], double: bool) -> list[Marked]:
    """Pair quote marks of one family (double or single) paragraph by paragraph."""
    found: list[Marked] = []
    pending: tuple[int, int] | None = None  # (open mark, content start) carried over a break
    for n, (p_start, p_end) in enumerate(paragraphs):
        opened = pending
        pending = None
        first = first_char(text, p_start, p_end)
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
        first = first_char(text, start, end)
        if first < end:
            return first
    return None


def _reopens(text: str, i: int, double: bool) -> bool:
    if double:
        return text[i] in '"' + OPEN_DOUBLE
    return text[i] in "'‘" and _opens_single(text, i)


def trim_chars(text: str, start: int, end: int) -> tuple[int, int]:
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
        opening = (i == 0 or text[i - 1].isspace() or text[i - 1] in OPENERS) and (
            i + 2 < len(text) and not text[i + 2].isspace()
        )
        chars[i : i + 2] = [" ", '"'] if opening else ['"', " "]
    return "".join(chars)


def find_marked(text: str) -> list[Marked]:
    """Quoted stretches of ``text``; single quotes nested in double quotes are left out."""
    paragraphs = paragraph_spans(text)
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
        start, end = trim_chars(text, m.start, m.end)
        if start < end:
            out.append(Marked(m.open, start, end, m.close, m.double))
    return out

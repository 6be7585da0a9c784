"""Limits every SQLite connection of the site gets, so that no single query stalls it.

A time limit (Datasette's progress handler) cuts a query between steps of SQLite's virtual
machine, but one function call is one step: a call that builds or scans a huge value runs to
its end. So every connection gets SQLite's own limits (the size of any value, the length of a
LIKE pattern, ...) and its own versions of the functions SQLite 3.40 runs in quadratic or
unbounded time: printf()/format() (issue 16: "select length(printf('%.*c',900000000,'x')) ran
6.7 s"), and instr(), replace() and two-argument trim()/ltrim()/rtrim() (a 400 KB needle in
an 800 KB text: about 9 s in SQLite, milliseconds in Python's string search), LIKE and GLOB
(a pattern tried at every position of a long text).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from typing import Any

MIN_VALUE_BYTES = 16 * 1024 * 1024  # at least 16 MiB, and twice the longest article
LIMITS = {
    # a LIKE or GLOB pattern longer than this is refused: matching costs pattern x text
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 2000,
    # the longest SQL statement accepted (a hand-written query is far shorter)
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: 100_000,
    sqlite3.SQLITE_LIMIT_COMPOUND_SELECT: 100,
    sqlite3.SQLITE_LIMIT_EXPR_DEPTH: 200,
    sqlite3.SQLITE_LIMIT_FUNCTION_ARG: 32,
    sqlite3.SQLITE_LIMIT_ATTACHED: 0,
}


def apply(conn: sqlite3.Connection, length: int, attach: bool = False) -> None:
    """Set the limits on ``conn``: values of at most ``length`` bytes, the LIMITS above (ATTACH
    left alone when ``attach``), bounded printf/format and linear instr/replace/trim."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, length)
    for limit, value in LIMITS.items():
        if attach and limit == sqlite3.SQLITE_LIMIT_ATTACHED:
            continue
        conn.setlimit(limit, value)
    printf = bounded_printf(length)
    conn.create_function("printf", -1, printf)
    conn.create_function("format", -1, printf)
    conn.create_function("instr", 2, _instr, deterministic=True)
    conn.create_function("replace", 3, bounded_replace(length), deterministic=True)
    for name, strip in (("trim", "both"), ("ltrim", "left"), ("rtrim", "right")):
        conn.create_function(name, 2, _trimmer(strip), deterministic=True)
    conn.create_function("like", 2, _like, deterministic=True)
    conn.create_function("like", 3, _like, deterministic=True)
    conn.create_function("glob", 2, _glob, deterministic=True)


# -- SQLite's own function, on a private connection ---------------------------------------------

_HELPER = threading.local()


def _sqlite(sql: str, args: list, length: int | None = None) -> Any:
    """One value computed by SQLite's built-in functions (never the overrides above)."""
    helper = getattr(_HELPER, "conn", None)
    if helper is None:
        helper = _HELPER.conn = sqlite3.connect(":memory:")
    if length is not None:
        helper.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, length)
    return helper.execute(sql, args).fetchone()[0]


def _text(value: Any) -> str:
    """A value as SQLite's text functions read it (numbers in SQLite's own spelling)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return _sqlite("select cast(? as text)", [value])


# -- printf ---------------------------------------------------------------------------------------

# A printf conversion: flags, width, precision (either may be * for the next argument), type.
PRINTF_SPEC = re.compile(r"%[-+ 0#,!]*(\*|\d+)?(?:\.(\*|\d*))?([a-zA-Z%])")


def bounded_printf(limit: int):
    """SQLite's printf() and format(), but NULL (as for any result over the length limit) when
    a width or precision exceeds ``limit``.

    The length limit alone does not cut printf('%.*c', 900000000, 'x'): SQLite 3.40 goes on
    appending 900 million characters that no longer fit, one by one, for about 9 s. The
    formatting itself is SQLite's own, done on a private in-memory connection.
    """

    def printf(fmt, *args):
        if fmt is None:
            return None
        arguments = iter(args)
        for spec in PRINTF_SPEC.finditer(str(fmt)):
            for size in spec.group(1, 2):
                if size == "*":
                    size = next(arguments, 0)
                try:
                    if size not in (None, "") and abs(int(size)) > limit:
                        return None
                except (TypeError, ValueError):
                    pass
            if spec.group(3) != "%":
                next(arguments, None)
        marks = ", ".join("?" * (len(args) + 1))
        return _sqlite(f"select printf({marks})", [fmt, *args], limit)

    return printf


# -- instr, replace, trim in linear time ----------------------------------------------------------


def _instr(haystack, needle):
    if haystack is None or needle is None:
        return None
    if isinstance(haystack, bytes) and isinstance(needle, bytes):
        return haystack.find(needle) + 1
    if isinstance(haystack, bytes) or isinstance(needle, bytes):
        return _sqlite("select instr(?, ?)", [haystack, needle])
    return _text(haystack).find(_text(needle)) + 1


def bounded_replace(limit: int):
    def replace(text, old, new):
        if text is None or old is None or new is None:
            return None
        if any(isinstance(v, bytes) for v in (text, old, new)):
            return _sqlite("select replace(?, ?, ?)", [text, old, new], limit)
        text, old, new = _text(text), _text(old), _text(new)
        if not old:
            return text
        grows = len(new.encode("utf-8")) - len(old.encode("utf-8"))
        if grows > 0 and len(text.encode("utf-8")) + text.count(old) * grows > limit:
            # one character over the limit: SQLite itself answers "string or blob too big",
            # as its own replace() does, without building the whole result
            return " " * (limit + 1)
        return text.replace(old, new)

    return replace


def _trimmer(side: str):
    def trim(text, chars):
        if text is None or chars is None:
            return None
        if isinstance(text, bytes) or isinstance(chars, bytes):
            name = {"both": "trim", "left": "ltrim", "right": "rtrim"}[side]
            return _sqlite(f"select {name}(?, ?)", [text, chars])
        text = _text(text)
        # each distinct character once: SQLite compares every character of the text with
        # every character of the set
        pattern = "[" + "".join(re.escape(c) for c in set(_text(chars))) + "]"
        if pattern == "[]":
            return text
        if side in ("both", "left"):
            text = text[re.match(pattern + "*", text).end() :]
        if side in ("both", "right"):
            # the first position from which only set characters remain
            tail = re.search(pattern + "*\\Z", text)
            text = text[: tail.start()]
        return text

    return trim


# -- LIKE and GLOB in (nearly) linear time ---------------------------------------------------------
#
# SQLite matches '%' by trying every position of the text against the rest of the pattern: a
# 1 MB value against '%' and 998 letters took 3.3 s (GLOB '*...' the same). Split at the '%'s,
# a pattern is a series of fixed-length pieces that must occur in order (the first at the
# start, the last at the end): taking each piece's leftmost occurrence decides the match, and
# a piece without '_' is found with Python's linear string search.

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
ANY = object()  # '_' (LIKE) or '?' (GLOB): any one character


def _pieces(pattern: str, many: str, one: str, escape: str | None) -> list[list] | None:
    """The pattern as pieces between its ``many`` wildcards, each a list of characters and
    ANY; None when it holds something only SQLite's own matcher reads (a dangling escape)."""
    pieces: list[list] = [[]]
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if escape is not None and c == escape:
            if i + 1 == len(pattern):
                return None
            pieces[-1].append(pattern[i + 1])
            i += 2
            continue
        if c == many:
            pieces.append([])
        elif c == one:
            pieces[-1].append(ANY)
        else:
            pieces[-1].append(c)
        i += 1
    return pieces


def _fits(text: str, piece: list, at: int) -> bool:
    return at + len(piece) <= len(text) and all(
        p is ANY or text[at + k] == p for k, p in enumerate(piece)
    )


def _find(text: str, piece: list, start: int) -> int:
    """Leftmost position at or after ``start`` where ``piece`` fits, or -1."""
    if not piece:
        return start if start <= len(text) else -1
    if ANY not in piece:
        return text.find("".join(piece), start)
    regex = re.compile("".join("." if p is ANY else re.escape(p) for p in piece), re.DOTALL)
    found = regex.search(text, start)
    return found.start() if found else -1


def _match(text: str, pieces: list[list]) -> bool:
    if len(pieces) == 1:
        return len(text) == len(pieces[0]) and _fits(text, pieces[0], 0)
    first, *middle, last = pieces
    if not _fits(text, first, 0):
        return False
    at = len(first)
    for piece in middle:
        found = _find(text, piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    end = len(text) - len(last)
    return end >= at and _fits(text, last, end)


def _like(pattern, text, escape=None):
    if pattern is None or text is None:
        return None
    if escape is not None and (not isinstance(escape, str) or len(escape) != 1):
        return _sqlite("select ? like ? escape ?", [text, pattern, escape])
    if isinstance(pattern, bytes) or isinstance(text, bytes):
        args = [text, pattern] + ([escape] if escape is not None else [])
        return _sqlite("select ? like ?" + (" escape ?" if escape is not None else ""), args)
    pattern, text = _text(pattern), _text(text)
    if len(pattern.encode("utf-8")) > LIMITS[sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH]:
        raise ValueError("LIKE or GLOB pattern too complex")
    # SQLite's LIKE folds ASCII letters only
    pieces = _pieces(pattern.translate(_ASCII_LOWER), "%", "_", escape)
    if pieces is None:
        return _sqlite("select ? like ? escape ?", [text, pattern, escape])
    return int(_match(text.translate(_ASCII_LOWER), pieces))


def _glob(pattern, text):
    if pattern is None or text is None:
        return None
    if isinstance(pattern, bytes) or isinstance(text, bytes) or "[" in _text(pattern):
        return _sqlite("select ? glob ?", [text, pattern])  # character classes: SQLite's own
    pattern, text = _text(pattern), _text(text)
    if len(pattern.encode("utf-8")) > LIMITS[sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH]:
        raise ValueError("LIKE or GLOB pattern too complex")
    return int(_match(text, _pieces(pattern, "*", "?", None)))

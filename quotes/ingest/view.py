"""What the pipeline reads of an article, and the way back to offsets in the stored text.

The stored text stays as it came (``\\r\\n`` kept, front matter and boilerplate lines kept), so
offsets index it. The pipeline reads a normalised copy instead: every line break is ``\\n``,
doubled apostrophes used as quotation marks are ``"`` and the article's ``skip`` ranges are
left out. The same article saved with Windows or old Mac line endings, with a byte order mark
or with a front-matter block therefore gives the pipeline the same characters and the same
quotes; only the offsets, mapped back here, differ.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any

from quotes.records import Article, Span

# "\r\n" (Windows) and a lone "\r" (classic Mac OS) are both one line break
BREAK = re.compile(r"\r\n?")
# Doubled apostrophes or backticks as quotation marks, as newspaper archives (the New York
# Times's among them) and typeset text write them: ''We will win,'' he said. The tagger and
# parser, trained on '"', read "''" as a sentence's end ("Lamenting their luck, farmers often
# say, ''Poor us ...''" made "Poor" a new root and the quotation nobody's); the view gives
# them one '"' each.
DOUBLED_MARK = re.compile(r"(?<!['`])(?:''|``)(?!['`])")
# What the view reads for each: a line break, or a quotation mark
_NORMAL = re.compile(f"{BREAK.pattern}|{DOUBLED_MARK.pattern}")


@dataclass
class View:
    """The text the pipeline reads, and how its offsets map to the stored text's.

    ``segments`` are (view start, stored start, stored end) triples in order: a segment whose
    stored length equals its view length up to the next segment is copied verbatim; a line
    break is a one-character view segment standing for one or two stored characters.
    """

    text: str
    stored: str
    segments: list[tuple[int, int, int]]

    @property
    def identical(self) -> bool:
        return self.text is self.stored

    def _segment(self, i: int) -> int:
        return bisect_right(self._starts, i) - 1

    def _view_end(self, n: int) -> int:
        """Where segment ``n`` ends in the view."""
        return self.segments[n + 1][0] if n + 1 < len(self.segments) else len(self.text)

    def __post_init__(self) -> None:
        self._starts = [start for start, _, _ in self.segments]
        self._stored_starts = [start for _, start, _ in self.segments]

    def start(self, i: int) -> int:
        """Stored offset of the view character at ``i`` (``len(text)``: the stored end)."""
        if self.identical:
            return i
        if i >= len(self.text):
            return self.segments[-1][2] if self.segments else 0
        n = self._segment(i)
        view_start, stored_start, stored_end = self.segments[n]
        view_end = self._view_end(n)
        if view_end - view_start == stored_end - stored_start:
            return stored_start + (i - view_start)
        return stored_start

    def end(self, i: int) -> int:
        """Stored offset just after the view character before ``i``."""
        if self.identical:
            return i
        if i <= 0:
            return self.start(0)
        n = self._segment(i - 1)
        view_start, stored_start, stored_end = self.segments[n]
        view_end = self._view_end(n)
        if view_end - view_start == stored_end - stored_start:
            return stored_start + (i - view_start)
        return stored_end

    def offset_in_view(self, i: int) -> int:
        """View offset of the stored character at ``i`` (the inverse of ``start``): a folded
        character ("\\r\\n", a doubled apostrophe) maps to its one view character, a skipped
        one to the view character after the skipped range."""
        if self.identical:
            return i
        n = bisect_right(self._stored_starts, i) - 1
        if n < 0:
            return 0
        view_start, stored_start, stored_end = self.segments[n]
        view_end = self._view_end(n)
        if i >= stored_end:
            return view_end
        if view_end - view_start == stored_end - stored_start:
            return view_start + (i - stored_start)
        return view_start

    def span(self, span: Span) -> Span:
        if self.identical:
            return span
        start, end = self.start(span.start), self.end(span.end)
        return Span(start, end, self.stored[start:end])

    def restore(self, value: Any) -> Any:
        """``value`` (a Quote, or anything holding Spans) with its Spans in stored offsets."""
        if self.identical:
            return value
        if isinstance(value, Span):
            return self.span(value)
        if isinstance(value, (list, tuple)):
            items = [self.restore(item) for item in value]
            if any(new is not old for new, old in zip(items, value)):
                return type(value)(items)
            return value
        if is_dataclass(value) and not isinstance(value, type):
            changes = {}
            for field in fields(value):
                if not field.init:
                    continue
                old = getattr(value, field.name)
                new = self.restore(old)
                if new is not old:
                    changes[field.name] = new
            return replace(value, **changes) if changes else value
        return value


def view(article: Article) -> View:
    """The normalised copy of ``article.text`` that the pipeline reads."""
    text = article.text
    if not article.skip and "\r" not in text and DOUBLED_MARK.search(text) is None:
        return View(text, text, [])
    pieces: list[str] = []
    segments: list[tuple[int, int, int]] = []
    length = 0

    def add(piece: str, stored_start: int, stored_end: int) -> None:
        nonlocal length
        if not piece:
            return
        segments.append((length, stored_start, stored_end))
        pieces.append(piece)
        length += len(piece)

    position = 0
    for skip_start, skip_end in [*sorted(article.skip), (len(text), len(text))]:
        kept_end = max(skip_start, position)
        if kept_end > position:
            cursor = position
            for found in _NORMAL.finditer(text, position, kept_end):
                add(text[cursor : found.start()], cursor, found.start())
                add("\n" if found.group().startswith("\r") else '"', found.start(), found.end())
                cursor = found.end()
            add(text[cursor:kept_end], cursor, kept_end)
        position = max(position, skip_end)
    return View("".join(pieces), text, segments)

"""Lines a web page wraps around an article: subscription offers, newsletter sign-ups, paywall
notices, "continue reading" and "read more" links. They are not the article's words, so the
pipeline never reads them (``Article.skip``) and they can never become a quote.

The filter judges one line at a time, by what the line *does* rather than by any outlet's
wording: a call to action addressed to the reader. Text saved from a page keeps these lines
("Continue reading for free", "We hope you're enjoying The Week's refreshingly open-minded
journalism."), and without the filter "We hope ..." reads as a belief attributed to "We".

A line is boilerplate when it is short (at most ``MAX_WORDS`` words; an article's paragraphs
are longer, a call to action is not) and either

- it *opens* with a call to action: "Subscribe ...", "Sign up ...", "Continue reading ...",
  "Read more ...", "Already a subscriber?", "Click here ...", "Advertisement", and does not
  report someone's words without quoting them ("Sign in sheets showed 300 people attended,
  organisers said." reports); or
- it speaks to the reader (*you*, *your*) about subscribing, newsletters, an inbox, an account
  or "our journalism", and holds no quotation mark and no reporting verb (*said*, *told*,
  *according to*): a reporter's sentence about a sign-up scheme names who said it and quotes
  them, an advert does not.

A call to action opening a later sentence of a line ("Listen to our analysis above. Subscribe
here.") is cut from its first word to the end of the line, unless a quotation mark follows it
(it may be inside a quotation).

Its effect is measured by scripts/measure_boilerplate.py and recorded in README.md (lines dropped
on PolNeAR train and the seeds, and
PolNeAR train attributions touched: none).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MAX_WORDS = 30
# a line longer than this is a paragraph: only a call to action ending it is looked for
MAX_LINE_WORDS = 200
SENTENCE_START = re.compile(r"(?<=[.?!:)”\"])\s+(?=\S)")

# Opening words of a call to action. Checked at the very start of the line (after bullets or
# arrows), never after a quotation mark: '"Sign up now," the mayor urged' is a quote. The
# imperative is written with a space ("Sign up", "Log in"); the nouns "sign-up", "login" are not.
CALL_TO_ACTION = re.compile(
    r"""^[\s\-–—•·*>»›|(\[]*(?:for\ more[^,.]{0,40},\s*)?(?:
        subscribe\b | subscribed\b
      | sign\ (?:up|in)\b | log\ in\b | register\b(?!\ of) | create\ (?:a|an|your)\ (?:free\ )?account
      | (?:continue|keep|start)\ reading\b | read\ (?:more|the\ full|the\ rest|next)\b
      | (?:see|show|view|load)\ more\b | click\ here\b | tap\ here\b
      | already\ (?:a\ )?(?:subscriber|member|registered|have\ an\ account)
      | get\ (?:unlimited|full|digital|premium|free)\ access | unlock\b | start\ your\ free\ trial
      | (?:support|fund)\ (?:our|independent|quality)\ journalism | become\ a\ (?:member|subscriber|supporter)
      | join\ (?:now|today|us|our\ newsletter) | don'?t\ miss\b | follow\ us\b | share\ this\b
      | (?:advertisement|sponsored(?:\ content)?|recommended|most\ read|related(?:\ stories)?)\W*$
    )""",
    re.IGNORECASE | re.VERBOSE,
)

# The reader addressed ...
TO_READER = re.compile(r"\b(?:you|your|you're|you've|yours)\b", re.IGNORECASE)
# ... about the outlet's business with them.
OFFER = re.compile(
    r"\b(?:subscri\w*|newsletters?|inbox|e-?mail\ (?:address|updates)|(?:your|free|an)\ account|paywall|"
    r"free\ trial|premium|membership|(?:our|open-minded|independent|quality)\ journalism|"
    r"enjoying\ (?:\w+\ ){0,4}journalism|ad[\s-]?blocker|unlimited\ access)\b",
    re.IGNORECASE | re.VERBOSE,
)

# A reporter's sentence names who spoke: "you ..., she told the committee".
REPORTING = re.compile(
    r"\b(?:said|says|told|tells|asked|added|according\ to|wrote|tweeted)\b",
    re.IGNORECASE | re.VERBOSE,
)

LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def is_boilerplate(line: str) -> bool:
    """Whether a whole line is a call to action rather than the article's words."""
    return _cut(line) == 0


def _cut(line: str) -> int | None:
    """Where the call to action in ``line`` starts (0: the whole line is one), or None."""
    stripped = line.strip()
    if not stripped or len(stripped.split()) > MAX_LINE_WORDS:
        return None
    if CALL_TO_ACTION.match(line) and len(line.split()) <= MAX_WORDS:
        # "Sign in sheets showed 300 people attended, organisers said." reports; a paywall
        # notice that names a speaker quotes its own slogan
        if _quotes(line) or not REPORTING.search(line):
            return 0
    if TO_READER.search(line) and OFFER.search(line) and len(line.split()) <= MAX_WORDS:
        if not _quotes(line) and not REPORTING.search(line):
            return 0
    # "Listen to our analysis above. Subscribe here." A call to action opening a later
    # sentence runs to the end of the line; with a quotation mark after it, it may be inside a
    # quotation ('"... by Friday. Sign up now," she said.') and stays.
    for sentence in SENTENCE_START.finditer(line):
        tail = line[sentence.end() :]
        if CALL_TO_ACTION.match(tail) and len(tail.split()) <= MAX_WORDS and not _quotes(tail):
            return sentence.end()
    return None


def _quotes(line: str) -> bool:
    # apostrophes inside words ("you're", "The Week's") are not quotation marks
    return any(mark in line for mark in '"“”„«»') or bool(
        re.search(r"(?:^|\s)['‘][^'’]+['’](?=\s|[.,!?]|$)", line)
    )


def lines(text: str, start: int = 0) -> Iterator[tuple[int, int, str]]:
    """(start, end, line) for each line of ``text`` from ``start``, the end after its break."""
    for found in LINE.finditer(text, start):
        if found.start() == found.end():
            break
        yield found.start(), found.end(), found.group()


def ranges(text: str, start: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each call to action in ``text`` (from ``start``), to its line's end."""
    found = []
    for line_start, line_end, line in lines(text, start):
        cut = _cut(line)
        if cut is not None:
            found.append((line_start + cut, line_end))
    return found

"""What the site's own pages show, as plain Python over rows: the article text with its spans
marked, quotes grouped by article, wording differences, search hits. HTML is built here with
every piece of text escaped; the templates only lay it out.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from quotes import store


@dataclass(frozen=True)
class Mark:
    """A span of the article text to mark: its offsets, its role (CSS class) and, for another
    quote of the article, the page it links to."""

    start: int
    end: int
    role: str  # "quote", "cue", "mention" or "other" (another quote of the article)
    href: str | None = None


def marked_text(text: str, marks: list[Mark]) -> Markup:
    """The article text as HTML with each mark's characters wrapped in
    ``<span class="hl hl-ROLE ...">``.

    Marks may overlap (a cue inside a quote): the text is cut at every mark boundary and each
    piece carries the classes of all marks covering it, so the characters of a role are exactly
    its offsets. Nothing else is added: the element's text content is the article text.
    """
    # "a quote row shows article_id 1 ... nothing highlighted. The offsets needed are all
    # stored." (issue 15)
    marks = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    escape = _escape_keeping_cr
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    out: list[str] = []
    for start, end in zip(cuts, cuts[1:]):
        piece = escape(text[start:end])
        covering = [m for m in marks if m.start <= start and end <= m.end]
        if not covering:
            out.append(piece)
            continue
        roles = sorted({m.role for m in covering}, key=ROLE_ORDER.index)
        classes = " ".join(["hl", *(f"hl-{role}" for role in roles)])
        first = {m.role for m in covering if m.start == start}
        anchor = ' id="the-quote"' if "quote" in first and start == _first_start(marks) else ""
        span = Markup('<span class="{}"{}>{}</span>').format(classes, Markup(anchor), piece)
        link = next((m.href for m in covering if m.href and m.role == "other"), None)
        if link and "quote" not in roles:
            span = Markup('<a href="{}">{}</a>').format(link, span)
        out.append(span)
    return Markup("").join(out)


ROLE_ORDER = ["quote", "cue", "mention", "part", "other"]


def _escape_keeping_cr(text: str) -> Markup:
    # HTML parsing turns a CR LF pair into LF, which would shift every offset after it in the
    # page's text; a character reference keeps the CR
    return Markup(str(escape(text)).replace("\r", "&#13;"))


def _first_start(marks: list[Mark]) -> int:
    return min((m.start for m in marks if m.role == "quote"), default=-1)


def quote_marks(quote: dict, others: list[dict], quote_href) -> list[Mark]:
    """Marks for a quote page: the quote, its cue and its speaker mention, and the article's
    other quotes as links to their own pages."""
    marks = [Mark(quote["start"], quote["end"], "quote")]
    if quote.get("cue_start") is not None and quote.get("cue_end") is not None:
        marks.append(Mark(quote["cue_start"], quote["cue_end"], "cue"))
    if quote.get("speaker_start") is not None and quote.get("speaker_end") is not None:
        marks.append(Mark(quote["speaker_start"], quote["speaker_end"], "mention"))
    for other in others:
        if other["id"] != quote["id"]:
            marks.append(Mark(other["start"], other["end"], "other", quote_href(other["id"])))
    return marks


def article_marks(quotes: list[dict], quote_href) -> list[Mark]:
    """Marks for an article page: every quote, a link to its page."""
    return [Mark(q["start"], q["end"], "other", quote_href(q["id"])) for q in quotes]


def hits(text: str | None) -> Markup:
    """Search output with its hit marks (store.HIT_START / HIT_END) as ``<mark>`` elements."""
    if text is None:
        return Markup("")
    html = str(escape(text))
    # an unmatched mark (text that held the character itself) must not leave a tag open
    parts = re.split(f"({store.HIT_START}|{store.HIT_END})", html)
    out, open_ = [], False
    for part in parts:
        if part == store.HIT_START and not open_:
            out.append("<mark>")
            open_ = True
        elif part == store.HIT_END and open_:
            out.append("</mark>")
            open_ = False
        elif part not in (store.HIT_START, store.HIT_END):
            out.append(part)
    if open_:
        out.append("</mark>")
    return Markup("".join(out))


def wording_diff(ours: str, theirs: str) -> Markup:
    """``theirs`` with the words it adds to ``ours`` in ``<ins>`` and the words it lacks in
    ``<del>``, compared word by word (case and punctuation kept)."""
    a, b = ours.split(), theirs.split()
    out: list[Markup] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape(" ".join(b[j1:j2])))
            continue
        if i2 > i1:
            out.append(Markup("<del>{}</del>").format(" ".join(a[i1:i2])))
        if j2 > j1:
            out.append(Markup("<ins>{}</ins>").format(" ".join(b[j1:j2])))
    return Markup(" ").join(out)


def group_by_article(quotes: list[dict]) -> list[dict]:
    """A speaker's quotes (from store.speaker_quotes) grouped by article, in the given order."""
    groups: dict[int, dict] = {}
    for quote in quotes:
        group = groups.get(quote["article_id"])
        if group is None:
            article = {
                key.removeprefix("article_"): value
                for key, value in quote.items()
                if key.startswith("article_")
            }
            article["id"] = quote["article_id"]
            group = groups[quote["article_id"]] = {"article": article, "quotes": []}
        group["quotes"].append(quote)
    return list(groups.values())


def article_facts(article: dict) -> list[tuple[str, str]]:
    """The article's outlet, date, author and address when stored (label, value)."""
    labels = {"outlet": "Outlet", "published": "Published", "author": "Author", "url": "URL"}
    return [(label, article[key]) for key, label in labels.items() if article.get(key)]


def json_list(value) -> str:
    """A JSON list column (titles, aliases) as plain text: 'Maj Gen; spokesman'."""
    import json

    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def parts_text(value) -> list[dict]:
    """An interrupted quote's parts (a JSON list of {start, end, text}), when stored."""
    import json

    if not value:
        return []
    try:
        parts = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return []
    return [p for p in parts if isinstance(p, dict) and "text" in p]

"""Article metadata from any source (front matter, sidecar, page, feed, record), checked once.

Every source gives a mapping of names to values; :func:`clean` keeps the known names, turns
dates into ISO 8601 text and says what it could not use, so a typo in a front-matter block is
a warning rather than a silently empty column.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Mapping
from typing import Any

from quotes.records import METADATA_FIELDS

# what an article's metadata may carry: the database's columns plus the title
KEYS = ("title", *METADATA_FIELDS)
# names other tools use for the same things (Hugo, Jekyll, CMS exports, schema.org)
ALIASES = {
    "date": "published",
    "pubdate": "published",
    "published_at": "published",
    "date_published": "published",
    "datepublished": "published",
    "publication_date": "published",
    "site": "outlet",
    "site_name": "outlet",
    "sitename": "outlet",
    "publisher": "outlet",
    "byline": "author",
    "authors": "author",
    "link": "url",
    "canonical": "url",
    "lang": "language",
    "headline": "title",
}
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def iso_date(value: Any) -> str | None:
    """``value`` as ISO 8601 text (a date, or a date and time), or None if it is not a date.

    Accepts ISO 8601 in its common forms ("2024-03-05", "2024-03-05T09:30:00Z"), the RFC 822
    dates of RSS feeds ("Tue, 05 Mar 2024 09:30:00 GMT") and YAML's own dates.
    """
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text).isoformat()
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def clean(values: Mapping[str, Any], where: str) -> tuple[dict[str, str], list[str]]:
    """The known metadata in ``values`` as text, and a warning for each value not used.

    ``where`` names the source in warnings ("front matter", "sidecar a.meta.json").
    """
    found: dict[str, str] = {}
    problems: list[str] = []
    for raw_key, value in values.items():
        key = ALIASES.get(str(raw_key).strip().lower(), str(raw_key).strip().lower())
        if key not in KEYS:
            problems.append(
                f"{where}: unknown field {raw_key!r} ignored (known: {', '.join(KEYS)})"
            )
            continue
        if value is None or value == "":
            continue
        if key == "published":
            date = iso_date(value)
            if date is None:
                problems.append(
                    f"{where}: {raw_key} {value!r} is not a date (use 2024-03-05); ignored"
                )
                continue
            found[key] = date
            continue
        if isinstance(value, list) and key == "author":
            value = ", ".join(str(v) for v in value if v)
        if not isinstance(value, (str, int, float)):
            problems.append(
                f"{where}: {raw_key} should be text, not {type(value).__name__}; ignored"
            )
            continue
        text = " ".join(str(value).split())
        if key == "language" and not LANGUAGE.match(text):
            problems.append(
                f"{where}: language {text!r} is not a language tag (en, en-GB); ignored"
            )
            continue
        found[key] = text.replace("_", "-") if key == "language" else text
    return found, problems

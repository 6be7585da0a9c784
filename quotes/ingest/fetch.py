"""Fetching pages and feeds over HTTP(S): one attempt each, a timeout, a size limit.

A URL that fails (timeout, refused connection, 404, a page too large) is one error line for
that URL; the run goes on with the others. Nothing is retried: a newsroom indexing a feed of a
hundred items must not hammer a struggling site, and the next run picks up what this one
missed. After ``MAX_HOST_FAILURES`` failures of one host (no answer in time, a refused
connection, a server error; a 404 is the page's fault, not the host's) its remaining URLs are
skipped with a message rather than each waiting out its timeout.
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlparse

from quotes import __version__
from quotes.ingest.text import BadInput

DEFAULT_TIMEOUT = 20.0  # seconds to connect, and between bytes received
MAX_BYTES = 20 * 1024 * 1024
MAX_HOST_FAILURES = 3
TOTAL_TIMEOUTS = 3  # a whole page may take this many timeouts to arrive
HOST_TROUBLE = ("timed out", "still downloading", "cannot fetch", "HTTP 5")
USER_AGENT = f"quotes/{__version__} (quote index for newsrooms)"


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


@dataclass
class Page:
    url: str  # after redirects
    content_type: str  # "text/html", lower case, without parameters
    data: bytes
    charset: str | None = None  # as the server declared it


@dataclass
class Fetcher:
    timeout: float = DEFAULT_TIMEOUT
    failures: dict[str, int] = field(default_factory=dict)  # per host

    def get(self, url: str) -> Page:
        """The page at ``url``, or :class:`BadInput` saying why not, naming the URL."""
        host = urlparse(url).hostname or ""
        if self.failures.get(host, 0) >= MAX_HOST_FAILURES:
            raise BadInput(
                url, f"skipped: {host} already failed {MAX_HOST_FAILURES} times in this run"
            )
        try:
            page = self._get(url)
        except BadInput as bad:
            # a missing page says nothing about the host; a host that does not answer in time,
            # refuses or fails with a server error will likely do so for its next URL too
            if bad.reason.startswith(HOST_TROUBLE):
                self.failures[host] = self.failures.get(host, 0) + 1
            raise
        return page

    def _body(self, url: str, response: http.client.HTTPResponse) -> bytes:
        # The socket timeout bounds each wait; a server dribbling a byte at a time would pass
        # it forever, so the whole body gets a deadline too.
        deadline = time.monotonic() + self.timeout * TOTAL_TIMEOUTS
        chunks, size = [], 0
        while chunk := response.read1(64 * 1024):  # what has arrived, not a full 64 KiB
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BYTES:
                break
            if time.monotonic() > deadline:
                raise BadInput(url, f"still downloading after {self.timeout * TOTAL_TIMEOUTS:g} s")
        return b"".join(chunks)

    def _get(self, url: str) -> Page:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data = self._body(url, response)
                content_type = response.headers.get_content_type()
                charset = response.headers.get_content_charset()
                final = response.geturl()
        except urllib.error.HTTPError as error:
            raise BadInput(url, f"HTTP {error.code} {error.reason}") from error
        except (TimeoutError, socket.timeout) as error:
            raise BadInput(url, f"timed out after {self.timeout:g} s") from error
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise BadInput(url, f"timed out after {self.timeout:g} s") from error
            raise BadInput(
                url, f"cannot fetch: {getattr(reason, 'strerror', None) or reason}"
            ) from error
        except (OSError, ValueError, http.client.HTTPException) as error:
            raise BadInput(url, f"cannot fetch: {error}") from error
        if len(data) > MAX_BYTES:
            raise BadInput(url, f"larger than {MAX_BYTES // (1024 * 1024)} MB; not fetched")
        return Page(url=final, content_type=content_type, data=data, charset=charset)

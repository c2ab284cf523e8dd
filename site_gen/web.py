"""One HTTP GET to a scholarly API (arXiv, Crossref, DataCite), bounded in time and size.

A socket's timeout bounds each read, so a server that sends a byte now and then would keep a
reader waiting for ever: the request runs in a daemon thread, which is given up on (and ends with
the process) once the deadline has passed in all.
"""

from __future__ import annotations

import http.client
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

USER_AGENT = "site-gen (paper list generator; one request per paper `site-gen add` drafts)"
TIMEOUT_SECONDS = 20
MAX_RESPONSE_BYTES = 2 * 1024 * 1024


class Unreachable(Exception):
    """No answer: no network, a refused connection, a time-out, or an answer too large to be one."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def get(url: str, accept: str, timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_RESPONSE_BYTES) -> Answer:
    """The server's answer (any HTTP status: a 404 is an answer) within `timeout` seconds in all.
    Raises Unreachable."""
    outcome: dict[str, Answer | BaseException] = {}

    def request() -> None:
        try:
            outcome["answer"] = _get(url, accept, timeout, max_bytes)
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error

    worker = threading.Thread(target=request, name=f"GET {url}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise Unreachable(f"{urllib.parse.urlsplit(url).netloc} did not answer within {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["answer"]


def _get(url: str, accept: str, timeout: float, max_bytes: int) -> Answer:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (the API's http(s) URL)
            status, body = response.status, response.read(max_bytes + 1)
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read(max_bytes + 1)
    except (OSError, http.client.HTTPException) as error:  # URLError, time-outs, refused connections
        reason = getattr(error, "reason", error)
        raise Unreachable(f"cannot reach {urllib.parse.urlsplit(url).netloc}: {reason}") from None
    if len(body) > max_bytes:
        raise Unreachable(f"{urllib.parse.urlsplit(url).netloc} gave an answer larger than {max_bytes // 1024 // 1024} MB")
    return Answer(status, body)

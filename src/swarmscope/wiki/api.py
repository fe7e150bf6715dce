"""A polite client for the MediaWiki Action API and the Wikimedia REST API.

Implements the etiquette of https://www.mediawiki.org/wiki/API:Etiquette and
https://meta.wikimedia.org/wiki/User-Agent_policy:

- a descriptive ``User-Agent`` with contact information is required (``user_agent=`` or the
  ``SWARMSCOPE_USER_AGENT`` environment variable); swarmscope and httpx append their versions;
- requests are serial (one client, one connection, no concurrency) and gzip-compressed;
- every Action API request carries ``maxlag`` (default 5 s): when the wiki's replicas lag, the
  API answers with a ``maxlag`` error and the client waits ``Retry-After`` (or the reported lag)
  before retrying, without counting it against the ordinary retries;
- HTTP 429 and 5xx, network errors (refused, reset or dropped connections, timeouts) and
  truncated or invalid JSON bodies are retried with exponential back-off
  (``backoff * 2**attempt``, at most ``max_backoff``), never sooner than ``Retry-After``;
- ``format=json&formatversion=2``; :meth:`MediaWikiClient.query` follows ``continue`` to the end.

API errors that retrying cannot fix (a bad parameter, an unknown user) raise
:class:`WikiApiError` at once. All delays go through ``sleep=`` so tests run without waiting.

Example::

    >>> client = MediaWikiClient("https://en.wikipedia.org/w/api.php",
    ...                          user_agent="my-study/1.0 (me@example.org)")
    >>> for resp in client.query({"action": "query", "list": "usercontribs",
    ...                           "ucuser": "Example", "uclimit": "max"}):  # doctest: +SKIP
    ...     print(len(resp.data["query"]["usercontribs"]), resp.next)
"""

from __future__ import annotations

import email.utils
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from .. import __version__
from ..errors import SwarmscopeError, UsageError
from .revision import platform_for

DEFAULT_API = "https://en.wikipedia.org/w/api.php"
DEFAULT_REST = "https://wikimedia.org/api/rest_v1"
USER_AGENT_ENV = "SWARMSCOPE_USER_AGENT"

log = logging.getLogger(__name__)

# API error codes that mean "try again later" rather than "this request is wrong".
_RETRYABLE_CODES = ("ratelimited", "readonly", "internal_api_error", "unknownerror")


class WikiApiError(SwarmscopeError):
    """The wiki refused a request, or kept failing after all retries."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class ApiResponse:
    """One API response: the parsed JSON and the body exactly as received (decompressed)."""

    data: dict[str, Any]
    body: bytes

    @property
    def next(self) -> dict[str, Any] | None:
        """The continuation parameters for the following request, ``None`` at the end."""
        cont = self.data.get("continue")
        return dict(cont) if isinstance(cont, dict) else None


def resolve_user_agent(user_agent: str | None) -> str:
    """The caller's User-Agent (or ``$SWARMSCOPE_USER_AGENT``), checked for contact details."""
    ua = (user_agent or os.environ.get(USER_AGENT_ENV) or "").strip()
    if not ua:
        raise UsageError(
            "Wikimedia requires a User-Agent that says who you are and how to reach you: give "
            "--user-agent 'my-study/1.0 (you@example.org)' or set " + USER_AGENT_ENV)
    if not any(mark in ua for mark in ("@", "://", "User:", "user:")):
        raise UsageError(f"the User-Agent {ua!r} has no contact information (an e-mail "
                         "address, a URL or a User: page), as the Wikimedia policy requires")
    return f"{ua} swarmscope/{__version__} httpx/{httpx.__version__}"


class MediaWikiClient:
    """Serial, retrying, maxlag-aware access to one wiki's Action API (and the REST API)."""

    def __init__(self, api_url: str = DEFAULT_API, *, user_agent: str | None = None,
                 maxlag: int | None = 5, retries: int = 8, lag_retries: int = 60,
                 backoff: float = 1.0, max_backoff: float = 120.0,
                 max_retry_after: float = 900.0, timeout: float = 60.0,
                 rest_url: str = DEFAULT_REST, sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None,
                 platform: str | None = None) -> None:
        self.api_url = api_url
        #: The ``platform`` of what this wiki serves: from the API host unless given (for a
        #: proxy or mirror of a wiki).
        self.platform = platform_for(platform or api_url)
        self.rest_url = rest_url.rstrip("/")
        self.maxlag = maxlag
        self.retries = retries
        self.lag_retries = lag_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self.user_agent = resolve_user_agent(user_agent)
        self._http = httpx.Client(
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip",
                     "Accept": "application/json"},
            timeout=timeout, transport=transport, follow_redirects=True)
        #: HTTP requests sent (retries included), seconds spent waiting, retries made.
        self.requests = 0
        self.waited = 0.0
        self.retried = 0
        self._warned: set[str] = set()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MediaWikiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ Action API
    def get(self, params: Mapping[str, Any]) -> ApiResponse:
        """One Action API request (with retries); raises :class:`WikiApiError` on API errors."""
        full: dict[str, Any] = {"format": "json", "formatversion": "2"}
        if self.maxlag is not None:
            full["maxlag"] = str(self.maxlag)
        full.update({k: v for k, v in params.items() if v is not None})
        resp = self._request(self.api_url, full, api=True)
        assert resp is not None
        return resp

    def query(self, params: Mapping[str, Any],
              start: Mapping[str, Any] | None = None) -> Iterator[ApiResponse]:
        """Responses of a query, following ``continue`` to the end.

        ``start`` is a continuation saved from an earlier :attr:`ApiResponse.next`, to resume.
        """
        cont: dict[str, Any] = dict(start) if start else {"continue": ""}
        while True:
            resp = self.get({**params, **cont})
            yield resp
            nxt = resp.next
            if nxt is None:
                return
            cont = nxt

    # ------------------------------------------------------------------ REST API
    def rest(self, path: str) -> dict[str, Any] | None:
        """GET ``rest_url + path``; ``None`` when the resource does not exist (404)."""
        resp = self._request(self.rest_url + path, None, api=False)
        return None if resp is None else resp.data

    # ------------------------------------------------------------------ retries
    def _request(self, url: str, params: dict[str, Any] | None, api: bool) -> ApiResponse | None:
        attempt = lag_waits = 0
        while True:
            problem, wait = self._attempt(url, params, api, attempt)
            if isinstance(problem, ApiResponse) or problem is None:
                return problem
            if problem.startswith("maxlag"):
                lag_waits += 1
                if lag_waits > self.lag_retries:
                    raise WikiApiError(f"{url}: the wiki stayed lagged through {lag_waits - 1} "
                                       f"waits ({problem}); try again later", code="maxlag")
            else:
                attempt += 1
                if attempt > self.retries:
                    raise WikiApiError(f"{url}: giving up after {attempt} attempts: {problem}")
            self.retried += 1
            log.info("retrying %s in %.1fs: %s", url, wait, problem)
            self._sleep(wait)
            self.waited += wait

    def _attempt(self, url: str, params: dict[str, Any] | None, api: bool,
                 attempt: int) -> tuple[ApiResponse | str | None, float]:
        """One try: the response (or None for a REST 404), or (what went wrong, wait)."""
        backoff = min(self.max_backoff, self.backoff * (2 ** attempt))
        self.requests += 1
        try:
            r = self._http.get(url, params=params)
            body = r.content
        except httpx.TransportError as exc:
            return f"network error: {type(exc).__name__}: {exc}", backoff
        if r.status_code == 429 or r.status_code >= 500:
            return f"HTTP {r.status_code}", max(backoff, self._retry_after(r) or 0.0)
        if r.status_code == 404 and not api:
            return None, 0.0
        if r.status_code >= 400:
            raise WikiApiError(f"{url}: HTTP {r.status_code}: "
                               f"{body[:300].decode('utf-8', 'replace')}")
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return f"truncated or invalid JSON ({len(body)} bytes): {exc}", backoff
        if not isinstance(data, dict):
            return "unexpected JSON (not an object)", backoff
        if api:
            err = data.get("error")
            if isinstance(err, dict):
                code = str(err.get("code", ""))
                info = str(err.get("info", ""))
                if code == "maxlag":
                    wait = self._retry_after(r)
                    if wait is None:
                        lag = err.get("lag")
                        wait = float(lag) if isinstance(lag, int | float) else 5.0
                    return f"maxlag: {info}", min(wait, self.max_retry_after)
                if code.startswith(_RETRYABLE_CODES):
                    return f"API error {code}: {info}", max(backoff, self._retry_after(r) or 0.0)
                raise WikiApiError(f"{url}: API error {code}: {info}", code=code)
            self._log_warnings(data.get("warnings"))
        return ApiResponse(data, body), 0.0

    def _retry_after(self, r: httpx.Response) -> float | None:
        value = r.headers.get("Retry-After")
        if not value:
            return None
        value = value.strip()
        try:
            seconds = float(value)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            seconds = when.timestamp() - time.time()
        return min(self.max_retry_after, max(0.0, seconds))

    def _log_warnings(self, warnings: Any) -> None:
        if not warnings:
            return
        text = orjson.dumps(warnings).decode()[:500]
        if text not in self._warned:
            self._warned.add(text)
            log.warning("API warnings from %s: %s", self.api_url, text)

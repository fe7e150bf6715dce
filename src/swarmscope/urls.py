"""URL normalisation for the ``link`` and ``domain`` behaviours.

Two shares of the same page must map to the same object even when one carries campaign tracking
parameters or a ``www.`` prefix. :func:`normalize_url` lower-cases scheme and host, strips
``www.``, default ports, fragments and tracking parameters (``utm_*``, ``fbclid``, ``gclid``...),
and sorts nothing else: query order can matter to the target site.

Empty or whitespace-only strings are never URLs (coordination-network-toolkit 1.5 treats an empty
URL field as the URL ``""`` and links every post without a link; we return ``None``).

Example::

    >>> normalize_url("HTTPS://WWW.Example.com:443/a?utm_source=x&id=3#top")
    'https://example.com/a?id=3'
    >>> normalize_url("   ") is None
    True
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid",
        "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "wickedid",
        "ref_src", "ref_url", "s_cid", "cmpid", "ncid", "spm", "si", "feature",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_DEFAULT_PORTS = {"http": "80", "https": "443"}

# The common shape of a shared link, which _simple normalises without urllib: an http(s) URL
# whose host is ASCII labels (no user, port or IPv6 address), whose path and fragment are
# printable ASCII, and whose query is key=value pairs of characters that parse_qsl decodes and
# urlencode encodes to themselves (no '%', '+', '=' in a value, empty pair or other character).
# For those, the result is the general path's, byte for byte (tests/test_urls.py compares them
# on random URLs), at a fifth of its cost: ingest normalises every distinct link of a file.
_SIMPLE_RE = re.compile(
    r"(https?)://([a-z0-9-]+(?:\.[a-z0-9-]+)*\.?)"
    r"(/[!-\"$->@-~]*)?"
    r"(?:\?((?:[a-z0-9_.~-]*=[a-z0-9_.~-]*(?:&[a-z0-9_.~-]*=[a-z0-9_.~-]*)*)?))?"
    r"(?:#[!-~]*)?",
    re.IGNORECASE | re.ASCII,
)


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key in TRACKING_PARAMS or key.startswith(_TRACKING_PREFIXES)


def _simple(match: re.Match[str]) -> str | None:
    scheme, host, path, query = match.groups()
    host = host.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if not host:
        return None
    if path == "/":
        path = ""
    if query:
        query = "&".join(p for p in query.split("&") if not _is_tracking(p.partition("=")[0]))
    url = f"{scheme.lower()}://{host}{path or ''}"
    return f"{url}?{query}" if query else url


def normalize_url(url: str | None) -> str | None:
    """Return the canonical form of ``url``, or ``None`` if it is empty or not a URL."""
    if url is None:
        return None
    url = url.strip()
    if not url:
        return None
    if (simple := _SIMPLE_RE.fullmatch(url)) is not None:
        return _simple(simple)
    return _general(url)


def _general(url: str) -> str | None:
    """:func:`normalize_url` of any stripped, non-empty string."""
    if not _SCHEME_RE.match(url):
        if url.startswith("//"):
            url = "http:" + url
        elif "." in url.split("/", 1)[0] and " " not in url:
            # bare "example.com/path" as often found in exports
            url = "http://" + url
        else:
            return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return None
    if host.startswith("www."):
        host = host[4:]
    netloc = host
    if port is not None and _DEFAULT_PORTS.get(scheme) != str(port):
        netloc = f"{host}:{port}"
    query = ""
    if parts.query:
        kept = [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _is_tracking(k)
        ]
        query = urlencode(kept, doseq=True)
    path = parts.path or ""
    if path == "/":
        path = ""
    return urlunsplit((scheme, netloc, path, query, ""))


def domain_of(url: str | None) -> str | None:
    """Registered host of a normalised URL (``www.`` already stripped), or ``None``."""
    norm = normalize_url(url)
    if norm is None:
        return None
    return urlsplit(norm).hostname

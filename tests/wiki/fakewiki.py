"""A local stand-in for a MediaWiki Action API and the Wikimedia REST API, for tests.

It serves revision records shaped like the real API's (``formatversion=2``), built from real
data (page histories of the shared XML samples, the shared ``list=usercontribs`` records, the
fixtures in ``tests/data/wiki/``), paginated the way MediaWiki paginates (``rvcontinue``
``"<timestamp>|<revid>"``, ``uccontinue``, ``cmcontinue``) with a small page size so every
collection crosses many continuations. It checks the client's etiquette (User-Agent, serial
requests, ``maxlag``, ``formatversion=2``) and injects faults by request number.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from lxml import etree

#: fault name -> what the server does instead of answering normally
FAULTS = ("429", "503", "maxlag", "drop", "truncate", "short")


def xml_histories(path: Path) -> dict[str, dict[str, Any]]:
    """Page histories of an XML export as API page objects (revisions with content, fv2)."""
    pages: dict[str, dict[str, Any]] = {}
    for _ev, page in etree.iterparse(str(path), tag="{*}page"):
        ns = page.findtext("{*}ns")
        title = page.findtext("{*}title")
        info = {"pageid": int(page.findtext("{*}id")),
                "ns": int(ns) if ns is not None else (1 if title.startswith("Talk:") else 0),
                "title": title, "revisions": []}
        prev = 0
        for rev in page.iterfind("{*}revision"):
            text = rev.findtext("{*}text") or ""
            contributor = rev.find("{*}contributor")
            ip = contributor.findtext("{*}ip")
            parent = rev.findtext("{*}parentid")
            r: dict[str, Any] = {
                "revid": int(rev.findtext("{*}id")),
                "parentid": int(parent) if parent else prev,
                "minor": rev.find("{*}minor") is not None,
                "user": ip or contributor.findtext("{*}username"),
                "userid": 0 if ip else int(contributor.findtext("{*}id")),
                "timestamp": rev.findtext("{*}timestamp"),
                "size": len(text.encode()),
                "sha1": hashlib.sha1(text.encode()).hexdigest(),
                "comment": rev.findtext("{*}comment") or "",
                "tags": [],
                "slots": {"main": {"contentmodel": "wikitext", "contentformat": "text/x-wiki",
                                   "content": text}},
            }
            if ip:
                r["anon"] = True
            prev = r["revid"]
            info["revisions"].append(r)
        pages[title] = info
        page.clear()
    return pages


def contributions_as_revisions(contribs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Full revision records for real usercontribs records (the lookup by revid returns these).

    The SHA-1 is derived from the record (the contributions list has none): stable, not real.
    """
    out = []
    for c in contribs:
        r = {k: c[k] for k in ("revid", "parentid", "user", "userid", "timestamp", "size",
                               "comment") if k in c}
        r["minor"] = "minor" in c
        r["tags"] = []
        r["sha1"] = hashlib.sha1(f"{c['pageid']}:{c['size']}".encode()).hexdigest()
        r["_page"] = {"pageid": c["pageid"], "ns": c["ns"], "title": c["title"]}
        out.append(r)
    return out


def _fv2_contrib(c: dict[str, Any]) -> dict[str, Any]:
    # The shared records are formatversion 1 (flags as ""): answer as formatversion 2.
    out = dict(c)
    for flag in ("minor", "new", "top"):
        out[flag] = flag in c
    return out


class FakeWiki:
    """The fake wiki and its HTTP server (use as a context manager)."""

    def __init__(self, pages: dict[str, dict[str, Any]] | None = None,
                 contributions: dict[str, list[dict[str, Any]]] | None = None,
                 categories: dict[str, list[str]] | None = None,
                 accounts: dict[str, dict[str, Any]] | None = None,
                 pageviews: dict[str, list[dict[str, Any]]] | None = None,
                 page_size: int = 2) -> None:
        self.pages = pages or {}
        self.contributions = contributions or {}
        self.categories = categories or {}
        self.accounts = accounts or {}
        self.pageviews = pageviews or {}
        self.page_size = page_size
        self.revisions_by_id: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
        for page in self.pages.values():
            for rev in page["revisions"]:
                self.revisions_by_id[rev["revid"]] = (page, rev)
        for contribs in self.contributions.values():
            for rev in contributions_as_revisions(contribs):
                info = rev.pop("_page")
                self.revisions_by_id.setdefault(rev["revid"], (info, rev))
        #: request number (1-based) -> fault name
        self.faults: dict[int, str] = {}
        self.retry_after = "0"
        #: set when request number ``hold_at`` arrives; that request is never answered
        self.hold_at: int | None = None
        self.held = threading.Event()
        self._released = threading.Event()
        self.requests: list[dict[str, Any]] = []
        self.violations: list[str] = []
        self._lock = threading.Lock()
        self._in_flight = 0

    # ------------------------------------------------------------------ server
    def __enter__(self) -> FakeWiki:
        wiki = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                wiki._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,),
                                       daemon=True)
        self.thread.start()
        host, port = self.server.server_address[:2]
        self.base = f"http://{host}:{port}"
        self.api = f"{self.base}/w/api.php"
        self.rest = f"{self.base}/api/rest_v1"
        return self

    def release(self) -> None:
        """Let the held request end (unanswered) and wait until no request is in flight."""
        self._released.set()
        deadline = time.monotonic() + 10
        while self._in_flight and time.monotonic() < deadline:
            time.sleep(0.01)

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self._in_flight += 1
            if self._in_flight > 1:
                self.violations.append("concurrent requests")
            n = len(self.requests) + 1
            url = urlsplit(h.path)
            params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            self.requests.append({"n": n, "path": url.path, "params": params,
                                  "headers": dict(h.headers)})
        try:
            ua = h.headers.get("User-Agent", "")
            if "@" not in ua and "://" not in ua:
                self.violations.append(f"User-Agent without contact: {ua!r}")
            if n == self.hold_at:
                self.held.set()
                self._released.wait(60)  # the test kills the client meanwhile
                return
            fault = self.faults.get(n)
            if fault == "drop":
                h.connection.shutdown(socket.SHUT_RDWR)
                h.close_connection = True
                return
            if fault in ("429", "503"):
                self._send(h, int(fault), b"busy", {"Retry-After": self.retry_after})
                return
            if url.path.endswith("/api.php"):
                if params.get("formatversion") != "2" or params.get("format") != "json":
                    self.violations.append(f"request {n} without format=json&formatversion=2")
                if params.get("maxlag") is None:
                    self.violations.append(f"request {n} without maxlag")
                if fault == "maxlag":
                    body = {"error": {"code": "maxlag", "info": "Waiting for 10.64.0.1: 7 "
                                      "seconds lagged.", "host": "10.64.0.1", "lag": 7,
                                      "type": "db"}, "servedby": "mw1000"}
                    self._send(h, 200, json.dumps(body).encode(),
                               {"Retry-After": self.retry_after, "X-Database-Lag": "7"})
                    return
                status, body = self._api(params)
            elif "/metrics/pageviews/per-article/" in url.path:
                status, body = self._pageviews(url.path)
            else:
                status, body = 404, {"error": "no such endpoint"}
            raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
            if fault == "truncate":
                raw = raw[: len(raw) // 2]
            if fault == "short":
                self._send(h, status, raw, {}, claim=len(raw) + 100)
                return
            self._send(h, status, raw, {}, gz="gzip" in h.headers.get("Accept-Encoding", ""))
        finally:
            with self._lock:
                self._in_flight -= 1

    def _send(self, h: BaseHTTPRequestHandler, status: int, raw: bytes,
              headers: dict[str, str], gz: bool = False, claim: int | None = None) -> None:
        if gz:
            raw = gzip.compress(raw)
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        if gz:
            h.send_header("Content-Encoding", "gzip")
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(claim if claim is not None else len(raw)))
        h.end_headers()
        h.wfile.write(raw)
        if claim is not None:
            h.wfile.flush()
            h.connection.shutdown(socket.SHUT_RDWR)
            h.close_connection = True

    # ------------------------------------------------------------------ Action API
    def _api(self, p: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if p.get("action") != "query":
            return 200, {"error": {"code": "badvalue", "info": "Unrecognized action."}}
        if p.get("prop") == "revisions" and "titles" in p:
            return 200, self._page_revisions(p)
        if p.get("prop") == "revisions" and "revids" in p:
            return 200, self._revisions_by_id(p)
        if p.get("list") == "usercontribs":
            return 200, self._usercontribs(p)
        if p.get("list") == "categorymembers":
            return 200, self._categorymembers(p)
        if p.get("list") == "users":
            return 200, self._users(p)
        return 200, {"error": {"code": "badvalue", "info": f"unsupported query {p}"}}

    def _shape(self, rev: dict[str, Any], p: dict[str, str]) -> dict[str, Any]:
        props = set(p.get("rvprop", "ids|timestamp|flags|comment|user").split("|"))
        out = {k: v for k, v in rev.items() if k != "slots"}
        if "sha1" not in props:
            out.pop("sha1", None)
        if "content" in props and "slots" in rev:
            out["slots"] = rev["slots"]
        return out

    def _limit(self, p: dict[str, str], key: str) -> int:
        v = p.get(key, "10")
        return self.page_size if v == "max" else min(int(v), self.page_size)

    def _page_revisions(self, p: dict[str, str]) -> dict[str, Any]:
        title = p["titles"]
        page = self.pages.get(title)
        if page is None:
            return {"batchcomplete": True, "query": {"pages": [
                {"ns": 0, "title": title, "missing": True}]}}
        revs = sorted(page["revisions"], key=lambda r: (r["timestamp"], r["revid"]))
        if p.get("rvstart"):
            revs = [r for r in revs if r["timestamp"] >= p["rvstart"]]
        if p.get("rvend"):
            revs = [r for r in revs if r["timestamp"] <= p["rvend"]]
        if p.get("rvcontinue"):
            ts, revid = p["rvcontinue"].split("|")
            revs = [r for r in revs if (r["timestamp"], r["revid"]) >= (ts, int(revid))]
        limit = self._limit(p, "rvlimit")
        batch, rest = revs[:limit], revs[limit:]
        out: dict[str, Any] = {}
        if rest:
            out["continue"] = {"rvcontinue": f"{rest[0]['timestamp']}|{rest[0]['revid']}",
                               "continue": "||"}
        else:
            out["batchcomplete"] = True
        info = {k: page[k] for k in ("pageid", "ns", "title")}
        out["query"] = {"pages": [{**info, "revisions": [self._shape(r, p) for r in batch]}]}
        return out

    def _revisions_by_id(self, p: dict[str, str]) -> dict[str, Any]:
        pages: dict[int, dict[str, Any]] = {}
        bad = []
        for rid in p["revids"].split("|"):
            found = self.revisions_by_id.get(int(rid))
            if found is None:
                bad.append({"revid": int(rid), "missing": True})
                continue
            page, rev = found
            entry = pages.setdefault(page["pageid"], {k: page[k] for k in ("pageid", "ns",
                                                                           "title")})
            entry.setdefault("revisions", []).append(self._shape(rev, p))
        out: dict[str, Any] = {"batchcomplete": True, "query": {"pages": list(pages.values())}}
        if bad:
            out["query"]["badrevids"] = bad
        return out

    def _usercontribs(self, p: dict[str, str]) -> dict[str, Any]:
        user = p["ucuser"]
        if user.startswith("Invalid<"):
            return {"error": {"code": "baduser_ucuser", "info": "Invalid value for ucuser."}}
        contribs = sorted(self.contributions.get(user, []),
                          key=lambda c: (c["timestamp"], c["revid"]))
        if p.get("uccontinue"):
            ts, revid = p["uccontinue"].split("|")
            contribs = [c for c in contribs if (c["timestamp"], c["revid"]) >= (ts, int(revid))]
        limit = self._limit(p, "uclimit")
        batch, rest = contribs[:limit], contribs[limit:]
        out: dict[str, Any] = {}
        if rest:
            out["continue"] = {"uccontinue": f"{rest[0]['timestamp']}|{rest[0]['revid']}",
                               "continue": "-||"}
        else:
            out["batchcomplete"] = True
        out["query"] = {"usercontribs": [_fv2_contrib(c) for c in batch]}
        return out

    def _categorymembers(self, p: dict[str, str]) -> dict[str, Any]:
        members = self.categories.get(p["cmtitle"], [])
        start = int(p.get("cmcontinue", "page|0").split("|")[1])
        limit = self._limit(p, "cmlimit")
        batch = members[start:start + limit]
        out: dict[str, Any] = {}
        if start + limit < len(members):
            out["continue"] = {"cmcontinue": f"page|{start + limit}", "continue": "-||"}
        else:
            out["batchcomplete"] = True
        items = []
        for t in batch:
            sub = t.startswith("Category:")
            items.append({"pageid": abs(hash(t)) % 10**8, "ns": 14 if sub else 0, "title": t,
                          "type": "subcat" if sub else "page"})
        out["query"] = {"categorymembers": items}
        return out

    def _users(self, p: dict[str, str]) -> dict[str, Any]:
        users = []
        for name in p["ususers"].split("|"):
            if name in self.accounts:
                users.append({"name": name, **self.accounts[name]})
            elif name.replace(".", "").isdigit():
                users.append({"name": name, "invalid": True})
            else:
                users.append({"name": name, "missing": True})
        return {"batchcomplete": True, "query": {"users": users}}

    # ------------------------------------------------------------------ REST
    def _pageviews(self, path: str) -> tuple[int, dict[str, Any]]:
        parts = path.split("/metrics/pageviews/per-article/")[1].split("/")
        project, access, agent, article, _gran, start, end = parts
        title = unquote(article).replace("_", " ")
        items = [i for i in self.pageviews.get(title, [])
                 if start <= i["timestamp"] <= end]
        if not items:
            return 404, {"type": "https://mediawiki.org/wiki/HyperSwitch/errors/not_found",
                         "title": "Not found.", "method": "get", "uri": path}
        return 200, {"items": [{"project": project.split(".org")[0], "article": article,
                                "granularity": "daily", "access": access, "agent": agent,
                                **i} for i in items]}

    # ------------------------------------------------------------------ expectations
    def revids_of_page(self, title: str) -> list[int]:
        return [r["revid"] for r in sorted(self.pages[title]["revisions"],
                                           key=lambda r: (r["timestamp"], r["revid"]))]

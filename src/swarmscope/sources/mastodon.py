"""Mastodon statuses as the Mastodon API returns them (``--format mastodon``).

Input: Status entities (https://docs.joinmastodon.org/entities/Status/) as one JSON array (a
saved API response: timelines, ``/api/v1/accounts/:id/statuses``, search results) or as JSON
lines, one status per line. Other servers that speak the Mastodon API (Pleroma, Akkoma,
GoToSocial...) give the same shape. Mapping (``docs/formats/mastodon.md`` has the full table):

- ``action_id`` = ``uri``, the status's ActivityPub id: the same on every server, so one status
  collected through two instances is one action, and a boost's ``reblog.uri`` names it. (``id``
  is local to the server that answered, and is kept in ``extra.id``.)
- ``account`` = the author's ``acct`` made global: ``acct`` is relative to the answering server
  (``alice`` for its own users, ``alice@other.social`` for remote ones), so a local ``acct`` gets
  ``@<host of account.url>``. ``account_id`` = the actor URI (``account.uri``, else
  ``account.url``), which is global too.
- a boost (``reblog`` is a status) is a ``repost`` by the booster with ``repost_of`` =
  ``reblog.uri`` and no text of its own; a status with ``in_reply_to_id`` is a ``reply`` with
  ``parent_id`` = ``in_reply_to_id`` (the parent's id *on the answering server*: the API gives
  no parent URI); a quote post (Mastodon 4.4+ ``quote.quoted_status``) is a ``quote`` with
  ``repost_of`` = the quoted URI; anything else a ``post``.
- ``text`` = ``content`` as plain text (:mod:`swarmscope.sources.html_text`); ``urls`` = the
  content's links that are not mentions or hashtags, then ``card.url``; ``hashtags`` =
  ``tags[].name``; ``mentions`` = ``mentions[].acct`` made global like ``account``.

Example::

    >>> row = status_action({"id": "1", "uri": "https://a.social/users/ann/statuses/1",
    ...     "created_at": "2024-05-01T10:00:00.000Z", "content": "<p>hi &amp; bye</p>",
    ...     "account": {"id": "9", "acct": "ann", "url": "https://a.social/@ann"}})
    >>> row["account"], row["kind"], row["text"]
    ('ann@a.social', 'post', 'hi & bye')
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa

from .action_rows import action_batches
from .base import ReadContext, Source
from .html_text import ContentTooDeep, html_to_text
from .json_records import JsonRecords, RecordError, first_record, record_lines

#: Status fields kept in ``extra`` when present and not empty.
STATUS_EXTRA = ("id", "url", "visibility", "language", "spoiler_text", "sensitive",
                "in_reply_to_account_id", "edited_at", "replies_count", "reblogs_count",
                "favourites_count")
#: Account fields kept in ``extra`` as ``account_<name>`` (account age and automation flags
#: matter when judging a cluster of accounts).
ACCOUNT_EXTRA = ("id", "username", "display_name", "created_at", "bot", "group", "locked",
                 "followers_count", "following_count", "statuses_count")

_ACCOUNT_EXTRA_NAMES = tuple(
    (k, "account_local_id" if k == "id" else f"account_{k}") for k in ACCOUNT_EXTRA)


class MastodonSource(Source):
    """Mastodon API statuses: a JSON array or JSON lines."""

    name = "mastodon"
    platform = "mastodon"
    description = "Mastodon API statuses (JSON array or JSON lines)"
    extensions = (".json", ".jsonl")

    _LABELS = {
        "action_id": "uri", "account": "account.acct", "account_id": "account.uri",
        "ts": "created_at", "text": "content", "parent_id": "in_reply_to_id",
        "repost_of": "reblog.uri",
    }

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        obj = first_record(head)
        return (isinstance(obj, dict) and isinstance(obj.get("uri"), str)
                and "created_at" in obj and isinstance(obj.get("account"), dict)
                and "acct" in obj["account"] and ("content" in obj or "reblog" in obj))

    def field_label(self, column: str) -> str:
        return self._LABELS.get(column, column)

    def read(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        with JsonRecords(ctx) as records:
            self._layout = records.layout
            yield from action_batches(ctx, records, status_action)

    def locate_lines(self, ctx: ReadContext, records: list[int]) -> dict[int, int]:
        return record_lines(getattr(self, "_layout", None), records)


def status_action(status: dict[str, Any]) -> dict[str, Any]:
    """The action of one Status entity, as RowBatcher values (raises RecordError)."""
    uri = status.get("uri")
    if not isinstance(uri, str) or not uri.strip():
        raise RecordError("uri", "missing uri", uri)
    account = status.get("account")
    if not isinstance(account, dict):
        raise RecordError("account", "missing account object", account)
    acct = global_acct(account, uri, "account")
    extra = {k: v for k in STATUS_EXTRA if (v := status.get(k)) is not None and v != ""}
    # The account's local id is not the account_id column (the actor URI).
    extra.update({name: v for k, name in _ACCOUNT_EXTRA_NAMES
                  if (v := account.get(k)) is not None and v != ""})
    app = status.get("application")
    if isinstance(app, dict) and app.get("name"):
        extra["application"] = app["name"]
    media = status.get("media_attachments")
    if isinstance(media, list) and media:
        extra["media_types"] = [m.get("type") for m in media if isinstance(m, dict)]
    row: dict[str, Any] = {
        "platform": "mastodon", "action_id": uri, "account": acct,
        "account_id": _text(account.get("uri")) or _text(account.get("url")),
        "ts": status.get("created_at"), "extra": extra,
    }
    reblog = status.get("reblog")
    if reblog is not None:
        if not isinstance(reblog, dict) or not _text(reblog.get("uri")):
            raise RecordError("reblog.uri", "a boost needs the boosted status's uri", reblog)
        row.update(kind="repost", repost_of=reblog["uri"])
        author = reblog.get("account")
        if isinstance(author, dict):
            try:
                extra["reblog_account"] = global_acct(author, reblog["uri"], "reblog.account")
            except RecordError:
                pass  # the booster's action stands without knowing the original's author
        if reblog.get("url"):
            extra["reblog_url"] = reblog["url"]
        return row
    content = status.get("content")
    if content is None:
        content = ""
    if not isinstance(content, str):
        raise RecordError("content", "content must be a string (HTML)", content)
    try:
        text, links = html_to_text(content)
    except ContentTooDeep as exc:
        raise RecordError("content", str(exc), content[:200]) from exc
    card = status.get("card")
    if isinstance(card, dict) and _text(card.get("url")):
        links.append(card["url"])
    tags = status.get("tags") or []
    mentions = status.get("mentions") or []
    if not isinstance(tags, list):
        raise RecordError("tags", "tags must be an array", tags)
    if not isinstance(mentions, list):
        raise RecordError("mentions", "mentions must be an array", mentions)
    parent = status.get("in_reply_to_id")
    quoted, quote_extra = _quote(status.get("quote"))
    extra.update(quote_extra)
    row.update(
        kind="reply" if parent is not None else "quote" if quote_extra else "post",
        parent_id=None if parent is None else str(parent), repost_of=quoted,
        text=text or None, urls=list(dict.fromkeys(links)),
        hashtags=[t["name"] for t in tags if isinstance(t, dict) and _text(t.get("name"))],
        mentions=[global_acct(m, None, "mentions[]") for m in mentions
                  if isinstance(m, dict)],
    )
    return row


def global_acct(account: dict[str, Any], fallback_url: str | None, where: str) -> str:
    """``acct`` with the server it lives on: ``alice`` -> ``alice@<host of account.url>``
    (else of ``fallback_url``, the status's uri), ``alice@Other.Social`` ->
    ``alice@other.social``. ``where`` names the account object in errors (``account``,
    ``mentions[]``)."""
    acct = account.get("acct")
    if not isinstance(acct, str) or not acct.strip("@ "):
        raise RecordError(f"{where}.acct", "missing acct", acct)
    acct = acct.lstrip("@")
    if "@" in acct:
        user, _, host = acct.partition("@")
        return f"{user}@{host.lower()}"
    host = _host(account.get("url")) or _host(fallback_url)
    if not host:
        raise RecordError(f"{where}.url", f"cannot tell the server of local account {acct!r}",
                          account.get("url"))
    return f"{acct}@{host}"


def _quote(quote: Any) -> tuple[str | None, dict[str, Any]]:
    """``(quoted uri, extra)`` of a Mastodon 4.4+ ``quote`` (Quote or ShallowQuote)."""
    if not isinstance(quote, dict):
        return None, {}
    extra: dict[str, Any] = {"quote_state": quote.get("state")}
    quoted = quote.get("quoted_status")
    if isinstance(quoted, dict) and _text(quoted.get("uri")):
        return quoted["uri"], extra
    if quote.get("quoted_status_id") is not None:
        extra["quoted_status_id"] = str(quote["quoted_status_id"])  # local id: no uri given
    return None, extra


def _host(url: Any) -> str | None:
    """Lower-case host of an absolute URL, or None."""
    if not isinstance(url, str) or "://" not in url:
        return None
    return _host_of(url.split("/", 3)[2] if url.count("/") >= 2 else "")


@lru_cache(maxsize=65536)
def _host_of(netloc: str) -> str | None:
    # The authority part only, cached: statuses of one account repeat it.
    try:
        host = urlsplit(f"//{netloc}").hostname
    except ValueError:
        return None
    return host.lower() if host else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None

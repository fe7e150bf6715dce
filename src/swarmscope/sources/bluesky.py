"""Bluesky posts, reposts and likes from Jetstream JSON lines (``--format bluesky``).

Jetstream (https://github.com/bluesky-social/jetstream) relays the AT Protocol firehose as one
JSON event per line: ``{"did", "time_us", "kind": "commit", "commit": {"operation",
"collection", "rkey", "record", "cid"}}``, plus ``identity`` and ``account`` events. Each
``create`` commit of ``app.bsky.feed.post``, ``app.bsky.feed.repost`` or ``app.bsky.feed.like`` is
one action (``docs/formats/bluesky.md`` has the full table):

- ``action_id`` = ``at://<did>/<collection>/<rkey>``, the record's AT URI, which is what other
  records point to (replies, quotes, reposts and likes name their subject by AT URI);
- ``account`` = ``account_id`` = the ``did``: commits carry no handle (handles change and live in
  ``identity`` events), and the DID is the one stable name of an account;
- ``ts`` = ``time_us``, when the relay saw the commit. A record's own ``createdAt`` is written by
  the client and can be anything (back-dated posts are a known Bluesky quirk), which would let a
  coordinated group hide its synchrony or fake someone else's; it is kept in
  ``extra.created_at``. For a live stream the two differ by well under a second;
- a post is a ``reply`` (``parent_id`` = ``reply.parent.uri``), else a ``quote`` when it embeds a
  record (``app.bsky.embed.record`` or ``recordWithMedia``: ``repost_of`` = the embedded URI),
  else a ``post``; a reply that quotes keeps both ``parent_id`` and ``repost_of``;
- a repost is a ``repost`` and a like a ``like``, both with ``repost_of`` = ``subject.uri``;
- ``urls`` = link facets and an external embed's URI; ``hashtags`` = tag facets and the
  record's ``tags``; ``mentions`` = the DIDs of mention facets (handles are not in the record).

Not actions, counted and reported as a warning (:mod:`swarmscope.sources.not_actions`), never
silently dropped: ``delete`` and ``update`` commits, commits of other collections (follows,
blocks, profiles, lists...), ``identity`` and ``account`` events.

Example::

    >>> row = jetstream_action({"did": "did:plc:a", "time_us": 1725911162329308, "kind": "commit",
    ...     "commit": {"operation": "create", "collection": "app.bsky.feed.repost", "rkey": "3k",
    ...                "record": {"subject": {"uri": "at://did:plc:b/app.bsky.feed.post/3j"}}}})
    >>> row["action_id"], row["kind"], row["repost_of"]
    ('at://did:plc:a/app.bsky.feed.repost/3k', 'repost', 'at://did:plc:b/app.bsky.feed.post/3j')
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from .action_rows import action_batches
from .base import ReadContext, Source
from .json_records import JsonRecords, RecordError, first_json_line, record_lines
from .not_actions import NotActions, NotAnAction

POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
LIKE = "app.bsky.feed.like"

_LINK = "app.bsky.richtext.facet#link"
_TAG = "app.bsky.richtext.facet#tag"
_MENTION = "app.bsky.richtext.facet#mention"
_EXTERNAL = "app.bsky.embed.external"
_RECORD = "app.bsky.embed.record"
_RECORD_WITH_MEDIA = "app.bsky.embed.recordWithMedia"

_EVENT_KINDS = ("commit", "identity", "account")


class BlueskySource(Source):
    """Bluesky Jetstream events (JSON lines)."""

    name = "bluesky"
    platform = "bluesky"
    description = "Bluesky Jetstream events (JSON lines): posts, reposts, likes"
    extensions = (".jsonl", ".ndjson")

    _LABELS = {
        "action_id": "commit.rkey", "account": "did", "account_id": "did", "ts": "time_us",
        "text": "commit.record.text", "parent_id": "commit.record.reply.parent.uri",
        "repost_of": "commit.record.subject.uri",
    }

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        obj = first_json_line(head)
        return (obj is not None and isinstance(obj.get("did"), str)
                and obj["did"].startswith("did:") and "time_us" in obj
                and obj.get("kind") in _EVENT_KINDS)

    def field_label(self, column: str) -> str:
        return self._LABELS.get(column, column)

    def locate_lines(self, ctx: ReadContext, records: list[int]) -> dict[int, int]:
        return record_lines(getattr(self, "_layout", None), records)

    def read(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        skipped = NotActions()
        with JsonRecords(ctx) as records:
            self._layout = records.layout
            yield from action_batches(ctx, records, jetstream_action, skipped=skipped)
        skipped.report(ctx)


def jetstream_action(event: dict[str, Any]) -> dict[str, Any]:
    """The action of one Jetstream event, as RowBatcher values.

    Raises :class:`NotAnAction` for events that are not actions and
    :class:`~swarmscope.sources.json_records.RecordError` for malformed ones.
    """
    did = event.get("did")
    if not isinstance(did, str) or not did.startswith("did:"):
        raise RecordError("did", "missing or malformed did (did:...)", did)
    kind = event.get("kind")
    if kind in ("identity", "account"):
        raise NotAnAction(f"{kind} events")
    if kind != "commit":
        if isinstance(kind, str) and kind:
            raise NotAnAction(f"'{kind}' events")
        raise RecordError("kind", "missing event kind", kind)
    time_us = event.get("time_us")
    if isinstance(time_us, bool) or not isinstance(time_us, int | str):
        raise RecordError("time_us", "time_us must be an integer (microseconds)", time_us)
    commit = event.get("commit")
    if not isinstance(commit, dict):
        raise RecordError("commit", "a commit event needs a commit object", commit)
    operation = commit.get("operation")
    collection = commit.get("collection")
    if not isinstance(collection, str) or not collection:
        raise RecordError("commit.collection", "missing collection", collection)
    if operation != "create":
        if operation in ("delete", "update"):
            raise NotAnAction(f"{operation} commits")
        raise RecordError("commit.operation", "operation must be create, update or delete",
                          operation)
    if collection not in (POST, REPOST, LIKE):
        raise NotAnAction(f"{collection} records")
    rkey = commit.get("rkey")
    if not isinstance(rkey, str) or not rkey:
        raise RecordError("commit.rkey", "missing rkey", rkey)
    record = commit.get("record")
    if not isinstance(record, dict):
        raise RecordError("commit.record", "a create commit needs a record object", record)
    extra: dict[str, Any] = {}
    created_at = record.get("createdAt")
    if created_at is not None:
        extra["created_at"] = created_at
    if commit.get("cid") is not None:
        extra["cid"] = commit["cid"]
    row: dict[str, Any] = {
        "platform": "bluesky", "action_id": f"at://{did}/{collection}/{rkey}",
        "account": did, "account_id": did, "ts": str(time_us), "extra": extra,
    }
    if collection == POST:
        _post(record, row, extra)
    else:
        subject = record.get("subject")
        uri = subject.get("uri") if isinstance(subject, dict) else None
        if not isinstance(uri, str) or not uri:
            raise RecordError("commit.record.subject.uri", "missing subject uri", subject)
        row["kind"] = "repost" if collection == REPOST else "like"
        row["repost_of"] = uri
        via = record.get("via")
        if isinstance(via, dict) and via.get("uri"):
            extra["via"] = via["uri"]
    return row


def _post(record: dict[str, Any], row: dict[str, Any], extra: dict[str, Any]) -> None:
    text = record.get("text")
    if text is not None and not isinstance(text, str):
        raise RecordError("commit.record.text", "text must be a string", text)
    urls: list[str] = []
    hashtags: list[str] = []
    mentions: list[str] = []
    facets = record.get("facets") or []
    if not isinstance(facets, list):
        raise RecordError("commit.record.facets", "facets must be an array", facets)
    for facet in facets:
        features = facet.get("features") if isinstance(facet, dict) else None
        for feature in features if isinstance(features, list) else []:
            if not isinstance(feature, dict):
                continue
            ftype = feature.get("$type")
            if ftype == _LINK and isinstance(feature.get("uri"), str):
                urls.append(feature["uri"])
            elif ftype == _TAG and isinstance(feature.get("tag"), str):
                hashtags.append(feature["tag"].removeprefix("#"))
            elif ftype == _MENTION and isinstance(feature.get("did"), str):
                mentions.append(feature["did"])
    tags = record.get("tags")
    if isinstance(tags, list):
        hashtags.extend(t.removeprefix("#") for t in tags if isinstance(t, str))
    parent = None
    reply = record.get("reply")
    if reply is not None:
        parent_ref = reply.get("parent") if isinstance(reply, dict) else None
        parent = parent_ref.get("uri") if isinstance(parent_ref, dict) else None
        if not isinstance(parent, str) or not parent:
            raise RecordError("commit.record.reply.parent.uri", "a reply needs its parent's uri",
                              reply)
        root = reply.get("root")
        if isinstance(root, dict) and root.get("uri"):
            extra["reply_root"] = root["uri"]
    quoted = None
    embed = record.get("embed")
    if isinstance(embed, dict):
        etype = embed.get("$type")
        if isinstance(etype, str):
            extra["embed"] = etype
        quoted = _quoted_uri(embed)
        external = _external_uri(embed)
        if external:
            urls.append(external)
    langs = record.get("langs")
    if langs:
        extra["langs"] = langs
    labels = record.get("labels")
    if isinstance(labels, dict) and isinstance(labels.get("values"), list):
        extra["labels"] = [v.get("val") for v in labels["values"] if isinstance(v, dict)]
    row.update(
        kind="reply" if parent else "quote" if quoted else "post",
        parent_id=parent, repost_of=quoted, text=text,
        urls=list(dict.fromkeys(urls)), hashtags=list(dict.fromkeys(hashtags)),
        mentions=list(dict.fromkeys(mentions)),
    )


def _quoted_uri(embed: dict[str, Any]) -> str | None:
    etype = embed.get("$type")
    ref = embed.get("record")
    if etype == _RECORD_WITH_MEDIA and isinstance(ref, dict):
        ref = ref.get("record")  # recordWithMedia: {"record": {"record": {uri, cid}}, "media"}
    elif etype != _RECORD:
        return None
    uri = ref.get("uri") if isinstance(ref, dict) else None
    return uri if isinstance(uri, str) and uri else None


def _external_uri(embed: dict[str, Any]) -> str | None:
    if embed.get("$type") == _RECORD_WITH_MEDIA:
        embed = embed.get("media") if isinstance(embed.get("media"), dict) else {}
    if embed.get("$type") != _EXTERNAL:
        return None
    external = embed.get("external")
    uri = external.get("uri") if isinstance(external, dict) else None
    return uri if isinstance(uri, str) and uri else None

"""YouTube Data API v3 comments (``--format youtube``).

Reads saved responses of ``commentThreads.list`` (``{"kind":
"youtube#commentThreadListResponse", "items": [commentThread, ...]}``; each thread has
``snippet.topLevelComment`` and up to five ``replies.comments``) and of ``comments.list``
(``youtube#commentListResponse``, e.g. all replies of a thread by ``parentId``), as JSON lines
(one response per line) or as one JSON document (a response, or an array of responses); a line
may also hold a single ``youtube#commentThread`` or ``youtube#comment`` resource. Fields are
described in Google's reference for the ``commentThreads`` and ``comments`` resources.

Mapping (``docs/formats/youtube.md``): a top-level comment is a ``comment`` whose ``parent_id`` is
the video id; a reply is a ``reply`` whose ``parent_id`` is the comment it answers
(``snippet.parentId``). ``account`` = ``authorDisplayName`` (the ``@handle`` on current data),
``account_id`` = ``authorChannelId.value``, ``ts`` = ``publishedAt``, ``text`` =
``textOriginal`` (or ``textDisplay``, which is HTML, when the API withheld the original).
``urls``, ``hashtags`` and ``mentions`` are taken from the text
(:mod:`swarmscope.sources.text_entities`). ``extra`` keeps ``videoId``, ``channelId``,
``likeCount``, ``updatedAt``, ``totalReplyCount`` and similar counts and flags.

Example::

    >>> import swarmscope, tempfile, pathlib, json
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> top = {"kind": "youtube#comment", "id": "Ug1", "snippet": {"videoId": "v1",
    ...        "textOriginal": "first #tag", "authorDisplayName": "@ann",
    ...        "authorChannelId": {"value": "UCann"}, "publishedAt": "2024-01-02T03:04:05Z"}}
    >>> page = {"kind": "youtube#commentThreadListResponse", "items": [{"kind":
    ...         "youtube#commentThread", "id": "Ug1", "snippet": {"topLevelComment": top}}]}
    >>> _ = (d / "c.jsonl").write_text(json.dumps(page) + "\\n")
    >>> case = swarmscope.Case.init(d / "case")
    >>> swarmscope.ingest(case, [d / "c.jsonl"], format="youtube").added
    1
    >>> case.read("actions").select(["account", "kind", "parent_id", "hashtags"]).to_pylist()
    [{'account': '@ann', 'kind': 'comment', 'parent_id': 'v1', 'hashtags': ['tag']}]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from .base import ReadContext, RowBatcher, Source
from .fixed_layout import refuse_mapping
from .json_records import JsonRecords, batches_of_records, record_lines
from .text_entities import with_text_entities

#: Snippet fields kept in ``extra`` when present.
EXTRA_FIELDS = ("videoId", "channelId", "likeCount", "updatedAt", "authorChannelUrl",
                "canRate", "viewerRating", "moderationStatus")
THREAD_EXTRA_FIELDS = ("totalReplyCount", "canReply", "isPublic")
_DATE_RE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


class YouTubeSource(Source):
    """YouTube Data API commentThreads / comments list responses."""

    name = "youtube"
    platform = "youtube"
    description = "YouTube Data API commentThreads.list / comments.list responses (JSON)"
    extensions = (".json", ".jsonl")

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        return any(k in head for k in (b'"youtube#commentThreadListResponse"',
                                       b'"youtube#commentListResponse"',
                                       b'"youtube#commentThread"'))

    def field_label(self, column: str) -> str:
        return {"ts": "publishedAt", "account": "authorDisplayName", "action_id": "id",
                "text": "textOriginal"}.get(column, column)

    def locate_lines(self, ctx: ReadContext, records: list[int]) -> dict[int, int]:
        return record_lines(getattr(self, "_layout", None), records)

    def read(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        refuse_mapping(self.name, self.options)
        self._keep_extra = self.options.extra_columns != "none"
        con = duckdb.connect()
        with JsonRecords(ctx, documents=True) as records:
            self._layout = records.layout
            yield from batches_of_records(
                ctx, records, RowBatcher(), self._add_record,
                finish=lambda b: with_text_entities(con, b, "youtube").to_batches())

    def _add_record(self, batcher: RowBatcher, record: int,
                    obj: Any) -> Iterator[tuple[str | None, str, Any]]:
        """Add the comments of one record; yields (field, reason, value) of bad parts."""
        if not isinstance(obj, dict):
            yield None, "expected a JSON object (a YouTube API response)", None
            return
        kind = obj.get("kind")
        if kind == "youtube#commentThread":
            yield from self._thread(batcher, record, obj, "")
        elif kind == "youtube#comment":
            yield from self._comment(batcher, record, obj, "", None, None)
        elif "items" in obj and kind in (None, "youtube#commentThreadListResponse",
                                         "youtube#commentListResponse"):
            items = obj["items"]
            if not isinstance(items, list):
                yield "items", "items must be a list", None
                return
            for i, item in enumerate(items):
                path = f"items[{i}]"
                if not isinstance(item, dict):
                    yield path, "expected a comment or comment thread object", None
                elif item.get("kind") == "youtube#comment" or (
                        kind == "youtube#commentListResponse" and "kind" not in item):
                    yield from self._comment(batcher, record, item, path, None, None)
                else:
                    yield from self._thread(batcher, record, item, path + ".")
        else:
            yield "kind", "not a YouTube commentThreads or comments response", kind

    def _thread(self, batcher: RowBatcher, record: int, thread: dict[str, Any],
                path: str) -> Iterator[tuple[str | None, str, Any]]:
        snippet = thread.get("snippet")
        if not isinstance(snippet, dict) or not isinstance(snippet.get("topLevelComment"), dict):
            yield f"{path}snippet.topLevelComment", "a comment thread needs its top-level comment", None
            return
        top = snippet["topLevelComment"]
        thread_extra = {k: snippet[k] for k in THREAD_EXTRA_FIELDS if k in snippet}
        yield from self._comment(batcher, record, top, f"{path}snippet.topLevelComment",
                                 snippet.get("videoId"), None, thread_extra)
        replies = (thread.get("replies") or {}).get("comments") or []
        if not isinstance(replies, list):
            yield f"{path}replies.comments", "replies.comments must be a list", None
            return
        for j, reply in enumerate(replies):
            yield from self._comment(batcher, record, reply, f"{path}replies.comments[{j}]",
                                     snippet.get("videoId"), top.get("id"))

    def _comment(self, batcher: RowBatcher, record: int, c: Any, path: str,
                 video_id: str | None, thread_parent: str | None,
                 thread_extra: dict[str, Any] | None = None
                 ) -> Iterator[tuple[str | None, str, Any]]:
        at = f"{path}." if path else ""
        if not isinstance(c, dict):
            yield path or None, "expected a comment object", None
            return
        sn = c.get("snippet")
        if not isinstance(sn, dict):
            yield f"{at}snippet", "a comment needs its snippet", None
            return
        cid = c.get("id")
        if not isinstance(cid, str) or not cid.strip():
            yield f"{at}id", "missing comment id", cid
            return
        published = sn.get("publishedAt")
        if not isinstance(published, str) or not _DATE_RE.match(published):
            yield (f"{at}snippet.publishedAt",
                   "missing timestamp" if published in (None, "") else "unparseable timestamp",
                   published)
            return
        channel = sn.get("authorChannelId")
        channel_id = channel.get("value") if isinstance(channel, dict) else channel
        channel_id = channel_id if isinstance(channel_id, str) and channel_id else None
        name = sn.get("authorDisplayName")
        account = name if isinstance(name, str) and name.strip() else channel_id
        if account is None:
            yield (f"{at}snippet.authorDisplayName",
                   "no author name or channel id (the author's channel may be deleted)", name)
            return
        if "textOriginal" in sn and sn["textOriginal"] is not None:
            text, text_field = sn["textOriginal"], None
        else:
            text, text_field = sn.get("textDisplay"), "textDisplay"
        parent = sn.get("parentId") or thread_parent
        extra = {k: sn[k] for k in EXTRA_FIELDS if k in sn}
        if thread_extra:
            extra.update(thread_extra)
        if text_field:
            extra["text_field"] = text_field
        if account is not name:
            extra["account_is_channel_id"] = True
        batcher.add(
            record=record, platform="youtube", action_id=cid, account=account,
            account_id=channel_id, ts=published,
            kind="reply" if parent else "comment",
            parent_id=parent or sn.get("videoId") or video_id,
            text=text if isinstance(text, str) else None,
            extra=extra if getattr(self, "_keep_extra", True) else None,
        )

"""Twitter/X API v2 tweets (``--format twitter-v2``): API responses, twarc2 JSON lines, twarc2 CSV.

Three spellings of the same data, told apart by content:

- **Response pages** (the API's own JSON, one page per line as ``twarc2 search`` writes them,
  or a saved response document): ``data`` is a list of tweets, ``includes.users`` the users
  (``expansions=author_id``), ``includes.tweets`` the referenced tweets
  (``expansions=referenced_tweets.id``).
- **Flattened tweets** (``twarc2 flatten``): one tweet per line with its ``author`` object and
  full ``referenced_tweets`` objects inlined.
- **CSV** (``twarc2 csv``, the twarc-csv plugin): one tweet per row with dotted column names
  (``id, created_at, author_id, author.username, text, referenced_tweets.retweeted.id,
  referenced_tweets.replied_to.id, referenced_tweets.quoted.id, entities.urls,
  entities.hashtags, entities.mentions, ...``; entity columns hold JSON lists).

Mapping (``docs/formats/twitter-v2.md`` has the full table): ``id`` -> ``action_id``;
``username`` of the author (from ``includes.users`` by ``author_id``, or ``author.username``) ->
``account``, ``author_id`` -> ``account_id``; ``created_at`` -> ``ts``. ``referenced_tweets``
decide the kind: ``retweeted`` -> ``repost`` (``repost_of``), else ``replied_to`` -> ``reply``
(``parent_id``), else ``quoted`` -> ``quote`` (``repost_of``); a reply that also quotes keeps the
quoted id in ``repost_of``. ``entities.urls[].expanded_url``, ``entities.hashtags[].tag`` and
``entities.mentions[].username`` fill ``urls``, ``hashtags``, ``mentions``; for long posts the
full ``note_tweet`` text and entities are used.

Referenced tweets in ``includes.tweets`` (and inlined in flattened tweets) are real public
actions of their authors, so they are emitted as actions too when they carry ``created_at`` and
``author_id``; one that appears in several pages is emitted once per page at most and
deduplicated by id at ingest. An author whose user object is missing (suspended, deleted, or
``expansions=author_id`` not requested) gets their numeric id as ``account`` and
``extra.username_missing = true``.

Example::

    >>> import swarmscope, tempfile, pathlib, json
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> page = {"data": [{"id": "2", "author_id": "9", "text": "RT @bob: hi",
    ...                   "created_at": "2021-03-01T10:00:00.000Z",
    ...                   "referenced_tweets": [{"type": "retweeted", "id": "1"}]}],
    ...         "includes": {"users": [{"id": "9", "username": "ann", "name": "Ann"}]}}
    >>> _ = (d / "t.jsonl").write_text(json.dumps(page) + "\\n")
    >>> case = swarmscope.Case.init(d / "case")
    >>> swarmscope.ingest(case, [d / "t.jsonl"], format="twitter-v2").added
    1
    >>> case.read("actions").select(["account", "kind", "repost_of"]).to_pylist()
    [{'account': 'ann', 'kind': 'repost', 'repost_of': '1'}]
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from .base import ReadContext, RowBatcher
from .compression import open_input
from .fixed_layout import (
    Check,
    Columns,
    FixedLayoutSource,
    Layout,
    derived,
    literal,
    refuse_mapping,
)
from .json_records import JsonRecords, batches_of_records, record_lines
from .table_stream import header_of

#: Tweet fields kept in ``extra`` as given.
EXTRA_FIELDS = ("lang", "conversation_id", "in_reply_to_user_id", "source", "possibly_sensitive",
                "reply_settings", "public_metrics", "geo", "withheld", "edit_history_tweet_ids",
                "matching_rules")
#: User fields kept in ``extra.author``.
AUTHOR_FIELDS = ("name", "created_at", "verified", "verified_type", "protected", "location",
                 "public_metrics")
#: twarc2 CSV columns that are neither mapped nor kept (bulky, derived or about the profile
#: picture); everything else unmapped goes to ``extra``.
CSV_DROPPED = ("context_annotations", "entities.annotations", "attachments.media",
               "author.profile_image_url", "author.entities.url.urls",
               "author.entities.description.cashtags", "author.entities.description.hashtags",
               "author.entities.description.mentions", "author.entities.description.urls")
REFERENCE_TYPES = ("retweeted", "replied_to", "quoted")

_DATE_RE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_JSON_SNIFF = re.compile(rb'"author_id"\s*:\s*"[0-9]+"')
_RECENT_INCLUDES = 200_000  # referenced-tweet ids remembered across pages
_KNOWN_USERS = 500_000  # author id -> username entries kept across pages


class TwitterV2Source(FixedLayoutSource):
    """Twitter/X API v2 tweets: responses, twarc2 JSON lines or twarc2 CSV."""

    name = "twitter-v2"
    platform = "twitter"
    description = "Twitter/X API v2 responses, twarc2 JSON lines (flattened or not) or twarc2 CSV"
    extensions = (".jsonl", ".json", ".csv")
    required_columns = ("id", "created_at")

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if start in (b"{", b"["):
            return bool(_JSON_SNIFF.search(head)) and any(
                k in head for k in (b'"__twarc"', b'"includes"', b'"edit_history_tweet_ids"',
                                    b'"conversation_id"', b'"referenced_tweets"'))
        cols = set(header_of(head))
        return {"id", "created_at", "author_id"} <= cols and bool(
            cols & {"author.username", "referenced_tweets.retweeted.id", "__twarc.url",
                    "conversation_id"})

    # ------------------------------------------------------------------ dispatch
    def read(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        refuse_mapping(self.name, self.options)
        self._json = _looks_like_json(ctx)
        if self._json:
            yield from self._read_json(ctx)
        else:
            yield from super().read(ctx)

    def field_label(self, column: str) -> str:
        if getattr(self, "_json", False):
            return {"action_id": "id", "account": "author_id", "ts": "created_at"}.get(column, column)
        return super().field_label(column)

    def locate_lines(self, ctx: ReadContext, records: list[int]) -> dict[int, int]:
        if getattr(self, "_json", False):
            return record_lines(getattr(self, "_layout", None), records)
        return super().locate_lines(ctx, records)

    # ------------------------------------------------------------------ JSON
    def _read_json(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        state = _JsonState(keep_extra=self.options.extra_columns != "none")
        with JsonRecords(ctx, documents=True) as records:
            self._layout = records.layout
            yield from batches_of_records(ctx, records, RowBatcher(), state.add_record)

    # ------------------------------------------------------------------ CSV
    def layout(self, ctx: ReadContext, columns: list[str]) -> Layout:
        c = Columns(columns)
        # Each JSON column is trimmed once (before the SQL) and tested once, in a step: the
        # checks and the values both need the test, and written in each they parsed every value
        # up to five times.
        lists = [col for col in ("entities.urls", "entities.hashtags", "entities.mentions",
                                 "referenced_tweets") if col in c]
        trimmed = {col: c.trimmed(col) for col in lists}
        is_list = {col: derived(f"is_list {col}") for col in lists}
        steps = [{f"is_list {col}": _is_json_list(trimmed[col]) for col in lists}]
        refs = {t: _csv_reference(c, t, trimmed.get("referenced_tweets"),
                                  is_list.get("referenced_tweets")) for t in REFERENCE_TYPES}
        kind = (f"CASE WHEN {refs['retweeted']} IS NOT NULL THEN 'repost' "
                f"WHEN {refs['replied_to']} IS NOT NULL THEN 'reply' "
                f"WHEN {refs['quoted']} IS NOT NULL THEN 'quote' ELSE 'post' END")

        def entities(col: str, keys: tuple[str, ...], strip: str = "") -> str:
            return entity_list_sql(c.raw(col), keys, strip, trimmed.get(col), is_list.get(col))

        exprs = {
            "platform": "'twitter'",
            "action_id": c.id("id"),
            "account": f"coalesce({c.id('author.username')}, {c.id('author_id')}, {c.id('author.id')})",
            "account_id": f"coalesce({c.id('author_id')}, {c.id('author.id')})",
            "ts": c.raw("created_at"),
            "kind": kind,
            "parent_id": refs["replied_to"],
            "repost_of": f"coalesce({refs['retweeted']}, {refs['quoted']})",
            "text": c.raw("text"),
            "urls": entities("entities.urls", ("expanded_url", "url")),
            "hashtags": entities("entities.hashtags", ("tag",), "#"),
            "mentions": entities("entities.mentions", ("username",), "@"),
        }
        mapped = {"id", "author.username", "author_id", "created_at", "text", "entities.urls",
                  "entities.hashtags", "entities.mentions",
                  *(f"referenced_tweets.{t}.id" for t in REFERENCE_TYPES), *CSV_DROPPED}
        extra = c.unmapped(mapped) if self.options.extra_columns != "none" else []
        checks = [Check("id", f"NOT regexp_full_match({c.trimmed('id')}, '[0-9]*')",
                        "id is not a number (a spreadsheet may have rounded it)", c.raw("id"))]
        for col in lists:
            checks.append(Check(col, f"{trimmed[col]} <> '' AND NOT {is_list[col]}",
                                "not a JSON list", c.raw(col)))
        labels = {"action_id": "id", "account": "author.username", "account_id": "author_id",
                  "ts": "created_at", "text": "text"}
        return Layout(exprs, labels, checks, steps, extra=extra)


def entity_list_sql(expr: str, keys: tuple[str, ...], strip: str = "",
                    trimmed: str | None = None, is_list: str | None = None) -> str:
    """SQL for a twarc-csv entity column: a JSON list of strings (``["#tag"]``, twarc-csv
    0.7) or of entity objects (``[{"tag": "x"}]``, earlier versions) -> VARCHAR[].

    ``trimmed`` and ``is_list`` are SQL for ``trim(expr)`` and :func:`_is_json_list` of it,
    where a step has computed them already."""
    x = trimmed or f"trim({expr})"
    from_object = ", ".join(f"e->>{literal(k)}" for k in keys)
    item = (f"CASE WHEN json_type(e) = 'OBJECT' THEN coalesce({from_object}) "
            f"ELSE e->>'$' END")
    if strip:
        item = f"ltrim({item}, {literal(strip)})"
    objects = f"list_transform(CAST(json({x}) AS JSON[]), lambda e: {item})"
    # A list without '{' holds no object: from_json reads it in one pass, giving each item as
    # e->>'$' does (strings unescaped, other values as JSON text), without a JSON value and two
    # parses per item.
    plain = f"from_json({x}, '[\"VARCHAR\"]')"
    if strip:
        plain = f"list_transform({plain}, lambda e: ltrim(e, {literal(strip)}))"
    items = f"CASE WHEN contains({x}, '{{') THEN {objects} ELSE {plain} END"
    # empty values skip the JSON parsing and the lambdas
    return (f"CASE WHEN {expr} IS NULL OR {x} IN ('', '[]') THEN []::VARCHAR[] "
            f"WHEN {is_list or _is_json_list(x)} "
            f"THEN list_filter({items}, lambda e: e IS NOT NULL AND e <> '') "
            f"ELSE []::VARCHAR[] END")


def _is_json_list(x: str) -> str:
    # Valid JSON whose first character other than JSON's white space is '[' is an array: one
    # parse, where json_type() after json_valid() parsed twice (and json_type() alone fails on
    # invalid JSON).
    space = "' ' || chr(9) || chr(10) || chr(13)"
    return f"coalesce(json_valid({x}) AND starts_with(ltrim({x}, {space}), '['), false)"


def _csv_reference(c: Columns, kind: str, trimmed: str | None = None,
                   is_list: str | None = None) -> str:
    """The referenced id of ``kind``: its own column, or the older ``referenced_tweets`` column
    holding ``[{"type": ..., "id": ...}]`` (``trimmed``, ``is_list``: see
    :func:`entity_list_sql`)."""
    own = c.id(f"referenced_tweets.{kind}.id")
    if "referenced_tweets" not in c:
        return own
    x = trimmed or f"trim({c.raw('referenced_tweets')})"
    legacy = (f"CASE WHEN {is_list or _is_json_list(x)} THEN "
              f"list_filter(CAST(json({x}) AS JSON[]), lambda r: r->>'type' = {literal(kind)})"
              f"[1]->>'id' END")
    return f"coalesce({own}, {legacy})"


def _looks_like_json(ctx: ReadContext) -> bool:
    stream, _ = open_input(ctx.path)
    try:
        head = stream.read(4096)
    finally:
        stream.close()
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


class _JsonState:
    """What reading one JSON file remembers across records: usernames and recent includes."""

    def __init__(self, keep_extra: bool = True) -> None:
        self.keep_extra = keep_extra
        self.usernames: dict[str, str] = {}
        self.recent: OrderedDict[str, None] = OrderedDict()

    def add_record(self, batcher: RowBatcher, record: int,
                   obj: Any) -> Iterator[tuple[str | None, str, Any]]:
        """Add the tweets of one record; yields (field, reason, value) for bad parts."""
        if not isinstance(obj, dict):
            yield None, "expected a JSON object (an API response page or a tweet)", None
            return
        if "id_str" in obj or isinstance(obj.get("user"), dict):
            yield None, "a Twitter API v1.1 tweet; twitter-v2 reads API v2 data", _keys(obj)
        elif "data" in obj:
            yield from self._page(batcher, record, obj)
        elif "id" in obj and ("text" in obj or "created_at" in obj or "author_id" in obj):
            yield from self._flat(batcher, record, obj)
        elif "errors" in obj or "meta" in obj:
            return  # a page without tweets (all unavailable, or an empty result)
        else:
            yield None, "not a Twitter API v2 response page or tweet", _keys(obj)

    def _page(self, batcher: RowBatcher, record: int,
              page: dict[str, Any]) -> Iterator[tuple[str | None, str, Any]]:
        data = page["data"]
        tweets = [data] if isinstance(data, dict) else data
        if not isinstance(tweets, list):
            yield "data", "data must be a list of tweets", None
            return
        includes = page.get("includes") if isinstance(page.get("includes"), dict) else {}
        users: dict[str, dict[str, Any]] = {}
        for u in includes.get("users") or []:
            if isinstance(u, dict) and isinstance(u.get("id"), str):
                users[u["id"]] = u
                if isinstance(u.get("username"), str):
                    self._remember(u["id"], u["username"])
        seen: set[str] = set()
        for i, t in enumerate(tweets):
            path = f"data[{i}]." if isinstance(data, list) else "data."
            if isinstance(t, dict) and "id" not in t and "tweet_count" in t:
                yield "data", "this is a tweet counts response, not tweets", None
                return
            if isinstance(t, dict) and "username" in t and "text" not in t:
                yield "data", "this is a users response, not tweets", None
                return
            # the filtered stream puts the rules a tweet matched beside it, not inside it
            problem = self._tweet(batcher, record, t, path, users, page.get("matching_rules"))
            if problem:
                yield problem
            elif isinstance(t, dict):
                seen.add(str(t["id"]))
        for j, t in enumerate(includes.get("tweets") or []):
            if isinstance(t, dict) and str(t.get("id")) not in seen and self._fresh(t):
                self._tweet(batcher, record, t, f"includes.tweets[{j}].", users)

    def _flat(self, batcher: RowBatcher, record: int,
              tweet: dict[str, Any]) -> Iterator[tuple[str | None, str, Any]]:
        problem = self._tweet(batcher, record, tweet, "", {})
        if problem:
            yield problem
            return
        for k, ref in enumerate(tweet.get("referenced_tweets") or []):
            if isinstance(ref, dict) and self._fresh(ref):
                self._tweet(batcher, record, ref, f"referenced_tweets[{k}].", {})

    def _fresh(self, t: dict[str, Any]) -> bool:
        """A referenced tweet worth emitting: complete, and not emitted recently."""
        author = t.get("author_id") or (t.get("author") or {}).get("id")
        if not (isinstance(t.get("id"), str) and author and isinstance(t.get("created_at"), str)):
            return False
        if t["id"] in self.recent:
            self.recent.move_to_end(t["id"])
            return False
        self.recent[t["id"]] = None
        if len(self.recent) > _RECENT_INCLUDES:
            self.recent.popitem(last=False)
        return True

    def _remember(self, user_id: str, username: str) -> None:
        if len(self.usernames) >= _KNOWN_USERS and user_id not in self.usernames:
            self.usernames.clear()
        self.usernames[user_id] = username

    def _tweet(self, batcher: RowBatcher, record: int, t: Any, path: str,
               users: dict[str, dict[str, Any]], matching_rules: Any = None
               ) -> tuple[str | None, str, Any] | None:
        """Add one tweet; returns (field, reason, value) when it cannot be an action."""
        if not isinstance(t, dict):
            return path.rstrip(".") or None, "expected a tweet object", None
        tid = t.get("id")
        if not isinstance(tid, str) or not tid.strip():
            return f"{path}id", "missing tweet id", tid
        author = t.get("author") if isinstance(t.get("author"), dict) else None
        author_id = t.get("author_id") or (author or {}).get("id")
        if not isinstance(author_id, str) or not author_id:
            return f"{path}author_id", "missing author_id (request expansions=author_id)", author_id
        created = t.get("created_at")
        if not isinstance(created, str) or not _DATE_RE.match(created):
            reason = ("missing created_at (request tweet.fields=created_at)"
                      if created in (None, "") else "unparseable timestamp")
            return f"{path}created_at", reason, created
        user = author or users.get(author_id) or {}
        username = user.get("username") if isinstance(user.get("username"), str) else None
        if username:
            self._remember(author_id, username)
        else:
            username = self.usernames.get(author_id)
        refs: dict[str, str] = {}
        for r in t.get("referenced_tweets") or []:
            if isinstance(r, dict) and r.get("type") in REFERENCE_TYPES and r.get("id"):
                refs.setdefault(r["type"], str(r["id"]))
        kind = ("repost" if "retweeted" in refs else "reply" if "replied_to" in refs
                else "quote" if "quoted" in refs else "post")
        note = t.get("note_tweet") if isinstance(t.get("note_tweet"), dict) else None
        text = note["text"] if note and isinstance(note.get("text"), str) else t.get("text")
        entities = (note.get("entities") if note and isinstance(note.get("entities"), dict)
                    else t.get("entities"))
        entities = entities if isinstance(entities, dict) else {}
        extra: dict[str, Any] = {k: t[k] for k in EXTRA_FIELDS if k in t}
        if matching_rules and "matching_rules" not in extra:
            extra["matching_rules"] = matching_rules
        if note:
            extra["note_tweet"] = True
        if isinstance(entities.get("cashtags"), list):
            extra["cashtags"] = _entity_values(entities["cashtags"], ("tag",))
        profile = {k: user[k] for k in AUTHOR_FIELDS if k in user}
        if profile:
            extra["author"] = profile
        if not username:
            extra["username_missing"] = True
        batcher.add(
            record=record, platform="twitter", action_id=tid, account=username or author_id,
            account_id=author_id, ts=created, kind=kind, parent_id=refs.get("replied_to"),
            repost_of=refs.get("retweeted") or refs.get("quoted"),
            text=text if isinstance(text, str) else None,
            urls=_entity_values(entities.get("urls"), ("expanded_url", "url")),
            hashtags=_entity_values(entities.get("hashtags"), ("tag",)),
            mentions=_entity_values(entities.get("mentions"), ("username",)),
            extra=extra if self.keep_extra else None,
        )
        return None


def _entity_values(items: Any, keys: tuple[str, ...]) -> list[str]:
    if not isinstance(items, list):
        return []
    out = []
    for e in items:
        if isinstance(e, dict):
            v = next((e[k] for k in keys if isinstance(e.get(k), str) and e[k]), None)
            if v is not None:
                out.append(v)
    return out


def _keys(obj: dict[str, Any]) -> str:
    return "keys: " + ", ".join(list(obj)[:10])

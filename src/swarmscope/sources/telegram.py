"""Telegram channels and groups from a Telegram Desktop export (``--format telegram``).

Input: the ``result.json`` that Telegram Desktop writes for "Export chat history" in JSON format:
one document ``{"name", "type", "id", "messages": [...]}``. It is streamed with ``ijson``
(https://pypi.org/project/ijson/): a channel export of hundreds of MB is read one message at a
time. Record *n* is the *n*-th element of ``messages`` (service messages included, so record
numbers are positions in the file's array). Mapping (``docs/formats/telegram.md`` has the full
table):

- ``action_id`` = ``<chat id>/<message id>``: message ids count per chat;
- ``account`` = ``account_id`` = ``from_id`` (``user123``, ``channel456``): exports carry the
  sender's display name (``from``, kept in ``extra.from``) but not their @username, and display
  names are neither unique nor stable;
- ``ts`` = ``date_unixtime`` (UTC epoch seconds). ``date`` is the exporting computer's local time
  without a zone; it is used only for exports older than ``date_unixtime`` (2021), read in
  ``--tz``;
- a forward (``forwarded_from``) is a ``repost``. The export names the original's sender but not
  the original message, so ``repost_of`` = ``fwd:<forwarded_from_id or forwarded_from>:<text
  key>`` (the text key of :mod:`swarmscope.text`): forwards of the same text from the same
  source are one object. A forward without text (a bare photo) has no ``repost_of``;
- a message with ``reply_to_message_id`` is a ``reply`` with ``parent_id`` = ``<chat
  id>/<reply_to_message_id>`` (the chat of ``reply_to_peer_id`` for cross-chat replies);
- ``text`` = the plain text of ``text`` (a string, or a list of strings and entity objects);
  ``urls`` = ``link`` entities' text and ``text_link`` entities' ``href``; ``hashtags`` and
  ``mentions`` = ``hashtag`` and ``mention`` entities without ``#``/``@``, and ``mention_name``
  entities (users without a username) as ``user<user_id>``, the form of ``from_id``.

Service messages (joins, pins, title changes...) and unsupported messages are not actions: they
are counted and reported as one warning per file (:mod:`swarmscope.sources.not_actions`).

Telegram Desktop writes control characters in texts as ``\\xHH``, which is not JSON; the reader
turns them into ``\\u00HH`` before parsing, so such exports load.

Example::

    >>> row = message_action("42", {"id": 7, "type": "message", "date_unixtime": "1700000000",
    ...     "from": "Ann", "from_id": "user1", "reply_to_message_id": 5,
    ...     "text": ["see ", {"type": "link", "text": "https://ex.org"}, " ",
    ...              {"type": "hashtag", "text": "#vote"}]})
    >>> row["action_id"], row["kind"], row["parent_id"], row["text"], row["urls"], row["hashtags"]
    ('42/7', 'reply', '42/5', 'see https://ex.org #vote', ['https://ex.org'], ['vote'])
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import duckdb
import pyarrow as pa

from ..errors import IngestError
from ..text import TEXT_KEY_SQL
from .action_rows import action_batches, rows_to_batch
from .base import ReadContext, Source
from .json_records import JsonRecords, RecordError, open_records
from .not_actions import NotActions, NotAnAction

CHAT_TYPES = frozenset({
    "personal_chat", "bot_chat", "private_group", "private_supergroup", "public_supergroup",
    "private_channel", "public_channel", "saved_messages", "replies",
})

#: Message fields kept in ``extra`` when present.
MESSAGE_EXTRA = ("from", "author", "forwarded_from", "forwarded_from_id", "saved_from",
                 "via_bot", "edited_unixtime", "media_type", "mime_type", "sticker_emoji",
                 "duration_seconds", "reply_to_peer_id")
#: Media fields: only whether the message had one is kept (their values are local file paths).
MEDIA_FIELDS = ("photo", "file", "poll", "location_information", "contact_information",
                "game_title", "invoice_information", "place_name")

_PEER_PREFIX = re.compile(r"^(user|channel|chat)")
_ESCAPE = re.compile(rb"\\(.)", re.S)


class TelegramSource(Source):
    """Telegram Desktop JSON export of one chat (channel, group or conversation)."""

    name = "telegram"
    platform = "telegram"
    description = "Telegram Desktop export (result.json) of a channel or group"
    extensions = (".json",)

    _LABELS = {
        "action_id": "id", "account": "from_id", "account_id": "from_id",
        "ts": "date_unixtime", "text": "text", "parent_id": "reply_to_message_id",
        "repost_of": "forwarded_from",
    }

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        import io

        try:
            header = chat_header(io.BytesIO(head))
        except Exception:  # noqa: BLE001 - a cut or foreign head is simply not claimed
            return False
        return header.get("type") in CHAT_TYPES and "id" in header

    def field_label(self, column: str) -> str:
        return self._LABELS.get(column, column)

    def read(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        stream, _ = open_records(ctx.path)
        try:
            header = chat_header(TelegramEscapes(stream))
        except _HeaderError as exc:
            raise IngestError(ctx.display_name, None, exc.field, exc.reason) from exc
        except Exception as exc:  # noqa: BLE001 - ijson's errors differ per backend
            raise IngestError(ctx.display_name, None, None,
                              f"not a Telegram export (invalid JSON: {exc})") from exc
        finally:
            stream.close()
        chat_id = str(header["id"])
        chat_extra = {f"chat_{k}": header[k] for k in ("name", "type")
                      if header.get(k) is not None}
        skipped = NotActions()
        with JsonRecords(ctx, array_at="messages.item", wrap=TelegramEscapes) as records:
            yield from action_batches(ctx, records,
                                      lambda msg: message_action(chat_id, msg, chat_extra),
                                      skipped=skipped, to_batch=_TextKeys().batch)
        skipped.report(ctx)


def message_action(chat_id: str, msg: Any,
                   chat_extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The action of one element of ``messages``, as RowBatcher values; ``extra`` starts with
    ``chat_extra``. A forward's ``repost_of`` is left as ``("fwd", source, text)`` for
    :class:`_TextKeys` to key.

    Raises :class:`NotAnAction` for service and unsupported messages and
    :class:`~swarmscope.sources.json_records.RecordError` for malformed ones.
    """
    if not isinstance(msg, dict):
        raise RecordError(None, "a message must be a JSON object", msg)
    mtype = msg.get("type")
    if mtype == "service":
        raise NotAnAction("service messages (joins, pins, title changes...)")
    if mtype == "unsupported":
        raise NotAnAction("unsupported messages (Telegram Desktop could not export them)")
    if mtype != "message":
        raise RecordError("type", "type must be 'message' or 'service'", mtype)
    msg_id = msg.get("id")
    if isinstance(msg_id, bool) or not isinstance(msg_id, int | str) or str(msg_id) == "":
        raise RecordError("id", "missing message id", msg_id)
    sender = msg.get("from_id")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)  # exports before 2020 gave bare numeric user ids
    if not isinstance(sender, str) or not sender.strip():
        raise RecordError("from_id", "missing from_id (the sender)", sender)
    text, urls, hashtags, mentions = message_text(msg.get("text"))
    extra: dict[str, Any] = dict(chat_extra) if chat_extra else {}
    extra.update({k: v for k in MESSAGE_EXTRA if (v := msg.get(k)) is not None})
    if "from" in msg and msg["from"] is None:
        extra["sender_deleted"] = True  # Telegram exports a deleted account's name as null
    media = [key for key in MEDIA_FIELDS if key in msg]
    if media:
        extra["media"] = media
    ts = msg.get("date_unixtime")
    if ts is None:
        ts = msg.get("date")
        if ts is not None:
            extra["ts_local"] = True  # read in --tz: the export's local time has no zone
    row: dict[str, Any] = {
        "platform": "telegram", "action_id": f"{chat_id}/{msg_id}", "account": sender,
        "account_id": sender, "ts": ts, "text": text or None, "urls": urls,
        "hashtags": hashtags, "mentions": mentions, "extra": extra,
    }
    if "forwarded_from" in msg or "forwarded_from_id" in msg:
        source = msg.get("forwarded_from_id") or msg.get("forwarded_from") or "(hidden)"
        row["kind"] = "repost"
        row["repost_of"] = ("fwd", str(source), text)
        return row
    reply_to = msg.get("reply_to_message_id")
    if reply_to is not None:
        peer = msg.get("reply_to_peer_id")
        chat = _PEER_PREFIX.sub("", peer) if isinstance(peer, str) and peer else chat_id
        row["kind"] = "reply"
        row["parent_id"] = f"{chat}/{reply_to}"
    else:
        row["kind"] = "post"
    return row


def message_text(text: Any) -> tuple[str, list[str], list[str], list[str]]:
    """``(plain text, urls, hashtags, mentions)`` of a message's ``text``.

    Telegram Desktop writes ``text`` as a plain string when it has no entities, else as a list
    of strings and entity objects; ``text_entities`` repeats the same parts and is not read.
    """
    if isinstance(text, str):
        return text, [], [], []
    if text is None:
        return "", [], [], []
    if not isinstance(text, list):
        raise RecordError("text", "text must be a string or a list", text)
    pieces: list[str] = []
    urls: list[str] = []
    hashtags: list[str] = []
    mentions: list[str] = []
    for part in text:
        if isinstance(part, str):
            pieces.append(part)
            continue
        value = part.get("text") if isinstance(part, dict) else None
        if not isinstance(value, str):
            raise RecordError("text", "text parts must be strings or entity objects", part)
        pieces.append(value)
        etype = part.get("type")
        if etype == "link":
            urls.append(value)
        elif etype == "text_link" and isinstance(part.get("href"), str):
            urls.append(part["href"])
        elif etype == "hashtag":
            hashtags.append(value.removeprefix("#"))
        elif etype == "mention":
            mentions.append(value.removeprefix("@"))
        elif etype == "mention_name" and part.get("user_id") is not None:
            mentions.append(f"user{part['user_id']}")
    return "".join(pieces), _unique(urls), _unique(hashtags), _unique(mentions)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items)) if len(items) > 1 else items


class _HeaderError(ValueError):
    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def chat_header(stream: Any) -> dict[str, Any]:
    """The chat's top-level fields before ``messages`` (``name``, ``type``, ``id``), read
    without reading the messages."""
    import ijson

    header: dict[str, Any] = {}
    for prefix, event, value in ijson.parse(stream, use_float=True):
        if prefix == "" and event == "map_key":
            if value == "messages":
                if "id" not in header:
                    raise _HeaderError("id", "the chat's 'id' must come before 'messages' "
                                             "(as Telegram Desktop writes it)")
                return header
            if value in ("chats", "left_chats", "personal_information"):
                raise _HeaderError(value, "this is a full Telegram account export; export the "
                                          "channel or group alone (Export chat history, JSON)")
        elif prefix in ("name", "type", "id") and event in ("string", "number", "null"):
            header[prefix] = value
        elif prefix == "" and event == "start_array":
            raise _HeaderError(None, "a Telegram export is a JSON object, not an array")
    raise _HeaderError("messages", "no 'messages' array: not a Telegram chat export")


class TelegramEscapes:
    """A binary stream that rewrites Telegram Desktop's ``\\xHH`` string escapes (invalid JSON)
    into ``\\u00HH``; everything else passes through unchanged."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self._carry = b""

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""  # ijson probes the stream type with read(0)
        while True:
            chunk = self.raw.read(size if size and size > 0 else 1 << 20)
            data = self._carry + chunk
            self._carry = b""
            if not chunk:
                return data
            if data.endswith(b"\\"):
                # An escape split across reads: keep an unpaired trailing backslash for later.
                run = len(data) - len(data.rstrip(b"\\"))
                if run % 2:
                    self._carry = b"\\"
                    data = data[:-1]
            if b"\\x" in data:
                data = _ESCAPE.sub(_fix_escape, data)
            if data:
                return data


def _fix_escape(m: re.Match[bytes]) -> bytes:
    return b"\\u00" if m.group(1) == b"x" else m.group(0)


class _TextKeys:
    """Turns pending rows into a batch, keying forwards by source and text key in one query."""

    def __init__(self) -> None:
        self._con = duckdb.connect()

    def batch(self, pending: list[tuple[int, dict[str, Any]]]) -> pa.RecordBatch:
        forwards = [i for i, (_, row) in enumerate(pending) if isinstance(row.get("repost_of"),
                                                                          tuple)]
        if forwards:
            texts = pa.table({  # noqa: F841 - scanned by duckdb by name
                "i": pa.array(range(len(forwards)), pa.int64()),
                "text": pa.array([pending[i][1]["repost_of"][2] or None for i in forwards],
                                 pa.string()),
            })
            # TEXT_KEY_SQL is a constant expression; the texts are data in a scanned table.
            query = f"SELECT {TEXT_KEY_SQL} AS k FROM texts ORDER BY i"  # noqa: S608
            keys = self._con.sql(query).to_arrow_table().column("k").to_pylist()
            for i, key in zip(forwards, keys, strict=True):
                _, source, _ = pending[i][1]["repost_of"]
                pending[i][1]["repost_of"] = None if key is None else f"fwd:{source}:{key}"
        return rows_to_batch(pending)

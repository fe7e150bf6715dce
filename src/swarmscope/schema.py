"""The canonical *actions* table: the one interface between sources and signals.

One row is one observed public action: a post, a repost, a reply, a Wikipedia edit...
Every source adapter produces rows of this schema; every signal reads it (usually through a
:mod:`behaviour <swarmscope.behaviours>` projection). ``docs/actions.md`` documents each column.

Example::

    >>> from swarmscope.schema import ACTIONS_SCHEMA
    >>> ACTIONS_SCHEMA.field("ts").type
    TimestampType(timestamp[us, tz=UTC])
"""

from __future__ import annotations

import pyarrow as pa

#: Kinds of action the built-in sources emit. Sources may emit others; signals must not assume
#: this list is closed.
KINDS: tuple[str, ...] = (
    "post",  # an original post, status, message, submission
    "repost",  # a share of another object without own text (retweet, reblog, forward, boost)
    "quote",  # a share with own text (quote tweet)
    "reply",  # a reply to another post
    "comment",  # a comment under a post or thread (Reddit, YouTube, Facebook)
    "like",  # a like / favourite, where a platform exposes them
    "edit",  # a wiki edit that is not a revert
    "revert",  # a wiki edit that restores an earlier revision
)

#: Columns produced by sources (the ingest pipeline adds the derived ones below).
SOURCE_COLUMNS: tuple[str, ...] = (
    "platform",
    "action_id",
    "account",
    "account_id",
    "ts",
    "kind",
    "parent_id",
    "repost_of",
    "text",
    "urls",
    "hashtags",
    "mentions",
    "title",
    "extra",
)

_STR_LIST = pa.list_(pa.string())

ACTIONS_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field("platform", pa.string(), nullable=False),
        pa.field("action_id", pa.string(), nullable=False),
        pa.field("account", pa.string(), nullable=False),
        pa.field("account_id", pa.string()),
        pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("parent_id", pa.string()),
        pa.field("repost_of", pa.string()),
        pa.field("text", pa.string()),
        pa.field("urls", _STR_LIST),
        pa.field("hashtags", _STR_LIST),
        pa.field("mentions", _STR_LIST),
        pa.field("title", pa.string()),
        pa.field("extra", pa.string()),
        # Derived at ingest (never by sources):
        pa.field("links", _STR_LIST),  # normalised form of ``urls`` (swarmscope.urls)
        pa.field("text_key", pa.string()),  # hash of the normalised text (swarmscope.text)
        # integers standing for names (swarmscope.hashed_names)
        pa.field("account_hash", pa.int64()),
        pa.field("shared_hash", pa.int64()),
        pa.field("parent_hash", pa.int64()),
        # Provenance: where the row came from, so every finding traces back to a raw record.
        pa.field("ingest_id", pa.string(), nullable=False),
        pa.field("record", pa.int64(), nullable=False),
    ]
)

#: Schema of what a source adapter yields: the source columns plus the record number
#: (1-based position of the raw record in its file, used in error messages and provenance).
SOURCE_SCHEMA: pa.Schema = pa.schema(
    [ACTIONS_SCHEMA.field(name) for name in SOURCE_COLUMNS]
    + [pa.field("record", pa.int64(), nullable=False)]
)

#: Schema of the per-file reject log written by ``--on-error skip``.
REJECTS_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field("file", pa.string()),
        pa.field("record", pa.int64()),
        pa.field("line", pa.int64()),
        pa.field("field", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("value", pa.string()),
    ]
)

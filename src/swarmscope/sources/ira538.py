"""FiveThirtyEight's Russian troll tweets (``--format ira-538``), as CSV or Parquet.

FiveThirtyEight published (2018, ``fivethirtyeight/russian-troll-tweets``) about three million
tweets of accounts Twitter attributed to Russia's Internet Research Agency, with the columns
``external_author_id, author, content, region, language, publish_date, harvested_date,
following, followers, updates, post_type, account_type, retweet, account_category,
new_june_2018, alt_external_id, tweet_id, article_url, tco1_step1, tco2_step1, tco3_step1``.
``publish_date`` is UTC at minute resolution (``10/1/2016 19:37``); ``post_type`` is
``RETWEET``, ``QUOTE_TWEET`` or empty (``R``, ``Q`` or empty in per-author re-encodings);
``retweet`` is ``0``/``1``. The same columns as Parquet (any column types) read the same way.

Mapping (``docs/formats/ira-538.md``): ``author`` -> ``account``, ``external_author_id`` ->
``account_id``, ``publish_date`` -> ``ts``, ``content`` -> ``text``; ``post_type`` RETWEET (or
empty with ``retweet`` = 1) -> ``repost``, QUOTE_TWEET -> ``quote``, else ``post``. Retweets carry
the retweeted *text* but not the retweeted id, so ``repost_of`` is NULL and the ``repost``
behaviour keys them on the normalised text. ``action_id`` is ``tweet_id`` when the file has one,
else ``<file key>:<record>``: many rows have no id and thousands repeat (author, minute, text)
while being distinct tweets, so rows are never keyed by content. ``urls`` are the expanded
``tco1_step1 .. tco3_step1``; ``hashtags`` and ``mentions`` are taken from the text
(:mod:`swarmscope.sources.text_entities`). Everything else goes to ``extra``.

``account_category`` and ``account_type`` (Linvill & Warren's coding) are evaluation labels:
they are kept in ``extra`` for scoring results and must never feed detection.

Example::

    >>> import swarmscope, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "ira.csv").write_text(
    ...     "external_author_id,author,content,publish_date,post_type,retweet\\n"
    ...     "906000000000000000,10_GOP,#MAGA now,10/1/2016 19:37,RETWEET,1\\n")
    >>> case = swarmscope.Case.init(d / "case")
    >>> swarmscope.ingest(case, [d / "ira.csv"], format="ira-538").added
    1
    >>> case.read("actions").select(["account", "kind", "hashtags"]).to_pylist()
    [{'account': '10_GOP', 'kind': 'repost', 'hashtags': ['MAGA']}]
"""

from __future__ import annotations

from pathlib import Path

from .base import ReadContext
from .fixed_layout import RECORD_SQL, Check, Columns, FixedLayoutSource, Layout, literal
from .table_stream import header_of
from .text_entities import hashtags_sql, mentions_sql

REPOST_TYPES = ("RETWEET", "R")
QUOTE_TYPES = ("QUOTE_TWEET", "Q")
EXPANDED_URL_COLUMNS = ("tco1_step1", "tco2_step1", "tco3_step1")
MAPPED = ("author", "external_author_id", "publish_date", "content", "tweet_id",
          *EXPANDED_URL_COLUMNS)


class Ira538Source(FixedLayoutSource):
    """FiveThirtyEight's IRA tweets (CSV or Parquet with the same columns)."""

    name = "ira-538"
    platform = "twitter"
    description = "FiveThirtyEight's IRA troll tweets (CSV or Parquet)"
    extensions = (".csv", ".parquet")
    required_columns = ("author", "content", "publish_date")

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        # Parquet keeps its column names in the footer; that case needs --format ira-538.
        cols = set(header_of(head))
        return {"external_author_id", "author", "content", "publish_date", "post_type"} <= cols

    def layout(self, ctx: ReadContext, columns: list[str]) -> Layout:
        c = Columns(columns)
        post_type = f"upper(coalesce({c.trimmed('post_type')}, ''))"
        retweet = f"coalesce({c.trimmed('retweet')}, '')"
        reposts = ", ".join(literal(t) for t in REPOST_TYPES)
        quotes = ", ".join(literal(t) for t in QUOTE_TYPES)
        kind = (f"CASE WHEN {post_type} IN ({reposts}) THEN 'repost' "
                f"WHEN {post_type} IN ({quotes}) THEN 'quote' "
                f"WHEN {post_type} = '' AND {retweet} = '1' THEN 'repost' ELSE 'post' END")
        row_key = f"{literal(ctx.file_key + ':')} || CAST({RECORD_SQL} AS VARCHAR)"
        action_id = f"coalesce({c.id('tweet_id')}, {row_key})" if "tweet_id" in c else row_key
        url_cols = [u for u in EXPANDED_URL_COLUMNS if u in c]
        urls = (f"list_filter([{', '.join(c.id(u) for u in url_cols)}], lambda u: u IS NOT NULL)"
                if url_cols else "[]::VARCHAR[]")
        text = c.raw("content")
        exprs = {
            "platform": "'twitter'",
            "action_id": action_id,
            "account": c.id("author"),
            "account_id": c.id("external_author_id"),
            "ts": c.raw("publish_date"),
            "kind": kind,
            "text": text,
            "urls": urls,
            "hashtags": hashtags_sql(text),
            "mentions": mentions_sql(text, "twitter"),
        }
        extra = c.unmapped(set(MAPPED)) if self.options.extra_columns != "none" else []
        known = ", ".join(literal(t) for t in ("", *REPOST_TYPES, *QUOTE_TYPES))
        checks = [
            Check("post_type", f"{post_type} NOT IN ({known})",
                  "post_type must be RETWEET, QUOTE_TWEET or empty", c.raw("post_type")),
            Check("retweet", f"{retweet} NOT IN ('', '0', '1')", "retweet must be 0 or 1",
                  c.raw("retweet")),
        ]
        if "tweet_id" in c:
            checks.append(Check("tweet_id", f"NOT regexp_full_match({c.id('tweet_id')}, '[0-9]+')",
                                "tweet_id is not a number (a spreadsheet may have rounded it)",
                                c.raw("tweet_id")))
        labels = {"account": "author", "account_id": "external_author_id",
                  "ts": "publish_date", "text": "content", "kind": "post_type",
                  "action_id": "tweet_id" if "tweet_id" in c else "(row number)"}
        return Layout(exprs, labels, checks, extra=extra)

"""Twitter's information-operations archive (``--format twitter-io``).

Twitter (2018-2021) published the tweets of accounts it removed for state-backed information
operations as one CSV per operation, with the columns ``tweetid, userid, user_display_name,
user_screen_name, ..., tweet_text, tweet_time, ..., is_retweet, retweet_userid,
retweet_tweetid, ..., hashtags, urls, user_mentions, poll_choices`` (Twitter Transparency Center,
"Information operations" data set documentation). Accounts with fewer than 5,000 followers have
hashed ``userid`` and ``user_screen_name``; list columns are written as Python lists
(``['a', 'b']``) or bare (``[a, b]``); ``tweet_time`` is UTC at minute resolution
(``2016-10-01 12:00``).

Mapping (``docs/formats/twitter-io.md`` has the full table): ``tweetid`` -> ``action_id``,
``user_screen_name`` -> ``account``, ``userid`` -> ``account_id``, ``tweet_time`` -> ``ts``; a
retweet (``is_retweet`` true) is a ``repost`` of ``retweet_tweetid``, else a tweet with
``in_reply_to_tweetid`` is a ``reply`` (``parent_id``), else one with ``quoted_tweet_tweetid`` a
``quote`` (``repost_of``), else a ``post``. ``user_mentions`` holds user *ids* in this archive,
so ``mentions`` are ids, not handles. Every other column is kept in ``extra``.

Example::

    >>> import swarmscope, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "io.csv").write_text(
    ...     "tweetid,userid,user_screen_name,tweet_text,tweet_time,is_retweet,retweet_tweetid\\n"
    ...     "11,u1,ann,RT @bob: hi,2016-10-01 12:00,True,10\\n")
    >>> case = swarmscope.Case.init(d / "case")
    >>> swarmscope.ingest(case, [d / "io.csv"], format="twitter-io").added
    1
    >>> case.read("actions").select(["kind", "repost_of"]).to_pylist()
    [{'kind': 'repost', 'repost_of': '10'}]
"""

from __future__ import annotations

from pathlib import Path

from .base import ReadContext
from .fixed_layout import Check, Columns, FixedLayoutSource, Layout, literal
from .table_stream import header_of

TRUE = ("true", "1", "t", "yes")
FALSE = ("false", "0", "f", "no", "")

#: Columns mapped to canonical columns unconditionally (not repeated in ``extra``).
MAPPED = ("tweetid", "userid", "user_screen_name", "tweet_time", "tweet_text",
          "in_reply_to_tweetid", "hashtags", "urls", "user_mentions")


def bracket_list_sql(expr: str, strip: str = "", trimmed: str | None = None) -> str:
    """SQL turning a list written as ``['a', "b's"]``, ``["a"]``, ``[a, b]`` or ``a`` into
    VARCHAR[]. Quoted items are taken whole, so URLs with commas survive. ``trimmed``: SQL for
    ``trim(expr)`` where it is computed already (:meth:`Columns.trimmed`)."""
    x = trimmed or f"trim({expr})"

    def item(e: str) -> str:
        # an item's own work in one lambda: unquoting or trimming, then stripping
        return f"ltrim({e}, {literal(strip)})" if strip else e

    # Without a '"' only single-quoted items can match, and the regex's group is the item
    # itself: no lambda cuts the quotes off.
    single = f"regexp_extract_all({x}, '''([^'']*)''', 1)"
    if strip:
        single = f"list_transform({single}, lambda e: {item('e')})"
    quoted = (f"CASE WHEN contains({x}, '\"') THEN "
              f"list_transform(regexp_extract_all({x}, '''[^'']*''|\"[^\"]*\"'), "
              f"lambda e: {item('e[2:-2]')}) ELSE {single} END")
    bare = (f"list_transform(string_split(trim({x}, '[]'), ','), "
            f"lambda e: {item('trim(e)')})")
    items = (f"CASE WHEN starts_with({x}, '[') AND regexp_matches({x}, '^\\[\\s*[''\"]') "
             f"THEN {quoted} ELSE {bare} END")
    # empty values (most rows of most list columns) skip the lambdas
    return (f"CASE WHEN {expr} IS NULL OR {x} IN ('', '[]') THEN []::VARCHAR[] "
            f"ELSE list_filter({items}, lambda e: e IS NOT NULL AND e <> '') END")


class TwitterIOSource(FixedLayoutSource):
    """Twitter's information-operations archive CSV (hashed or unhashed)."""

    name = "twitter-io"
    platform = "twitter"
    description = "Twitter information-operations archive CSV (tweetid, userid, tweet_time, ...)"
    extensions = (".csv",)
    required_columns = ("tweetid", "userid", "user_screen_name", "tweet_time")

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        cols = set(header_of(head))
        return {"tweetid", "userid", "tweet_time", "is_retweet"} <= cols

    def layout(self, ctx: ReadContext, columns: list[str]) -> Layout:
        c = Columns(columns)
        is_rt = f"lower({c.trimmed('is_retweet')})"
        truth = ", ".join(literal(t) for t in TRUE)
        retweet = f"coalesce({is_rt} IN ({truth}), false)"
        reply_to, quoted, retweeted = (c.id("in_reply_to_tweetid"), c.id("quoted_tweet_tweetid"),
                                       c.id("retweet_tweetid"))
        kind = (f"CASE WHEN {retweet} THEN 'repost' WHEN {reply_to} IS NOT NULL THEN 'reply' "
                f"WHEN {quoted} IS NOT NULL THEN 'quote' ELSE 'post' END")
        exprs = {
            "platform": "'twitter'",
            "action_id": c.id("tweetid"),
            "account": c.id("user_screen_name"),
            "account_id": c.id("userid"),
            "ts": c.raw("tweet_time"),
            "kind": kind,
            "parent_id": reply_to,
            "repost_of": f"CASE WHEN {retweet} THEN {retweeted} ELSE {quoted} END",
            "text": c.raw("tweet_text"),
            "urls": (bracket_list_sql(c.raw("urls"), "", c.trimmed("urls")) if "urls" in c
                     else "[]::VARCHAR[]"),
            "hashtags": (bracket_list_sql(c.raw("hashtags"), "#", c.trimmed("hashtags"))
                         if "hashtags" in c else "[]::VARCHAR[]"),
            "mentions": (bracket_list_sql(c.raw("user_mentions"), "@",
                                          c.trimmed("user_mentions"))
                         if "user_mentions" in c else "[]::VARCHAR[]"),
        }
        extra = c.unmapped(set(MAPPED)) if self.options.extra_columns != "none" else []
        checks = [
            Check("tweetid", f"NOT regexp_full_match({c.trimmed('tweetid')}, '[0-9]+') "
                  f"AND {c.trimmed('tweetid')} <> ''",
                  "tweetid is not a number (a spreadsheet may have rounded it)", c.raw("tweetid")),
        ]
        if "is_retweet" in c:
            allowed = ", ".join(literal(t) for t in TRUE + FALSE)
            checks.append(Check("is_retweet", f"{is_rt} NOT IN ({allowed})",
                                "is_retweet must be true or false", c.raw("is_retweet")))
        labels = {"action_id": "tweetid", "account": "user_screen_name", "account_id": "userid",
                  "ts": "tweet_time", "text": "tweet_text", "parent_id": "in_reply_to_tweetid",
                  "repost_of": "retweet_tweetid", "kind": "is_retweet"}
        return Layout(exprs, labels, checks, extra=extra)

"""CrowdTangle CSV exports of Facebook and Instagram posts (``--format crowdtangle``).

CrowdTangle (Meta, 2016-2024) exported lists, saved searches and historical data as CSV with
one post per row and columns such as ``Page Name, User Name, Facebook Id, Page Category, Page
Admin Top Country, Post Created, Post Created Date, Post Created Time, Type, Total
Interactions, Likes, Comments, Shares, ..., URL, Message, Link, Final Link, Image Text, Link
Text, Description, ...`` (Facebook) or ``Account, User Name, Followers at Posting, Post Created,
..., URL, Link, Photo, Title, Description, ...`` (Instagram). ``Post Created`` is written in the
dashboard's time zone with its abbreviation (``2021-03-01 10:00:00 EST``).

Mapping (``docs/formats/crowdtangle.md``): ``URL`` (the post's address) -> ``action_id``;
``User Name`` -> ``account`` (the page or account display name when a page has no user name);
``Facebook Id`` -> ``account_id``; ``Post Created`` -> ``ts``, the zone abbreviation turned into
its UTC offset (:data:`ZONE_OFFSETS`; ``--tz ZONE`` instead reads the time in that IANA zone,
which also settles ambiguous abbreviations such as ``IST``); ``Message`` (Facebook) or
``Description`` (Instagram caption) -> ``text``; every post is kind ``post``. ``urls`` holds the
shared link (``Final Link``, the expanded form, else ``Link``) and the URLs written in the text;
``hashtags`` come from the text, ``mentions`` too on Instagram. The platform is ``instagram``
when the post URL is on instagram.com (or the file has Instagram's columns), else ``facebook``.
All other columns are kept in ``extra``.

Example::

    >>> import swarmscope, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "ct.csv").write_text(
    ...     "Page Name,User Name,Facebook Id,Post Created,Type,URL,Message,Link,Final Link\\n"
    ...     "Daily,dailynews,123,2021-03-01 10:00:00 EST,Link,"
    ...     "https://www.facebook.com/dailynews/posts/1,Read #this,https://bit.ly/x,https://e.org/a\\n")
    >>> case = swarmscope.Case.init(d / "case")
    >>> swarmscope.ingest(case, [d / "ct.csv"], format="crowdtangle").added
    1
    >>> row = case.read("actions").to_pylist()[0]
    >>> row["account"], row["ts"].isoformat(), row["urls"], row["hashtags"]
    ('dailynews', '2021-03-01T15:00:00+00:00', ['https://e.org/a'], ['this'])
"""

from __future__ import annotations

from pathlib import Path

from .base import ReadContext
from .fixed_layout import (
    RECORD_SQL,
    Check,
    Columns,
    FixedLayoutSource,
    Layout,
    derived,
    literal,
)
from .table_stream import header_of
from .text_entities import hashtags_sql, mentions_sql, urls_sql

#: Zone abbreviations CrowdTangle writes after ``Post Created``, with their UTC offsets.
#: ``CST`` is US Central (CrowdTangle is a US product; China Standard Time needs
#: ``--tz Asia/Shanghai``). Abbreviations with several common meanings (``IST``: India, Ireland,
#: Israel; ``AST``: Atlantic, Arabia) are not listed: such a time is rejected unless ``--tz``
#: names the zone.
ZONE_OFFSETS: dict[str, str] = {
    "UTC": "+00:00", "GMT": "+00:00", "Z": "+00:00",
    # North America
    "EST": "-05:00", "EDT": "-04:00", "CST": "-06:00", "CDT": "-05:00",
    "MST": "-07:00", "MDT": "-06:00", "PST": "-08:00", "PDT": "-07:00",
    "AKST": "-09:00", "AKDT": "-08:00", "HST": "-10:00", "HDT": "-09:00",
    "NST": "-03:30", "NDT": "-02:30",
    # Europe
    "WET": "+00:00", "WEST": "+01:00", "BST": "+01:00", "CET": "+01:00", "CEST": "+02:00",
    "EET": "+02:00", "EEST": "+03:00", "MSK": "+03:00",
    # Africa
    "WAT": "+01:00", "CAT": "+02:00", "SAST": "+02:00", "EAT": "+03:00",
    # Asia and Oceania
    "PKT": "+05:00", "WIB": "+07:00", "HKT": "+08:00", "SGT": "+08:00", "PHT": "+08:00",
    "AWST": "+08:00", "JST": "+09:00", "KST": "+09:00", "ACST": "+09:30", "ACDT": "+10:30",
    "AEST": "+10:00", "AEDT": "+11:00", "NZST": "+12:00", "NZDT": "+13:00",
    # South America
    "BRT": "-03:00", "ART": "-03:00",
}

DISPLAY_NAME_COLUMNS = ("Page Name", "Group Name", "Account", "Name")
_ZONE_RE = "^(.*[0-9])\\s+([A-Za-z]{1,5}|[+-][0-9]{2}:?[0-9]{2})$"


def zone_steps(created: str, tz_given: bool,
               trimmed: str | None = None) -> tuple[list[dict[str, str]], str, str]:
    """Layout steps reading ``Post Created``, the SQL of the time to parse, and of the unknown
    abbreviation (NULL when known). ``trimmed``: SQL for ``trim(created)`` where it is
    computed already."""
    t = trimmed or f"trim({created})"
    # both groups from one match (a struct), not one regex evaluation per group
    parts = {"zone_parts": f"regexp_extract({t}, '{_ZONE_RE}', ['bare', 'zone'])"}
    first = {"zone": f"upper(struct_extract({derived('zone_parts')}, 'zone'))",
             "bare": f"struct_extract({derived('zone_parts')}, 'bare')"}
    zone, bare = derived("zone"), derived("bare")
    numeric = f"regexp_matches({zone}, '^[+-]')"
    cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in ZONE_OFFSETS.items())
    # a numeric offset is explicit and always wins; --tz replaces abbreviations
    known = f"CASE {zone} {cases} END" if not tz_given else "NULL::VARCHAR"
    second = {"offset": f"CASE WHEN {numeric} THEN {zone} ELSE {known} END"}
    offset = derived("offset")
    if tz_given:
        ts = (f"CASE WHEN {zone} = '' THEN {created} WHEN {offset} IS NOT NULL "
              f"THEN {bare} || {offset} ELSE {bare} END")
        return [parts, first, second], ts, "NULL::VARCHAR"
    ts = (f"CASE WHEN {zone} = '' OR {offset} IS NULL THEN {created} "
          f"ELSE {bare} || {offset} END")
    unknown = f"CASE WHEN {zone} <> '' AND {offset} IS NULL THEN {zone} END"
    return [parts, first, second], ts, unknown


class CrowdTangleSource(FixedLayoutSource):
    """CrowdTangle post exports (Facebook pages and groups, Instagram accounts)."""

    name = "crowdtangle"
    platform = "facebook"
    description = "CrowdTangle CSV export of Facebook or Instagram posts"
    extensions = (".csv",)
    required_columns = ("URL",)
    # Each batch costs tens of milliseconds whatever its size (binding the mapping and derive
    # statements, compiling their regexes, one Parquet row group, normalising the batch's
    # distinct links); with twice the rows of the default, a 200k-row export took a tenth less
    # CPU time. Twitter IO, whose mapping is cheaper per batch, measured better at the default.
    batch_rows = 65_536

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        cols = set(header_of(head))
        created = "Post Created" in cols or "Post Created Date" in cols
        return created and "URL" in cols and bool(
            cols & {"Facebook Id", "Total Interactions", "Followers at Posting"})

    def layout(self, ctx: ReadContext, columns: list[str]) -> Layout:
        c = Columns(columns)
        checks: list[Check] = []
        steps: list[dict[str, str]] = [{}, {}, {}]
        if "Post Created" in c:
            zone, ts, unknown = zone_steps(c.raw("Post Created"), bool(self.options.tz),
                                           c.trimmed("Post Created"))
            for step, values in zip(steps, zone, strict=False):
                step.update(values)
            ts_label = "Post Created"
            checks.append(Check(
                "Post Created", f"{unknown} IS NOT NULL",
                "unknown or ambiguous time zone abbreviation; give --tz with the export's "
                "IANA zone (e.g. --tz Asia/Kolkata)", c.raw("Post Created")))
        elif "Post Created Date" in c:
            ts = (f"{c.raw('Post Created Date')} || ' ' || "
                  f"coalesce({c.raw('Post Created Time')}, '00:00:00')")
            ts_label = "Post Created Date"
        else:
            ts, ts_label = "NULL::VARCHAR", "Post Created"
        display = c.first(*DISPLAY_NAME_COLUMNS)
        instagram_file = "Account" in c and "Page Name" not in c and "Facebook Id" not in c
        steps[0]["url"] = c.id("URL")
        url = derived("url")
        # A Facebook address needs a test of its own only where the default is Instagram.
        facebook = (f"WHEN regexp_matches(coalesce({url}, ''), "
                    f"'^https?://([a-z0-9-]+\\.)*(facebook\\.com|fb\\.com|fb\\.watch)/', 'i') "
                    f"THEN 'facebook' " if instagram_file else "")
        steps[1]["platform"] = (
            f"CASE WHEN regexp_matches(coalesce({url}, ''), "
            f"'^https?://([a-z0-9-]+\\.)*instagram\\.com/', 'i') THEN 'instagram' "
            f"{facebook}ELSE {literal('instagram' if instagram_file else 'facebook')} END")
        platform = derived("platform")
        text_col = c.first("Message", "Description")
        text = c.raw(text_col)
        shared = f"coalesce({c.id('Final Link')}, {c.id('Link')})"
        steps[1]["found"] = (f"list_filter(list_concat([{shared}], {urls_sql(text)}), "
                             f"lambda u: u IS NOT NULL AND u IS DISTINCT FROM {url})")
        found = derived("found")
        # first occurrence of each URL, in order (list_distinct does not keep order)
        urls = f"list_filter({found}, lambda u, i: list_position({found}, u) = i)"
        exprs = {
            "platform": platform,
            "action_id": f"coalesce({url}, {literal(ctx.file_key + ':')} || CAST({RECORD_SQL} AS VARCHAR))",
            "account": f"coalesce({c.id('User Name')}, {c.id(display)})",
            "account_id": c.id("Facebook Id"),
            "ts": ts,
            "kind": "'post'",
            "text": text,
            "title": c.raw("Title"),
            "urls": urls,
            "hashtags": hashtags_sql(text),
            "mentions": (f"CASE WHEN {platform} = 'instagram' THEN "
                         f"{mentions_sql(text, 'instagram')} ELSE []::VARCHAR[] END"),
        }
        mapped = {"URL", "User Name", "Facebook Id", "Post Created", text_col, "Title",
                  "Final Link"}
        extra = (c.unmapped({m for m in mapped if m}) if self.options.extra_columns != "none"
                 else [])
        labels = {"action_id": "URL", "account": "User Name", "account_id": "Facebook Id",
                  "ts": ts_label, "text": text_col or "Message", "title": "Title"}
        return Layout(exprs, labels, checks, steps, extra=extra)

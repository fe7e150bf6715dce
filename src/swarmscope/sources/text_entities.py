"""Hashtags, mentions and URLs found in the text of a post, for formats that give only the text.

Twitter's API and the information-operations archive list a tweet's entities; FiveThirtyEight's
IRA tweets, CrowdTangle exports and YouTube comments give only the text. For those, adapters
derive ``hashtags``, ``mentions`` and (where documented) ``urls`` with these SQL expressions, so
every adapter and every engine extracts the same entities:

- a **hashtag** is ``#`` followed by letters, digits, marks or ``_`` with at least one letter,
  not inside a URL and not glued to a preceding letter, digit, ``_`` or ``&`` (``a#b`` and
  ``&#39;`` are not hashtags, as in Twitter's ``twitter-text`` rules);
- a **mention** is ``@`` followed by a handle of the platform's alphabet (Twitter: ``A-Z a-z
  0-9 _``, at most 15; Instagram: also ``.``, at most 30; YouTube: also ``.`` and ``-``), not
  preceded by a word character (so e-mail addresses do not count) and not longer than allowed;
  a trailing ``.`` is taken as punctuation;
- a **URL** is ``http://`` or ``https://`` up to white space, ``<``, ``>`` or ``"``, without
  trailing punctuation ``.,;:!?)]}'``.

Example::

    >>> import duckdb
    >>> def run(sql, text):
    ...     return duckdb.execute("SELECT " + sql, {"t": text}).fetchone()[0]
    >>> run(hashtags_sql("$t"), "Vote #Выборы2024 a#b #123")
    ['Выборы2024']
    >>> run(mentions_sql("$t"), "hi @ann_1, mail me@x.org")
    ['ann_1']
    >>> run(urls_sql("$t"), "see https://e.org/a).")
    ['https://e.org/a']
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

#: Handle alphabets and maximum lengths per platform.
HANDLES = {
    "twitter": ("A-Za-z0-9_", 15),
    "instagram": ("A-Za-z0-9_.", 30),
    "youtube": ("A-Za-z0-9_.\\-", 30),
}

_URL = "https?://[^\\s<>\"]+"


def hashtags_sql(text: str) -> str:
    """SQL (DuckDB) for the hashtags in the VARCHAR expression ``text``, without ``#``.

    ``text`` is read several times: give a column, not an expression."""
    ascii_tags = _hashtags(text, "A-Za-z", "0-9", "")
    unicode_tags = _hashtags(text, "\\p{L}", "\\p{N}", "\\p{M}")
    return (f"CASE WHEN {text} IS NULL OR NOT contains({text}, '#') THEN []::VARCHAR[] "
            # one byte per character: ASCII, where the Unicode classes below are these classes
            f"WHEN strlen({text}) = length({text}) THEN {ascii_tags} ELSE {unicode_tags} END")


def _hashtags(text: str, letters: str, digits: str, marks: str) -> str:
    # Two steps instead of one regex with a leading context class: RE2 is several times slower
    # with a large Unicode class before the '#'. Step one blanks URLs and 'x#' glued tags. With
    # the Unicode classes both steps cost four times what they cost with the ASCII ones, which
    # give the same matches in an ASCII text (no ASCII character is a mark; the ASCII letters
    # and digits are A-Z, a-z and 0-9).
    cleaned = f"regexp_replace({text}, '{_URL}|[{letters}{digits}{marks}_&]#', ' ', 'g')"
    found = f"regexp_extract_all({cleaned}, '#([{letters}{digits}{marks}_]+)', 1)"
    # A tag holds letters, digits, marks and '_' only, so it has a letter exactly when it is
    # not all digits, marks and '_'. DuckDB compiles a lambda's regex again for every chunk of
    # 2,048 rows, and [\p{N}\p{M}_]* compiles in half the time \p{L} takes.
    return f"list_filter({found}, lambda h: NOT regexp_full_match(h, '[{digits}{marks}_]*'))"


def mentions_sql(text: str, platform: str = "twitter") -> str:
    """SQL for the ``@`` mentions in ``text`` (handles without ``@``)."""
    chars, longest = HANDLES[platform]
    cleaned = f"regexp_replace({text}, '{_URL}|[A-Za-z0-9_.+\\-]@', ' ', 'g')"
    found = f"regexp_extract_all({cleaned}, '@([{chars}]{{1,{longest}}})([^{chars}]|$)', 1)"
    return (f"CASE WHEN {text} IS NULL OR NOT contains({text}, '@') THEN []::VARCHAR[] "
            f"ELSE list_filter(list_transform({found}, lambda m: rtrim(m, '.')), "
            f"lambda m: m <> '') END")


def urls_sql(text: str) -> str:
    """SQL for the ``http(s)://`` URLs written in ``text``."""
    return (f"CASE WHEN {text} IS NULL OR NOT contains({text}, '://') THEN []::VARCHAR[] "
            f"ELSE list_transform(regexp_extract_all({text}, '{_URL}'), "
            f"lambda u: rtrim(u, '.,;:!?)]}}''')) END")


def with_text_entities(con: duckdb.DuckDBPyConnection, batch: pa.RecordBatch, platform: str,
                       urls: bool = True) -> pa.Table:
    """``batch`` (source schema) with ``hashtags``, ``mentions`` and, if ``urls``, ``urls``
    filled from its ``text`` column, for adapters that build rows in Python."""
    replace = [f"{hashtags_sql('text')} AS hashtags",
               f"{mentions_sql('text', platform)} AS mentions"]
    if urls:
        replace.append(f"{urls_sql('text')} AS urls")
    return con.sql(f"SELECT * REPLACE ({', '.join(replace)}) FROM batch").to_arrow_table()  # noqa: S608

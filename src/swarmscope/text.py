"""Text normalisation for the ``text`` behaviour (identical text after normalisation).

Copy-paste farms post the same message with trivial changes: a different ``@mention``, a
shortened link, extra spaces, a ``RT @x:`` prefix, changed case. The normalised form lower-cases,
removes a leading ``RT @name:`` prefix, URLs and ``@mentions``, and collapses white space. The
*text key* is the MD5 of that form, or NULL when nothing is left.

The normalisation is one SQL expression (:data:`TEXT_KEY_SQL`), evaluated by the engine at ingest
time for every action, so DuckDB and Spark compute the same keys. :func:`text_key` evaluates the
same expression for a single string.

Example::

    >>> text_key("RT @someone: Vote  NOW https://t.co/x") == text_key("vote now @other")
    True
    >>> text_key("  https://t.co/abc ") is None
    True
"""

from __future__ import annotations

import duckdb


def removed_sql(col: str) -> str:
    """SQL for the first step of the normalisation of ``col``: lower-cased, with the RT prefix,
    URLs and mentions replaced by a space."""
    # Every match contains '@' or '://' (lower-casing creates neither), so texts with neither
    # (many) skip the regex. The white space around a URL or mention is replaced with it: the
    # next step turns every run of white space into one space anyway, and a removal that left
    # the spaces on both sides made a run of three that the next step then had to rewrite.
    low = f"lower({col})"
    return (f"CASE WHEN contains({col}, '@') OR contains({col}, '://') THEN regexp_replace("
            f"{low}, '^rt @[a-z0-9_]+:\\s*|\\s*(?:https?://[^\\s]+|@[a-z0-9_]+)\\s*', ' ', 'g') "
            f"ELSE {low} END")


def collapsed_sql(col: str) -> str:
    """SQL for the second step: every run of white space (``\\s``: tab, line feed, form feed,
    carriage return, space) as one space, trimmed."""
    return f"trim({squeezed_sql(col)})"


def squeezed_sql(col: str) -> str:
    """:func:`collapsed_sql` without the trim, for a statement that trims in a step of its own
    with :func:`~swarmscope.engine.trim_sql` (DuckDB's trim reads the whole text)."""
    # The regex matches only runs of two or more white-space characters and single ones other
    # than a space: the same result as replacing every run of ``\s+`` with one space, but a
    # single space between words (almost every match of ``\s+``) is left alone. A text without
    # two spaces in a row nor any of the other four characters has no match at all: a few
    # substring tests find those (most texts) at a quarter of the regex's cost.
    tests = " OR ".join([f"contains({col}, '  ')"]
                        + [f"contains({col}, chr({c}))" for c in (9, 10, 12, 13)])
    return (f"CASE WHEN {tests} THEN regexp_replace({col}, '\\s\\s+|[^\\S ]', ' ', 'g') "
            f"ELSE {col} END")


def key_sql(normalized: str) -> str:
    """SQL for the text key of an already normalised text (NULL when it is empty)."""
    return f"md5(nullif({normalized}, ''))"


def normalized_text_sql(col: str) -> str:
    """SQL expression for the normalised form of the text column ``col``."""
    return collapsed_sql(removed_sql(col))


def text_key_sql(col: str) -> str:
    """SQL expression for the text key of ``col`` (NULL when the normalised text is empty).

    Where the statement allows, evaluating the steps in nested ``SELECT`` s (:func:`removed_sql`,
    then :func:`collapsed_sql`, then :func:`key_sql`) is faster: each refers to the previous
    value several times, and DuckDB does not always share such work within one expression.
    """
    return key_sql(normalized_text_sql(col))


TEXT_KEY_SQL = text_key_sql("text")


def text_key(text: str | None) -> str | None:
    """Text key of one string, computed by the same SQL the ingest pipeline uses."""
    if text is None:
        return None
    row = duckdb.execute(f"SELECT {text_key_sql('$t')}", {"t": text}).fetchall()[0]
    return row[0] if row else None


def normalize_text(text: str | None) -> str | None:
    """The normalised form itself (for display in explanations)."""
    if text is None:
        return None
    row = duckdb.execute(f"SELECT {normalized_text_sql('$t')}", {"t": text}).fetchall()[0]
    return row[0] if row else None

"""The text key's SQL gives the same keys as its plain definition (lower-case, remove the RT
prefix, URLs and mentions, collapse white space, trim), however the SQL is arranged for speed."""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from swarmscope.engine import SPACE_SEPARATORS, trim_sql
from swarmscope.text import (
    TEXT_KEY_SQL,
    collapsed_sql,
    key_sql,
    normalize_text,
    removed_sql,
    squeezed_sql,
)

#: The definition written plainly: each regex over every text.
PLAIN_NORMALIZED = ("trim(regexp_replace(regexp_replace(lower(text), "
                    "'^rt @[a-z0-9_]+:\\s*|https?://[^\\s]+|@[a-z0-9_]+', ' ', 'g'), "
                    "'\\s+', ' ', 'g'))")
PLAIN_KEY = f"CASE WHEN {PLAIN_NORMALIZED} = '' THEN NULL ELSE md5({PLAIN_NORMALIZED}) END"

HOSTILE = [
    "RT @Bob: hi  there\tx", "a\u00a0b  c", " lead", "x\r\ny", None, "", "   ", "@a https://x.y",
    "\x0bv\x0c", "A\u2028B", "ÀB @Ç", "tab\tonly", "http://a.b/c", "İ@x", "rt @x:  @y",
    " rt @x: y", "@a@b", "\v @a", "a @b\v", "x https://a.b\t\t@c d", "RT @x:", "rt @x:\n\nhi @y  ",
    "e@mail.com x", "a://b c", "\u3000@x\u3000", "@ab https://x  \x0c  ", "word", "Vote  NOW",
]


def _texts() -> list[str | None]:
    rng = random.Random(7)
    pieces = ["vote", "NOW", "@ann", "@b_1", "RT @c:", "https://t.co/x", "http://e.org/a?b=1",
              " ", "  ", "\t", "\n", "\r\n", "\x0c", "\x0b", "\u00a0", "é", "#tag", ":", "rt"]
    out: list[str | None] = list(HOSTILE)
    for _ in range(3000):
        out.append("".join(rng.choice(pieces) + rng.choice(["", " "])
                           for _ in range(rng.randrange(8))))
    return out


def test_text_key_sql_matches_the_plain_definition() -> None:
    texts = pa.table({"text": pa.array(_texts(), pa.string())})  # noqa: F841 - scanned by name
    con = duckdb.connect()
    plain = con.sql(f"SELECT {PLAIN_KEY} AS k FROM texts").fetchall()
    one_expression = con.sql(f"SELECT {TEXT_KEY_SQL} AS k FROM texts").fetchall()
    steps = con.sql(
        f"SELECT {key_sql('t')} AS k FROM (SELECT {collapsed_sql('t')} AS t FROM "
        f"(SELECT {removed_sql('text')} AS t FROM texts))").fetchall()
    # as the ingest pipeline arranges it: the trim in a step of its own, with trim_sql
    pipeline = con.sql(
        f"SELECT {key_sql('t')} AS k FROM (SELECT {trim_sql('t')} AS t FROM "
        f"(SELECT {squeezed_sql('t')} AS t FROM (SELECT {removed_sql('text')} AS t FROM texts)))"
    ).fetchall()
    assert one_expression == plain
    assert steps == plain
    assert pipeline == plain


def test_trim_sql_is_duckdb_trim() -> None:
    """trim_sql tests the ends with \\p{Zs}: it must trim exactly what trim() trims, for every
    code point, at either end, alone or repeated."""
    chars = [chr(c) for c in range(1, 0x110000) if not 0xD800 <= c <= 0xDFFF]
    values = [None, "", "a", *chars, *(c + "a" + c for c in chars), *(c * 3 for c in chars),
              *(f"a{c}b" for c in chars[:5000])]
    given = pa.table({"x": pa.array(values, pa.string())})  # noqa: F841 - scanned by name
    con = duckdb.connect()
    differ = con.sql(f"SELECT count(*) FROM given WHERE {trim_sql('x')} IS DISTINCT FROM trim(x)"
                     ).fetchall()[0][0]
    assert differ == 0
    trimmed = pc.utf8_trim(given.column("x"), characters=SPACE_SEPARATORS)
    assert trimmed.equals(con.sql("SELECT trim(x) AS x FROM given").to_arrow_table().column("x"))


def test_normalized_text() -> None:
    assert normalize_text("RT @x: Vote \t NOW https://t.co/a @b ") == "vote now"
    assert normalize_text("  @only  ") == ""

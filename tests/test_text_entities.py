"""Hashtags taken from the text keep their definition however the SQL is arranged for speed."""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa

from swarmscope.sources.text_entities import _URL, hashtags_sql

#: The definition written plainly: blank URLs and glued 'x#', take '#' runs, keep those with a
#: letter.
PLAIN = ("CASE WHEN t IS NULL OR NOT contains(t, '#') THEN []::VARCHAR[] ELSE list_filter("
         f"regexp_extract_all(regexp_replace(t, '{_URL}|[\\p{{L}}\\p{{N}}\\p{{M}}_&]#', ' ', 'g'), "
         "'#([\\p{L}\\p{N}\\p{M}_]+)', 1), lambda h: regexp_matches(h, '\\p{L}')) END")


def test_hashtags_match_the_plain_definition() -> None:
    rng = random.Random(4)
    # letters, digits and marks of several scripts, '_', glued and URL-borne '#'
    pieces = ["#", "#", "a", "1", "_", "é", "\u0301", "\u0663", "Ы", "中", " ", "https://x.y/#a",
              "&#", "x#", "#_1", "#٣", "#\u0301a", "²", "Ⅰ", ".", "#2020", "\u00a0", "😡"]
    texts = [None, "", "#123", "#a1", "#_", "#١٢٣", "#٣x", "a#b", "#\u0301"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(12))) for _ in range(5000)]
    # ASCII texts take ASCII classes: the same tags
    ascii_pieces = [p for p in pieces if p.isascii()] + ["#Tag", "B#c", "#9a", "#a_1", "(#x)"]
    texts += ["".join(rng.choice(ascii_pieces) for _ in range(rng.randrange(12)))
              for _ in range(5000)]
    given = pa.table({"t": pa.array(texts, pa.string())})  # noqa: F841 - scanned by name
    con = duckdb.connect()
    plain = con.sql(f"SELECT {PLAIN} FROM given").fetchall()
    fast = con.sql(f"SELECT {hashtags_sql('t')} FROM given").fetchall()
    assert sum(1 for (tags,) in plain if tags) > 1000
    assert fast == plain

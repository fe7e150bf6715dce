"""``extra`` of the fixed-layout formats is built with Arrow kernels: it must stay byte-identical
to DuckDB's ``json_object``, which built it before, for any text and any mix of columns."""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa
import pytest

from swarmscope.schema import SOURCE_COLUMNS
from swarmscope.sources.fixed_layout import _with_input_columns
from swarmscope.sources.json_object import json_objects, json_string
from swarmscope.sources.table_stream import RECORD

ALPHABET = [chr(c) for c in range(0x80)] + ["é", "Ы", "😡", "\u2028", "\u00a0", "\ufeff"]


def _duckdb_objects(names: list[str], columns: list[pa.Array]) -> list[str | None]:
    given = pa.table(columns, names=[f"c{i}" for i in range(len(columns))])
    given = given.append_column("i", pa.array(range(given.num_rows), pa.int64()))  # noqa: F841
    args = ", ".join(f"$k{i}, c{i}" for i in range(len(names)))
    params = {f"k{i}": name for i, name in enumerate(names)}
    rows = duckdb.connect().execute(
        f"SELECT CAST(json_object({args}) AS VARCHAR) FROM given ORDER BY i", params).fetchall()
    return [r[0] for r in rows]


def _random_column(rng: random.Random, rows: int, kind: str) -> pa.Array:
    if kind == "empty":
        return pa.array([""] * rows, pa.string())
    if kind == "constant":
        value = "".join(rng.choice(ALPHABET) for _ in range(5))
        return pa.array([value] * rows, pa.string())
    values = []
    for _ in range(rows):
        r = rng.random()
        if kind == "nulls" and r < 0.2:
            values.append(None)
        elif r < 0.4:
            values.append("")
        elif kind == "plain":
            values.append("".join(rng.choice("abc 123/.:-_é😡") for _ in range(rng.randrange(9))))
        else:
            values.append("".join(rng.choice(ALPHABET) for _ in range(rng.randrange(9))))
    return pa.array(values, pa.string())


@pytest.mark.parametrize("seed", range(4))
def test_same_bytes_as_duckdb_json_object(seed: int) -> None:
    rng = random.Random(seed)
    kinds = ["empty", "constant", "plain", "any", "nulls"]
    columns = [_random_column(rng, 500, rng.choice(kinds)) for _ in range(8)]
    names = ["".join(rng.choice(ALPHABET) for _ in range(rng.randrange(1, 6))) + str(i)
             for i in range(len(columns))]
    expected = _duckdb_objects(names, columns)
    assert json_objects(names, columns).to_pylist() == expected
    # sliced arrays (a batch's rows are often a slice of a larger buffer) and chunked columns
    assert json_objects(names, [c.slice(123) for c in columns]).to_pylist() == expected[123:]
    chunked = [pa.chunked_array([c.slice(0, 200), c.slice(200)]) for c in columns]
    assert json_objects(names, chunked).to_pylist() == expected


def test_constant_only_in_some_chunks_and_null_constants() -> None:
    names = ["a", "b", "c"]
    columns = [pa.chunked_array([["x", "x"], ["x", "y"]]),
               pa.chunked_array([["", ""], ["", None]]),
               pa.chunked_array([[None, None], [None, None]], pa.string())]
    expected = _duckdb_objects(names, [c.combine_chunks() for c in columns])
    assert json_objects(names, columns).to_pylist() == expected
    assert json_objects(["k"], [pa.array([], pa.string())]).to_pylist() == []


def test_keys_are_escaped_like_values() -> None:
    for key in ['"', "\\", "\n", "\x01", "é", "a b"]:
        assert json_objects([key], [pa.array(["v"])]).to_pylist() == \
            _duckdb_objects([key], [pa.array(["v"])])
        assert json_string(key) == duckdb.execute("SELECT CAST(to_json($k) AS VARCHAR)",
                                                  {"k": key}).fetchall()[0][0]


def test_mapped_rows_out_of_order_are_put_back_in_record_order() -> None:
    batch = pa.table({"msg": ["m1", "m2", "m3"], "x": ["a", "b", "c"],
                      RECORD: pa.array([4, 7, 9], pa.int64())})
    mapped = pa.table({c: pa.nulls(3, pa.string()) for c in SOURCE_COLUMNS
                       if c not in ("text", "extra")})
    mapped = mapped.set_column(mapped.schema.get_field_index("account"), "account",
                               pa.array(["u3", "u1", "u2"]))
    mapped = mapped.append_column("record", pa.array([9, 4, 7], pa.int64()))
    out = _with_input_columns(mapped, batch, {"text": "msg"}, ["x"])
    assert out.column_names == [*SOURCE_COLUMNS, "record"]
    assert out.column("record").to_pylist() == [4, 7, 9]
    assert out.column("account").to_pylist() == ["u1", "u2", "u3"]
    assert out.column("text").to_pylist() == ["m1", "m2", "m3"]
    assert out.column("extra").to_pylist() == ['{"x":"a"}', '{"x":"b"}', '{"x":"c"}']

"""Formula-safe CSV for the report's exports, vectorised.

The same rule as :func:`swarmscope.exports.write_csv` (a cell that starts with one of
:data:`swarmscope.exports.FORMULA_PREFIXES` gets a leading ``'``, so a spreadsheet shows it as
text instead of running it; numbers stay numbers), applied with Arrow compute functions instead
of a Python loop over cells: an evidence table of a few hundred thousand events is written in a
fraction of a second. Tables with nested columns (lists, structs) go through ``write_csv``.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..exports import FORMULA_PREFIXES, neutralize_cell, write_csv

# RE2 character class of FORMULA_PREFIXES ("=", "+", "-", "@", tab, carriage return).
_FORMULA = r"^[=+\-@\t\r]"
assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}


def _flat(t: pa.DataType) -> bool:
    return not (pa.types.is_nested(t) or pa.types.is_dictionary(t) or pa.types.is_binary(t)
                or pa.types.is_large_binary(t))


def write_safe_csv(table: pa.Table, path: Path) -> None:
    """Write ``table`` as UTF-8 CSV with formula injection neutralised."""
    if not all(_flat(f.type) for f in table.schema):
        write_csv(table, path)
        return
    cols = []
    for f in table.schema:
        col = table.column(f.name)
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
            bad = pc.match_substring_regex(col, _FORMULA)
            col = pc.if_else(bad, pc.binary_join_element_wise("'", col, ""), col)
        cols.append(col)
    names = [str(neutralize_cell(n)) for n in table.column_names]
    pacsv.write_csv(pa.table(cols, names=names), path,
                    write_options=pacsv.WriteOptions(quoting_style="needed"))

"""Derived tables: what a behaviour reads besides ``actions``, computed from the case first.

A behaviour such as ``neartext`` projects the actions through a table that a signal computes
(near-duplicate text families, :mod:`swarmscope.signals.neardup`). The behaviour names that
table in :attr:`swarmscope.behaviours.Behaviour.requires`; this registry says how to compute it,
so ``detect`` derives what the requested behaviours need without knowing any of them by name,
and publishes each derived table into the case next to its results (explanations and the
dossier read it there).

A plugin adds one with an entry point in the group ``swarmscope.derived_tables`` whose object is
a :class:`DerivedTable` (or a callable returning one), together with the behaviour that reads it.

Example::

    >>> get_derived_table("text_families").engines
    ('duckdb',)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from ..case import Case
from ..errors import UsageError
from ..plugins import add_entry_points
from .neardup import text_families


@dataclass(frozen=True)
class DerivedTable:
    """A table computed from a case: ``compute(case)`` returns it and counts for the run log."""

    name: str
    #: shown as progress while it is computed
    description: str
    compute: Callable[[Case], tuple[pa.Table, dict[str, Any]]]
    #: engines whose detection can use it (it is computed on the driver and registered)
    engines: tuple[str, ...] = ("duckdb",)


_REGISTRY: dict[str, DerivedTable] = {
    "text_families": DerivedTable(
        "text_families", "near-duplicate text families (MinHash + LSH)", text_families),
}


def derived_tables() -> dict[str, DerivedTable]:
    """All known derived tables by name (built-in and from plugins)."""
    add_entry_points("swarmscope.derived_tables", _REGISTRY, DerivedTable)
    return dict(_REGISTRY)


def get_derived_table(name: str) -> DerivedTable:
    known = derived_tables()
    if name not in known:
        raise UsageError(f"no way to compute table {name!r}, which a behaviour requires; "
                         f"known: {', '.join(sorted(known))}")
    return known[name]


def register_derived_table(table: DerivedTable, replace: bool = False) -> None:
    """Add a derived table (for plugins and notebooks)."""
    if table.name in _REGISTRY and not replace:
        raise UsageError(f"derived table {table.name!r} exists already")
    _REGISTRY[table.name] = table

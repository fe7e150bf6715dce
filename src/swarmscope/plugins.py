"""Plugins: objects third-party packages add to swarmscope's registries through entry points.

A registry (behaviours, derived tables) maps names to objects of one class. A package adds to it
with an entry point in the registry's group whose object is an instance of that class, or a
callable returning one. Built-in and explicitly registered names win over entry points.

Example::

    >>> registry = {}
    >>> add_entry_points("swarmscope.no-such-group", registry, dict)
    >>> registry
    {}
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import TypeVar

T = TypeVar("T")

# Entry points are fixed for the life of a process, and listing them reads the metadata of every
# installed distribution (tens of milliseconds): each group is read once.
_loaded: set[str] = set()


def add_entry_points(group: str, registry: dict[str, T], kind: type[T]) -> None:
    """Add the entry points of ``group`` to ``registry`` (once per process), each as the object
    it names when that is a ``kind``, else as what calling that object returns."""
    if group in _loaded:
        return
    for ep in entry_points(group=group):
        if ep.name not in registry:
            obj = ep.load()
            registry[ep.name] = obj if isinstance(obj, kind) else obj()
    _loaded.add(group)

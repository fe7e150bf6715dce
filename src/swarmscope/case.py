"""The case store: a folder that holds one investigation.

Layout::

    CASE/
      case.toml            manifest and provenance (the source of truth)
      catalog.duckdb       DuckDB catalog with views over the tables (open it with any DuckDB client)
      tables/actions/      Parquet parts of the actions table (and of other tables: labels, ...)
      results/             signal outputs (edges.parquet, accounts.parquet, ...)
      rejects/             records rejected by ``--on-error skip``, with reasons
      .staging/            work in progress of an unfinished transaction (safe to delete)

Guarantees (``docs/case-store.md``):

- **Atomic**: a transaction stages new Parquet parts, moves them into ``tables/`` under fresh
  names, then replaces ``case.toml`` with one ``os.replace``. Readers only read the parts that the
  manifest lists, so a crash or a SIGKILL at any point leaves the case as it was before the
  transaction; files of the unfinished transaction are removed the next time the case is opened
  for writing.
- **Single writer**: a write transaction holds an exclusive ``flock`` on ``CASE/.lock``; a second
  writer waits (or fails with a clear message when ``wait=False``).
- **Idempotent ingest** is built on top (see :mod:`swarmscope.ingest`): duplicates by
  ``(platform, action_id)`` are dropped and counted.

Example::

    >>> import tempfile, pathlib
    >>> case = Case.init(pathlib.Path(tempfile.mkdtemp()) / "demo")
    >>> case.count("actions")
    0
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import tomli_w

from . import __version__
from .engine import connect, sql_list
from .errors import CaseError
from .schema import ACTIONS_SCHEMA

MANIFEST = "case.toml"
CATALOG = "catalog.duckdb"
FORMAT_VERSION = 1


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class Transaction:
    """Changes to a case that become visible together at :meth:`Case.transaction` exit."""

    case: Case
    txid: str
    staging: Path
    new_parts: dict[str, list[Path]] = field(default_factory=dict)
    replace_tables: set[str] = field(default_factory=set)
    ingests: list[dict[str, Any]] = field(default_factory=list)
    results: dict[str, Path] = field(default_factory=dict)
    dropped_results: set[str] = field(default_factory=set)
    files: dict[str, Path] = field(default_factory=dict)
    table_meta: dict[str, dict[str, Any]] = field(default_factory=dict)

    def stage_path(self, name: str) -> Path:
        """A fresh path inside this transaction's staging folder."""
        return self.staging / name

    def add_part(self, table: str, path: Path) -> None:
        """Add a staged Parquet file as a new part of ``table``."""
        self.new_parts.setdefault(table, []).append(path)

    def replace_table(self, table: str, paths: list[Path]) -> None:
        """Make ``paths`` the only parts of ``table`` (old parts are dropped at commit)."""
        self.replace_tables.add(table)
        self.new_parts[table] = list(paths)

    def set_table_meta(self, table: str, **values: Any) -> None:
        """Record facts about ``table`` in the manifest at commit (e.g. ``hashes_exact``)."""
        self.table_meta.setdefault(table, {}).update(values)

    def add_result(self, name: str, path: Path) -> None:
        """Publish a staged file as ``results/<name>`` (replacing an older one at commit)."""
        self.results[name] = path

    def drop_result(self, name: str) -> None:
        """Withdraw ``results/<name>`` at commit, if an earlier run published it (a result this
        run does not produce must not stay next to the ones it does)."""
        self.dropped_results.add(name)

    def add_file(self, relpath: str, path: Path) -> None:
        """Publish a staged file at ``CASE/<relpath>`` (e.g. ``rejects/<id>.jsonl``)."""
        self.files[relpath] = path

    def record_ingest(self, entry: dict[str, Any]) -> None:
        self.ingests.append(entry)


class Case:
    """An investigation folder: actions and other tables, results, provenance."""

    def __init__(self, path: Path, manifest: dict[str, Any]) -> None:
        self.path = Path(path)
        self.manifest = manifest

    # ----------------------------------------------------------------- create / open
    @classmethod
    def init(cls, path: str | Path, name: str | None = None, exist_ok: bool = False) -> Case:
        """Create an empty case at ``path``."""
        path = Path(path)
        if (path / MANIFEST).exists():
            if exist_ok:
                return cls.open(path)
            raise CaseError(f"{path} is already a swarmscope case")
        if path.exists() and any(path.iterdir()):
            raise CaseError(f"{path} exists and is not empty; choose a new folder for the case")
        path.mkdir(parents=True, exist_ok=True)
        manifest = {
            "case": {
                "name": name or path.name,
                "created": _now(),
                "format_version": FORMAT_VERSION,
                "swarmscope_version": __version__,
                "generation": 0,
            },
            "tables": {},
            "ingests": [],
            "results": {},
        }
        _write_manifest(path, manifest)
        case = cls(path, manifest)
        case._refresh_catalog()
        return case

    @classmethod
    def open(cls, path: str | Path) -> Case:
        """Open an existing case (read-only use; writes go through :meth:`transaction`)."""
        path = Path(path)
        mf = path / MANIFEST
        if not mf.exists():
            raise CaseError(f"{path} is not a swarmscope case (no {MANIFEST}); create it with "
                            f"'swarmscope init {path}'")
        try:
            manifest = tomllib.loads(mf.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise CaseError(f"{mf}: not valid TOML: {exc}") from exc
        version = manifest.get("case", {}).get("format_version")
        if version != FORMAT_VERSION:
            raise CaseError(f"{mf}: case format {version!r} is not supported by this swarmscope")
        return cls(path, manifest)

    # ----------------------------------------------------------------- reading
    @property
    def name(self) -> str:
        return str(self.manifest["case"]["name"])

    @property
    def generation(self) -> int:
        return int(self.manifest["case"].get("generation", 0))

    def tables(self) -> list[str]:
        return sorted(self.manifest.get("tables", {}))

    def parts(self, table: str) -> list[Path]:
        """Absolute paths of the Parquet parts of ``table`` listed in the manifest."""
        rel = self.manifest.get("tables", {}).get(table, {}).get("parts", [])
        return [self.path / p for p in rel]

    def result_path(self, name: str) -> Path | None:
        rel = self.manifest.get("results", {}).get(name)
        return self.path / rel if rel else None

    def results(self) -> dict[str, Path]:
        return {k: self.path / v for k, v in self.manifest.get("results", {}).items()}

    def ingests(self) -> list[dict[str, Any]]:
        return list(self.manifest.get("ingests", []))

    def scan_sql(self, table: str) -> str:
        """A SQL table expression reading ``table`` (an empty relation if it has no parts)."""
        parts = self.parts(table)
        if parts:
            return f"read_parquet({sql_list(parts)}, union_by_name = true)"
        if table == "actions":
            return _empty_relation_sql(ACTIONS_SCHEMA)
        raise CaseError(f"case {self.name!r} has no table {table!r}")

    def connect(self, memory: bool = True) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with a view per table (``actions``, ...) and per result."""
        con = connect(":memory:", temp_dir=self.path / ".tmp")
        con.execute(f"CREATE VIEW actions AS SELECT * FROM {self.scan_sql('actions')}")
        for table in self.tables():
            if table != "actions":
                con.execute(f"CREATE VIEW {_ident(table)} AS SELECT * FROM {self.scan_sql(table)}")
        for path in self.results().values():
            if path.suffix == ".parquet" and path.exists():
                view = _ident("result_" + path.stem)
                con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet({sql_list([path])})")
        return con

    def count(self, table: str = "actions") -> int:
        parts = self.parts(table)
        return sum(pq.ParquetFile(p).metadata.num_rows for p in parts)

    def read(self, table: str = "actions") -> pa.Table:
        """The whole table as Arrow (for small cases and tests; signals use SQL)."""
        con = self.connect()
        return con.sql(f"SELECT * FROM {self.scan_sql(table)}").to_arrow_table()

    # ----------------------------------------------------------------- writing
    @contextlib.contextmanager
    def lock(self, wait: bool = True) -> Iterator[None]:
        """Hold the case's exclusive writer lock."""
        fd = os.open(self.path / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            flags = fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB)
            try:
                fcntl.flock(fd, flags)
            except BlockingIOError as exc:
                raise CaseError(f"{self.path} is locked by another swarmscope process") from exc
            yield
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def transaction(self, wait: bool = True) -> Iterator[Transaction]:
        """Stage changes; they become visible together when the block exits without error."""
        with self.lock(wait=wait):
            # Re-read the manifest under the lock: another writer may have committed.
            self.manifest = Case.open(self.path).manifest
            self._collect_garbage()
            txid = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
            staging = self.path / ".staging" / txid
            staging.mkdir(parents=True)
            txn = Transaction(self, txid, staging)
            try:
                yield txn
                self._commit(txn)
            finally:
                shutil.rmtree(staging, ignore_errors=True)

    def _commit(self, txn: Transaction) -> None:
        manifest = _deepcopy(self.manifest)
        tables = manifest.setdefault("tables", {})
        moved: list[Path] = []
        for table, paths in txn.new_parts.items():
            entry = tables.setdefault(table, {"parts": []})
            if table in txn.replace_tables:
                entry["parts"] = []
            dest_dir = self.path / "tables" / table
            dest_dir.mkdir(parents=True, exist_ok=True)
            for i, src in enumerate(paths):
                dest = dest_dir / f"part-{txn.txid}-{i:04d}.parquet"
                os.replace(src, dest)
                moved.append(dest)
                entry["parts"].append(dest.relative_to(self.path).as_posix())
        for table, values in txn.table_meta.items():
            tables.setdefault(table, {"parts": []}).update(values)
        results = manifest.setdefault("results", {})
        if txn.results:
            rdir = self.path / "results"
            rdir.mkdir(exist_ok=True)
            for name, src in txn.results.items():
                # Stable names (results/edges.parquet) so users and tools find them; results are
                # derived data, replaced file by file, and the signal writes its run record
                # (with the files' hashes) last, so an interrupted publish is detectable.
                dest = rdir / name
                os.replace(src, dest)
                moved.append(dest)
                results[name] = dest.relative_to(self.path).as_posix()
        withdrawn = [self.path / results.pop(name) for name in sorted(txn.dropped_results)
                     if name in results and name not in txn.results]
        listed_files = manifest.setdefault("files", [])
        for rel, src in txn.files.items():
            dest = self.path / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dest)
            moved.append(dest)
            if rel not in listed_files:
                listed_files.append(rel)
        manifest.setdefault("ingests", []).extend(txn.ingests)
        manifest["case"]["generation"] = int(manifest["case"].get("generation", 0)) + 1
        _fsync_paths(moved)
        _write_manifest(self.path, manifest)
        self.manifest = manifest
        for path in withdrawn:  # unlisted now: a crash before this leaves only a stray file
            path.unlink(missing_ok=True)
        self._collect_garbage()
        self._refresh_catalog()

    def _collect_garbage(self) -> None:
        """Remove files no manifest lists: leftovers of transactions that never committed."""
        listed = {self.path / p for t in self.manifest.get("tables", {}).values() for p in t["parts"]}
        listed |= {self.path / p for p in self.manifest.get("results", {}).values()}
        tdir = self.path / "tables"
        if tdir.exists():
            for f in tdir.rglob("part-*.parquet"):
                if f not in listed:
                    f.unlink(missing_ok=True)
        files = set(self.manifest.get("files", []))
        rej = self.path / "rejects"
        if rej.exists():
            for f in rej.iterdir():
                if f.relative_to(self.path).as_posix() not in files:
                    f.unlink(missing_ok=True)
        sdir = self.path / ".staging"
        if sdir.exists():
            shutil.rmtree(sdir, ignore_errors=True)

    def _refresh_catalog(self) -> None:
        """Rewrite ``catalog.duckdb`` views to match the manifest (best effort)."""
        tmp = self.path / f".{CATALOG}.tmp"
        tmp.unlink(missing_ok=True)
        try:
            con = duckdb.connect(str(tmp))
            con.execute("SET TimeZone='UTC'")
            # Paths relative to the case folder, so a moved or copied case keeps working: open
            # the catalog from inside the case folder (cd CASE && duckdb catalog.duckdb).
            con.execute(f"CREATE VIEW actions AS SELECT * FROM {_rel_scan(self, 'actions')}")
            for table in self.tables():
                if table != "actions":
                    con.execute(f"CREATE VIEW {_ident(table)} AS SELECT * FROM "
                                f"{_rel_scan(self, table)}")
            for name, rel in self.manifest.get("results", {}).items():
                if rel.endswith(".parquet"):
                    view = _ident("result_" + name.partition(".")[0])
                    con.execute(f"CREATE VIEW {view} AS SELECT * FROM "
                                f"read_parquet({sql_list([rel])})")
            con.close()
            os.replace(tmp, self.path / CATALOG)
        except (duckdb.Error, OSError):
            tmp.unlink(missing_ok=True)


def _ident(name: str) -> str:
    """A quoted SQL identifier (table and result names may come from data)."""
    return '"' + name.replace('"', '""') + '"'


def _rel_scan(case: Case, table: str) -> str:
    rel = case.manifest.get("tables", {}).get(table, {}).get("parts", [])
    if rel:
        return f"read_parquet({sql_list(rel)}, union_by_name = true)"
    return _empty_relation_sql(ACTIONS_SCHEMA)


def _empty_relation_sql(schema: pa.Schema) -> str:
    cols = []
    for f in schema:
        cols.append(f'CAST(NULL AS {_duck_type(f.type)}) AS "{f.name}"')
    return f"(SELECT {', '.join(cols)} WHERE false)"


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ" if t.tz else "TIMESTAMP"
    if pa.types.is_list(t):
        return _duck_type(t.value_type) + "[]"
    if pa.types.is_int64(t):
        return "BIGINT"
    if pa.types.is_floating(t):
        return "DOUBLE"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    return "VARCHAR"


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    tmp = path / f".{MANIFEST}.tmp"
    data = tomli_w.dumps(manifest)
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path / MANIFEST)
    _fsync_dir(path)


def _fsync_paths(paths: list[Path]) -> None:
    dirs = set()
    for p in paths:
        with open(p, "rb") as fh:
            os.fsync(fh.fileno())
        dirs.add(p.parent)
    for d in dirs:
        _fsync_dir(d)


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _deepcopy(obj: Any) -> Any:
    return tomllib.loads(tomli_w.dumps(obj))

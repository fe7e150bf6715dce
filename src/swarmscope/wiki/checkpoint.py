"""Progress checkpoints of live collections, kept in the case so an interrupted run resumes.

A collection *job* is identified by what it collects (wiki, kind, targets, time range, options):
the same command run again finds the same checkpoint. The checkpoint is one JSON file,
``CASE/wiki/checkpoints/<job id>.json``, replaced atomically (write a temporary file, fsync,
``os.replace``, fsync the folder), so a crash at any moment leaves either the previous or the new
state. A job holds an exclusive lock (``<job id>.lock``) while it runs: a second process running
the same job fails at once instead of interleaving.

The collector (:mod:`swarmscope.wiki.collect`) commits fetched data to the case *before* it
saves the checkpoint that moves past it. An interruption between the two re-fetches data that is
already in the case, which the ingest pipeline drops as duplicates: no gap, no duplicate.

Example::

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with Checkpoint.open(folder, {"kind": "pages", "titles": ["Pear"]}) as cp:
    ...     cp.state["tasks"]["Pear"] = {"continue": {"rvcontinue": "x"}, "done": False}
    ...     cp.save()
    >>> Checkpoint.open(folder, {"kind": "pages", "titles": ["Pear"]}).state["tasks"]["Pear"]["done"]
    False
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
from pathlib import Path
from typing import Any

import orjson

from ..errors import CaseError

CHECKPOINT_DIR = Path("wiki") / "checkpoints"


def job_id_of(spec: dict[str, Any]) -> str:
    """A short stable id of a job specification."""
    return hashlib.sha256(orjson.dumps(spec, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Checkpoint:
    """The saved progress of one collection job (see the module docstring)."""

    def __init__(self, path: Path, state: dict[str, Any], lock_fd: int, resumed: bool) -> None:
        self.path = path
        self.state = state
        self.resumed = resumed
        self._lock_fd: int | None = lock_fd

    @classmethod
    def open(cls, case_path: str | Path, spec: dict[str, Any]) -> Checkpoint:
        """Open (or start) the checkpoint of job ``spec`` in the case folder ``case_path``.

        A finished job starts over: running a completed collection again fetches everything
        again and the case keeps only what is new.
        """
        folder = Path(case_path) / CHECKPOINT_DIR
        folder.mkdir(parents=True, exist_ok=True)
        job_id = job_id_of(spec)
        fd = os.open(folder / f"{job_id}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise CaseError(f"the same collection (job {job_id}) is already running on "
                            f"{case_path}") from exc
        path = folder / f"{job_id}.json"
        (folder / f".{job_id}.json.tmp").unlink(missing_ok=True)
        state: dict[str, Any] | None = None
        if path.exists():
            try:
                state = orjson.loads(path.read_bytes())
            except orjson.JSONDecodeError as exc:
                os.close(fd)
                raise CaseError(f"{path}: unreadable checkpoint ({exc}); delete it to start "
                                "this collection over") from exc
        resumed = state is not None and not state.get("done", False)
        if state is None or state.get("done", False):
            state = {"job_id": job_id, "job": spec, "created": _now(), "done": False,
                     "tasks": {}}
        return cls(path, state, fd, resumed)

    @property
    def job_id(self) -> str:
        return str(self.state["job_id"])

    def save(self) -> None:
        """Write the state atomically."""
        self.state["updated"] = _now()
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(orjson.dumps(self.state, option=orjson.OPT_INDENT_2))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        dfd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def list_checkpoints(case_path: str | Path) -> list[dict[str, Any]]:
    """The saved jobs of a case: id, specification, done, created, updated."""
    folder = Path(case_path) / CHECKPOINT_DIR
    out = []
    if folder.exists():
        for f in sorted(folder.glob("*.json")):
            try:
                state = orjson.loads(f.read_bytes())
            except orjson.JSONDecodeError:
                continue
            out.append({k: state.get(k) for k in ("job_id", "job", "done", "created",
                                                   "updated")})
    return out

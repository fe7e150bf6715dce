"""The synthetic accounts of one platform and their ground truth.

Generators first *allocate* accounts (how many, which role, which operation, the operator's
UTC offset and schedule), then :meth:`AccountRegistry.assign_names` gives every account a name
and a numeric id. Names are drawn for all accounts together and shuffled, so neither the name
style nor the id order tells an operation's accounts from organic ones.

The ground truth becomes ``labels/accounts.csv`` (:mod:`.writer`).

Example::

    >>> import numpy as np
    >>> reg = AccountRegistry("synthnet")
    >>> idx = reg.add(3, role="organic", offset=np.array([1.0, -5.0, 0.0]), schedule="leisure")
    >>> reg.offset[idx].tolist(), reg.role[idx].tolist()
    ([1.0, -5.0, 0.0], ['organic', 'organic', 'organic'])
"""

from __future__ import annotations

import numpy as np


class AccountRegistry:
    """Accounts of one platform, addressed by index (see the module docstring)."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self._chunks: list[dict[str, np.ndarray]] = []
        self._cache: dict[str, np.ndarray] = {}
        self.names: list[str] = []
        self.account_ids: np.ndarray = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return sum(len(c["role"]) for c in self._chunks)

    def add(self, n: int, role: str, offset: float | np.ndarray, schedule: str | np.ndarray,
            label: int = 0, op: int = -1, phase: np.ndarray | None = None) -> np.ndarray:
        """Allocate ``n`` accounts; return their indices."""
        start = len(self)
        self._chunks.append({
            "role": np.full(n, role, dtype=object),
            "label": np.full(n, label, dtype=np.int8),
            "op": np.full(n, op, dtype=np.int16),
            "offset": np.broadcast_to(np.asarray(offset, dtype=float), (n,)).copy(),
            "schedule": np.broadcast_to(np.asarray(schedule, dtype=object), (n,)).copy(),
            "phase": np.zeros(n) if phase is None else np.asarray(phase, dtype=float),
        })
        self._cache.clear()
        return np.arange(start, start + n, dtype=np.int64)

    def _col(self, name: str) -> np.ndarray:
        if name not in self._cache:
            self._cache[name] = (np.concatenate([c[name] for c in self._chunks])
                                 if self._chunks else np.zeros(0))
        return self._cache[name]

    def set_role(self, idx: np.ndarray, role: str) -> None:
        """Re-label allocated accounts (e.g. organic accounts that form a fan community)."""
        start = 0
        idx = np.asarray(idx)
        for chunk in self._chunks:
            n = len(chunk["role"])
            mine = idx[(idx >= start) & (idx < start + n)] - start
            chunk["role"][mine] = role
            start += n
        self._cache.pop("role", None)

    @property
    def role(self) -> np.ndarray:
        return self._col("role")

    @property
    def label(self) -> np.ndarray:
        return self._col("label")

    @property
    def op(self) -> np.ndarray:
        return self._col("op")

    @property
    def offset(self) -> np.ndarray:
        return self._col("offset")

    @property
    def schedule(self) -> np.ndarray:
        return self._col("schedule")

    @property
    def phase(self) -> np.ndarray:
        return self._col("phase")

    def assign_names(self, rng: np.random.Generator, names: list[str],
                     id_range: tuple[int, int] = (10**7, 2 * 10**18)) -> None:
        """Give accounts ``names`` in shuffled order and unique random numeric ids."""
        n = len(self)
        if len(names) < n:
            raise ValueError(f"{len(names)} names for {n} accounts")
        perm = rng.permutation(n)
        self.names = [names[i] for i in perm]
        # Log-uniform ids: old accounts have small ids, new ones large, as on real platforms.
        lo, hi = np.log(id_range[0]), np.log(id_range[1])
        ids = np.exp(rng.uniform(lo, hi, n)).astype(np.int64)
        while len(np.unique(ids)) < n:
            _, first = np.unique(ids, return_index=True)
            dup = np.setdiff1d(np.arange(n), first)
            ids[dup] = np.exp(rng.uniform(lo, hi, len(dup))).astype(np.int64)
        self.account_ids = ids

    def set_names(self, names: list[str], account_ids: np.ndarray) -> None:
        """Give accounts these names and ids in allocation order (ids < 0 mean none)."""
        if len(names) != len(self) or len(account_ids) != len(self):
            raise ValueError("one name and one id per account")
        self.names = list(names)
        self.account_ids = np.asarray(account_ids, dtype=np.int64)

"""Shared state of one generation run: scenario, random streams, vocabulary, accounts, rows.

Each generator draws from its own random stream (:meth:`World.rng`), derived from the seed and
the generator's name, so switching one part of the scenario off or resizing it leaves the
other parts' random draws unchanged.

:class:`PostIndex` is the set of organic posts that reactions (reposts, replies, quotes) can
target, sorted by time, with cumulative attractiveness for weighted choice inside a time
window (:func:`pick_targets`): a reaction at time *t* with delay *d* picks a post published
in ``[t - 2d, t - d]`` (at least half an hour wide) with probability proportional to its
attractiveness, which is Pareto-distributed, so object popularity is heavy-tailed.

Example::

    >>> import numpy as np
    >>> idx = PostIndex.build(rows=np.arange(4), ts=np.array([0, 10, 20, 30]) * 60_000_000,
    ...                       author=np.zeros(4, dtype=np.int64), weight=np.ones(4))
    >>> pos = pick_targets(np.random.default_rng(0), idx, np.array([31 * 60_000_000]), 60.0)
    >>> bool(idx.ts[pos[0]] < 31 * 60_000_000)
    True
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from .accounts import AccountRegistry
from .content import TextMaker
from .rows import SocialRows
from .scenario import Scenario
from .vocabulary import Vocabulary

SECOND_US = 1_000_000

#: Operation ids by index, in the order of the scenario's fields.
OPERATION_IDS = (
    "op1-co-repost-ring",
    "op2-copy-paste-farm",
    "op3-reply-swarm",
    "op4-persona-team",
    "op5-wiki-tag-team",
)
RING, FARM, SWARM, PERSONAS, TAGTEAM = range(5)


@dataclass
class PostIndex:
    """Posts that reactions can target, sorted by time (see the module docstring)."""

    rows: np.ndarray
    ts: np.ndarray
    author: np.ndarray
    cum: np.ndarray  # cumulative weight, with a leading 0 (len = n + 1)
    reserved: np.ndarray  # posts an operation or confounder has claimed

    @classmethod
    def build(cls, rows: np.ndarray, ts: np.ndarray, author: np.ndarray,
              weight: np.ndarray) -> PostIndex:
        order = np.argsort(ts, kind="stable")
        cum = np.concatenate([[0.0], np.cumsum(weight[order], dtype=float)])
        return cls(rows[order], ts[order], author[order], cum, np.zeros(len(rows), dtype=bool))

    def __len__(self) -> int:
        return len(self.rows)

    def claim(self, rng: np.random.Generator, n: int, lo_us: int, hi_us: int,
              weighted: bool = False) -> np.ndarray:
        """Pick ``n`` unclaimed posts published in ``[lo_us, hi_us)``; return positions."""
        a, b = np.searchsorted(self.ts, [lo_us, hi_us])
        free = np.arange(a, b)[~self.reserved[a:b]]
        if len(free) == 0:
            return free
        if weighted:
            w = self.cum[free + 1] - self.cum[free]
            keys = np.log(w) + rng.gumbel(size=len(free))
            pos = free[np.argsort(-keys, kind="stable")[:n]]
        else:
            pos = rng.choice(free, size=min(n, len(free)), replace=False)
        pos = np.sort(pos)
        self.reserved[pos] = True
        return pos


def pick_targets(rng: np.random.Generator, index: PostIndex, react_ts: np.ndarray,
                 delay_median_s: float, sigma: float = 1.4) -> np.ndarray:
    """For each reaction time, a position in ``index`` (or -1 when no earlier post exists)."""
    n = len(react_ts)
    if n == 0 or len(index) == 0:
        return np.full(n, -1, dtype=np.int64)
    d = np.exp(rng.normal(np.log(delay_median_s), sigma, n))
    d = (np.clip(d, 5.0, 7 * 86_400.0) * SECOND_US).astype(np.int64)
    width = np.maximum(d, 1_800 * SECOND_US)
    hi = np.searchsorted(index.ts, react_ts - d, side="right")
    lo = np.searchsorted(index.ts, react_ts - d - width, side="left")
    lo = np.where(hi <= lo, np.maximum(hi - 1, 0), lo)
    x = index.cum[lo] + rng.random(n) * (index.cum[hi] - index.cum[lo])
    pos = np.searchsorted(index.cum, x, side="right") - 1
    pos = np.clip(pos, lo, np.maximum(hi - 1, lo))
    return np.where(hi == 0, -1, pos).astype(np.int64)


def iso_utc(ts_us: int) -> str:
    """ISO 8601 UTC string (``...Z``) of a µs timestamp."""
    return (dt.datetime.fromtimestamp(int(ts_us) // SECOND_US, dt.UTC)
            .isoformat().replace("+00:00", "Z"))


def _stream_key(name: str) -> int:
    return zlib.crc32(name.encode())


@dataclass
class World:
    """Everything generators share (see the module docstring)."""

    scenario: Scenario
    scale: float
    seed: int
    vocab: Vocabulary
    maker: TextMaker
    trigger_word: int
    social: AccountRegistry = field(default_factory=lambda: AccountRegistry("synthnet"))
    wiki: AccountRegistry = field(default_factory=lambda: AccountRegistry("synthwiki"))
    rows: SocialRows = field(default_factory=SocialRows)
    posts: PostIndex | None = None
    #: Ground truth of each operation and confounder, by id (becomes operations.json).
    truth: dict[str, dict] = field(default_factory=dict)
    offsets: dict[int, float] = field(default_factory=dict)
    #: Organic accounts and their action counts (for weighting who gets mentioned, reposts...).
    organic_accounts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    organic_activity: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _names: pa.Array | None = None

    @classmethod
    def create(cls, scenario: Scenario, scale: float, seed: int) -> World:
        base = np.random.default_rng(np.random.SeedSequence([seed, _stream_key("vocabulary")]))
        vocab = Vocabulary.build(base)
        # The swarm's trigger: a pseudo-word of middling frequency, picked by the seed.
        pseudo = [i for i in range(150, 1_500) if vocab.words[i].isalpha()
                  and vocab.words[i] not in ("honestly", "basically", "literally")]
        trigger = int(pseudo[int(base.integers(0, len(pseudo)))])
        return cls(scenario=scenario, scale=scale, seed=seed, vocab=vocab,
                   maker=TextMaker(vocab, excluded=(trigger,)), trigger_word=trigger)

    def names_array(self) -> pa.Array:
        """Social account names as an Arrow array (after names are assigned)."""
        if self._names is None or len(self._names) != len(self.social.names):
            self._names = pa.array(self.social.names, pa.string())
        return self._names

    def rng(self, name: str) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([self.seed, _stream_key(name)]))

    @property
    def start_us(self) -> int:
        return int(self.scenario.start.timestamp()) * SECOND_US

    @property
    def end_us(self) -> int:
        return self.start_us + self.scenario.days * 86_400 * SECOND_US

    @property
    def start_weekday(self) -> int:
        return self.scenario.start.astimezone(dt.UTC).weekday()

    def op_offset(self, op: int, configured: float | None,
                  choices: tuple[float, ...] = (3.0, 2.0, 8.0, -5.0, 1.0, 5.5)) -> float:
        """The UTC offset of an operation's operators (configured or picked by the seed)."""
        if op not in self.offsets:
            if configured is not None:
                self.offsets[op] = float(configured)
            else:
                r = self.rng(f"offset-{op}")
                self.offsets[op] = float(choices[int(r.integers(0, len(choices)))])
        return self.offsets[op]

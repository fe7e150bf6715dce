"""When synthetic accounts act: daily and weekly activity curves in local time.

A :class:`Schedule` gives relative activity for each local hour on weekdays and on weekends,
and how much a weekend day weighs against a weekday. :func:`sample_times` draws action times
for many accounts at once: a (local day, local hour) bin from the schedule, a uniform position
inside the hour, plus the account's own phase (people differ by an hour or so), then converts
local time to UTC with the account's offset. Times that fall outside the window are moved by
whole weeks, which keeps their local hour and weekday.

The human curves follow the usual shape of social media activity: a sleep trough between about
01:00 and 07:00, a daytime plateau and an evening peak, later mornings at weekends (see e.g.
Golder & Macy 2011, "Diurnal and seasonal mood vary with work, sleep, and daylength across
diverse cultures", Science 333). Office schedules ("job") are 09-18 on weekdays with a lunch dip.

Example::

    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> ts = sample_times(rng, np.zeros(1000), SCHEDULES["job"], start_us=0, days=28)
    >>> hours = (ts // 3_600_000_000) % 24
    >>> bool(((hours >= 8) & (hours < 19)).mean() > 0.8)
    True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
WEEK_US = 7 * DAY_US


@dataclass(frozen=True)
class Schedule:
    """Relative activity per local hour (weekday and weekend curves) and per day type."""

    name: str
    weekday: tuple[float, ...]
    weekend: tuple[float, ...]
    weekday_weight: float = 1.0
    weekend_weight: float = 1.0
    #: Standard deviation (hours) of each account's personal phase shift.
    phase_sd: float = 0.0

    def bin_weights(self, days: int, start_weekday: int) -> np.ndarray:
        """Weights of the ``days * 24`` (local day, hour) bins, day 0 being ``start_weekday``."""
        wd = np.asarray(self.weekday, dtype=float) * self.weekday_weight
        we = np.asarray(self.weekend, dtype=float) * self.weekend_weight
        weekend = ((start_weekday + np.arange(days)) % 7) >= 5
        return np.where(weekend[:, None], we[None, :], wd[None, :]).ravel()


def office_hours(name: str, spans: tuple[tuple[int, int], ...], slow_hours: tuple[int, ...] = (),
                 slow: float = 0.3, weekend_weight: float = 0.0) -> Schedule:
    """A schedule active only in the local ``[start, end)`` hour spans, on weekdays."""
    curve = np.zeros(24)
    for a, b in spans:
        curve[a:b] = 1.0
    for h in slow_hours:
        curve[h] *= slow
    c = tuple(float(x) for x in curve)
    return Schedule(name, c, c, 1.0, weekend_weight, 0.0)


_LEISURE_WEEKDAY = (0.40, 0.22, 0.12, 0.08, 0.06, 0.08, 0.20, 0.50, 0.75, 0.80, 0.80, 0.85,
                    0.95, 0.90, 0.85, 0.85, 0.90, 1.00, 1.15, 1.35, 1.50, 1.45, 1.15, 0.75)
_LEISURE_WEEKEND = (0.55, 0.38, 0.22, 0.13, 0.08, 0.07, 0.10, 0.22, 0.42, 0.68, 0.90, 1.00,
                    1.05, 1.05, 1.00, 1.00, 1.05, 1.10, 1.20, 1.35, 1.40, 1.35, 1.15, 0.85)
_JOB_WEEKDAY = (0.03, 0.02, 0.02, 0.02, 0.02, 0.03, 0.06, 0.20, 0.80, 1.00, 1.00, 0.95,
                0.45, 0.85, 1.00, 1.00, 0.95, 0.80, 0.35, 0.20, 0.15, 0.12, 0.08, 0.05)
_JOB_WEEKEND = (0.05, 0.03, 0.02, 0.02, 0.02, 0.02, 0.04, 0.08, 0.15, 0.25, 0.30, 0.30,
                0.30, 0.30, 0.30, 0.30, 0.30, 0.30, 0.30, 0.30, 0.25, 0.20, 0.12, 0.08)
_FLAT = tuple([1.0] * 24)

#: Built-in schedules by name (the ``schedule`` column of ``labels/accounts.csv``).
SCHEDULES: dict[str, Schedule] = {
    "leisure": Schedule("leisure", _LEISURE_WEEKDAY, _LEISURE_WEEKEND, 1.0, 1.15, 0.8),
    "job": Schedule("job", _JOB_WEEKDAY, _JOB_WEEKEND, 1.0, 0.35, 0.3),
    "round-the-clock": Schedule("round-the-clock", _FLAT, _FLAT, 1.0, 1.0, 0.0),
    # A news desk: busy 06-23 every day, a little quieter at weekends.
    "newsroom": Schedule("newsroom", tuple([0.15] * 6 + [1.0] * 17 + [0.3]),
                         tuple([0.15] * 7 + [0.7] * 16 + [0.3]), 1.0, 0.8, 0.0),
}


def sample_times(rng: np.random.Generator, offsets: np.ndarray, schedule: Schedule, start_us: int,
                 days: int, phase: np.ndarray | None = None, start_weekday: int = 0
                 ) -> np.ndarray:
    """UTC times (µs) of one action per element of ``offsets`` (hours), all on ``schedule``.

    ``phase`` (hours, one per action, usually the acting account's phase repeated) shifts the
    local curve; ``start_weekday`` is the weekday of local day 0 (0 = Monday).
    """
    n = len(offsets)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    w = schedule.bin_weights(days, start_weekday)
    cdf = np.cumsum(w)
    bins = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    local_h = bins + rng.random(n)
    if phase is not None:
        local_h = local_h + phase
    ts = start_us + np.round((local_h - np.asarray(offsets, dtype=float)) * HOUR_US).astype(np.int64)
    return wrap_weeks(ts, start_us, start_us + days * DAY_US)


def wrap_weeks(ts: np.ndarray, start_us: int, end_us: int) -> np.ndarray:
    """Move times outside ``[start_us, end_us)`` by whole weeks until they are inside."""
    ts = ts.copy()
    for _ in range(4):
        ts = np.where(ts < start_us, ts + WEEK_US, ts)
        ts = np.where(ts >= end_us, ts - WEEK_US, ts)
    return ts

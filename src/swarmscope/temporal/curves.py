"""Reference weekly activity curves in local time: the templates offsets are fitted against.

A template gives the expected share of an account's activity in each local half-hour of the
week (``7 * 48 = 336`` bins, bin ``0`` = Monday 00:00-00:30 local). Three templates describe
the schedule classes of :mod:`swarmscope.temporal.offsets`:

``leisure``
    The human circadian curve of people who post in their own time. Its shape follows what
    large studies of online activity by local hour report: a deep sleep trough with its minimum
    around 04:00-05:00 (about a seventh of the peak), a steep morning rise from 06:00, a
    daytime plateau, and the day's maximum in the evening (19:00-22:00), falling towards
    midnight; weekends start later in the morning and run later into the night (Yasseri, Sumi &
    Kertész 2012, Wikipedia edits per local hour across language editions, whose single-time-
    zone editions give the shape of one population's day and whose shifted copies they used to
    estimate where editors of English Wikipedia live; Golder & Macy 2011 for the same shape in
    tweets, with the later weekend morning). Weekend days weigh as much as weekdays.
``job``
    Office hours: low before 07:00, a rise 07:00-09:00, a plateau 09:00-17:00 with a lunch dip
    at 12:00-13:00, a decline 17:00-19:00 and a quiet evening; weekend days at 15% of a
    weekday. This is the shift-work fingerprint reported for state-run troll operations
    (activity confined to the working day and the working week of the operators' city;
    Linvill & Warren 2020, Zannettou et al. 2019).
``round-the-clock``
    Flat: automation, or teams covering all hours.

Templates are curves in *local* time. An account's UTC activity is compared with every shift
of a template (see :func:`shifted_log_templates`); a small uniform floor (``floor``) keeps a
stray action at 03:00 from ruling a shift out.

The numbers below are a smooth description of the published shapes, rounded to 0.05; they are
deliberately not fitted to any data set swarmscope is tested on.

References:

- Yasseri T, Sumi R, Kertész J (2012). Circadian patterns of Wikipedia editorial activity: a
  demographic analysis. PLoS ONE 7(1): e30091.
- Golder SA, Macy MW (2011). Diurnal and seasonal mood vary with work, sleep, and daylength
  across diverse cultures. Science 333(6051): 1878-1881.
- Linvill DL, Warren PL (2020). Troll factories: manufacturing specialized disinformation on
  Twitter. Political Communication 37(4): 447-467.
- Zannettou S, Caulfield T, De Cristofaro E, Sirivianos M, Stringhini G, Blackburn J (2019).
  Disinformation warfare: understanding state-sponsored trolls on Twitter and their influence
  on the web. WWW '19 Companion: 218-226.

Example::

    >>> t = template("leisure")
    >>> t.shape, round(float(t.sum()), 6)
    ((336,), 1.0)
    >>> day = t[:48].reshape(24, 2).sum(axis=1)      # Monday, per local hour
    >>> int(day.argmin()), int(day.argmax()) in (19, 20, 21)
    (4, True)
"""

from __future__ import annotations

import numpy as np

#: Half-hour bins in a week.
BINS = 7 * 48
#: Schedule classes with a daily rhythm (their templates are shifted to fit an offset).
RHYTHMIC = ("leisure", "job")
CLASSES = ("leisure", "job", "round-the-clock")

# Relative activity per local hour (value at the middle of the hour).
_LEISURE_WEEKDAY = (0.55, 0.35, 0.22, 0.16, 0.14, 0.15, 0.25, 0.45, 0.60, 0.70, 0.75, 0.80,
                    0.85, 0.85, 0.85, 0.85, 0.85, 0.90, 0.95, 1.00, 1.00, 1.00, 0.90, 0.75)
_LEISURE_WEEKEND = (0.65, 0.45, 0.30, 0.20, 0.15, 0.14, 0.16, 0.25, 0.40, 0.55, 0.70, 0.80,
                    0.85, 0.85, 0.85, 0.85, 0.85, 0.90, 0.95, 1.00, 1.00, 0.95, 0.90, 0.80)
_JOB_WEEKDAY = (0.03, 0.03, 0.03, 0.03, 0.03, 0.04, 0.06, 0.20, 0.60, 1.00, 1.00, 1.00,
                0.55, 0.85, 1.00, 1.00, 1.00, 0.65, 0.30, 0.15, 0.10, 0.08, 0.05, 0.04)
_JOB_WEEKEND = tuple(0.15 * x for x in _JOB_WEEKDAY)


def _half_hours(hourly: tuple[float, ...]) -> np.ndarray:
    """48 half-hour values from 24 hourly values (linear, circular, between hour centres)."""
    h = np.asarray(hourly, dtype=float)
    # Half-hour k covers [k/2, k/2 + 0.5); its centre is k/2 + 0.25 hours. Hour i's value sits
    # at i + 0.5.
    centres = np.arange(48) / 2 + 0.25
    x = np.concatenate([np.arange(-1, 25) + 0.5])
    y = np.concatenate([[h[-1]], h, [h[0]]])
    return np.interp(centres, x, y)


def _week(weekday: tuple[float, ...], weekend: tuple[float, ...], weekend_weight: float
          ) -> np.ndarray:
    wd = _half_hours(weekday)
    we = _half_hours(weekend) * weekend_weight
    return np.concatenate([wd] * 5 + [we] * 2)


def template(name: str, floor: float = 0.0) -> np.ndarray:
    """The weekly template ``name`` (336 half-hour shares summing to 1), optionally mixed with
    a uniform ``floor`` share."""
    if name == "leisure":
        w = _week(_LEISURE_WEEKDAY, _LEISURE_WEEKEND, 1.0)
    elif name == "job":
        w = _week(_JOB_WEEKDAY, _JOB_WEEKEND, 1.0)
    elif name == "round-the-clock":
        w = np.ones(BINS)
    else:
        raise ValueError(f"unknown template {name!r}; known: {', '.join(CLASSES)}")
    w = w / w.sum()
    if floor:
        w = (1 - floor) * w + floor / BINS
    return w


def offset_grid(lo: float = -12.0, hi: float = 14.0, step: float = 0.5) -> np.ndarray:
    """Candidate UTC offsets in hours (default -12..+14 in half hours: every zone in use)."""
    n = int(round((hi - lo) / step)) + 1
    return lo + step * np.arange(n)


def shifted_log_templates(name: str, offsets: np.ndarray, floor: float = 0.02) -> np.ndarray:
    """``log`` of template ``name`` seen from UTC, one row per offset.

    Row ``j``, column ``b`` is the log share of UTC half-hour bin ``b`` for an account living
    at ``offsets[j]``: local bin = UTC bin + offset, wrapped around the week.
    """
    logt = np.log(template(name, floor))
    shifts = np.round(np.asarray(offsets, dtype=float) * 2).astype(int)
    idx = (np.arange(BINS)[None, :] + shifts[:, None]) % BINS
    return logt[idx]

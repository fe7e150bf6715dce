"""Vega-Lite charts of the report, written with Altair (Vega-Lite 6, rendered by the vendored
vega / vega-lite / vega-embed in the browser).

Data from the case only ever enters a chart as data values (``alt.Data(values=...)``), never as a
field name, a title expression or a format string: Vega compiles field names and expressions, and
the report runs Vega with its AST interpreter under a strict Content-Security-Policy anyway.
Labels that came from data are clipped (:data:`LABEL_CHARS`) so a 100 kB account name cannot
flood an axis. Counts are aggregated in SQL or numpy before they get here, so a chart carries at
most a few thousand rows whatever the size of the case.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np

from .tables import visible

LABEL_CHARS = 40
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
WIDTH = 640

_CONFIG = {
    "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
    "view": {"stroke": None},
    "axis": {"labelLimit": 220, "titleFontWeight": "normal"},
    "legend": {"labelLimit": 220},
}


def label(s: Any, limit: int = LABEL_CHARS) -> str:
    s = visible("" if s is None else str(s)[: limit * 2])
    return s if len(s) <= limit else s[: limit - 1] + "…"


_DATA = alt.Data(name="values")


def _spec(chart: alt.TopLevelMixin, values: list[dict[str, Any]]) -> dict[str, Any]:
    # The chart is built around a named placeholder and the values go in afterwards: Altair
    # would otherwise walk (and validate) every data row, which costs more than the rest of the
    # report for a few hundred charts.
    spec = chart.to_dict(validate=False)
    spec["data"] = {"values": values}
    spec.setdefault("config", {}).update(_CONFIG)
    return spec


def activity(rows: list[dict[str, Any]], title: str, series_title: str,
             height: int = 160) -> dict[str, Any]:
    """Stacked areas of actions over time. Rows: ``t`` (ISO, UTC), ``series``, ``n``,
    ``when`` (a readable bucket label)."""
    chart = alt.Chart(_DATA).mark_area(interpolate="step-after").encode(
        x=alt.X("t:T", scale=alt.Scale(type="utc"), title="time (UTC)",
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("n:Q", stack="zero", title="actions"),
        color=alt.Color("series:N", title=series_title, scale=alt.Scale(scheme="tableau10")),
        tooltip=[alt.Tooltip("when:N", title="time (UTC)"),
                 alt.Tooltip("series:N", title=series_title),
                 alt.Tooltip("n:Q", title="actions")],
    ).properties(width=WIDTH, height=height, title=title)
    return _spec(chart, rows)


def timecard(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """Weekday x hour heatmap. Rows: ``weekday`` (0 = Monday), ``hour``, ``actions``."""
    values = [{"day": WEEKDAYS[int(r["weekday"]) % 7], "hour": int(r["hour"]),
               "actions": float(r["actions"] or 0)} for r in rows]
    chart = alt.Chart(_DATA).mark_rect(stroke="white", strokeWidth=1).encode(
        x=alt.X("hour:O", title="hour of day", sort=list(range(24)),
                scale=alt.Scale(domain=list(range(24))), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("day:N", title=None, sort=WEEKDAYS, scale=alt.Scale(domain=WEEKDAYS)),
        color=alt.Color("actions:Q", title="actions", scale=alt.Scale(scheme="orangered")),
        tooltip=[alt.Tooltip("day:N"), alt.Tooltip("hour:O"), alt.Tooltip("actions:Q")],
    ).properties(width=24 * 20, height=7 * 20, title=title)
    return _spec(chart, values)


def histogram(values_by_series: dict[str, np.ndarray], title: str, x_title: str,
              bins: int = 30, independent: bool = True) -> dict[str, Any]:
    """Histograms, one panel per series, binned here (so the chart carries bins, not values)."""
    rows = []
    for series, vals in values_by_series.items():
        vals = np.asarray(vals, dtype=float)
        vals = vals[np.isfinite(vals)]
        if vals.size == 0:
            continue
        hi = float(vals.max())
        lo = min(0.0, float(vals.min()))
        if hi <= lo:
            hi = lo + 1.0
        counts, edges = np.histogram(vals, bins=bins, range=(lo, hi))
        for c, a, b in zip(counts.tolist(), edges[:-1].tolist(), edges[1:].tolist(), strict=True):
            rows.append({"series": series, "lo": a, "hi": b, "n": c,
                         "range": f"{a:.4g} – {b:.4g}"})
    base = alt.Chart().mark_bar().encode(
        x=alt.X("lo:Q", title=x_title, bin="binned"),
        x2="hi:Q",
        y=alt.Y("n:Q", title="count"),
        color=alt.Color("series:N", legend=None, scale=alt.Scale(scheme="tableau10")),
        tooltip=[alt.Tooltip("series:N", title="panel"), alt.Tooltip("range:N", title=x_title),
                 alt.Tooltip("n:Q", title="count")],
    ).properties(width=260 if len(values_by_series) > 1 else WIDTH, height=130)
    chart = alt.FacetChart(data=_DATA, spec=base, facet=alt.Facet("series:N", title=None),
                           columns=2, title=title)
    if independent:
        chart = chart.resolve_scale(x="independent", y="independent")
    return _spec(chart, rows)


def bars(rows: list[dict[str, Any]], title: str, x_title: str, colour_title: str | None = None,
         height_per_bar: int = 16) -> dict[str, Any]:
    """Horizontal bars. Rows: ``label`` (unique, clipped), ``value``, optional ``series``."""
    rows = [{**r, "value": float(r["value"] or 0)} for r in rows]
    enc: dict[str, Any] = {
        "y": alt.Y("label:N", title=None, sort="-x"),
        "x": alt.X("value:Q", title=x_title),
        "tooltip": [alt.Tooltip("label:N", title="name"), alt.Tooltip("value:Q", title=x_title)],
    }
    if colour_title:
        enc["color"] = alt.Color("series:N", title=colour_title,
                                 scale=alt.Scale(scheme="tableau10"))
    n = len({r["label"] for r in rows})
    chart = alt.Chart(_DATA).mark_bar().encode(**enc).properties(
        width=WIDTH - 200, height=max(40, height_per_bar * n), title=title)
    return _spec(chart, rows)

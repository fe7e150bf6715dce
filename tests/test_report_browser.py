"""The report in a real browser (headless Chromium): it draws, it stays offline, and hostile
data never runs.

Chromium is driven over the DevTools protocol (tests/cdp.py, standard library only). Without
Chromium these tests skip, except under CI (CI=true), where scripts/system-deps.sh installs it
and its absence is a failure. Screenshots go to the test's tmp folder, and also to
$SWARMSCOPE_SCREENSHOTS when that is set (to look at them).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cdp import Browser, find_chromium
from reportcases import HOSTILE, folder_report, hostile_report, single_report

pytestmark = pytest.mark.browser

CHROMIUM = find_chromium()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        msg = "headless Chromium not found (install it with scripts/system-deps.sh)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(msg + "; under CI its absence is a failure")
        pytest.skip(msg)
    with Browser(CHROMIUM) as b:
        yield b


def _open(browser, path: Path):
    page = browser.open(1400, 1000)
    page.goto(path.resolve().as_uri())
    page.wait_for("document.documentElement.dataset.ready === '1'")
    page.evaluate("window.__swarmscope.renderAll()", await_promise=True)
    return page


def _keep(shot: Path) -> None:
    dest = os.environ.get("SWARMSCOPE_SCREENSHOTS")
    if dest:
        Path(dest).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(dest) / shot.name)


def _local_requests(page, folder: Path) -> list[str]:
    """Requests that are not files inside the report folder (should be none)."""
    root = folder.resolve().as_uri() + "/"
    return [u for u in page.requests if not u.startswith(root)]


CHECK_CHARTS = """(() => {
  const hosts = [...document.querySelectorAll('[data-chart]')];
  const empty = hosts.filter(h => !h.querySelector('svg .mark-rect path, svg .mark-area path,'
      + ' svg path.background, svg .mark-rect, svg .mark-area'))
      .map(h => h.dataset.chart);
  const marks = hosts.map(h => h.querySelectorAll('svg path').length);
  return {hosts: hosts.length, empty, minMarks: Math.min(...marks)};
})()"""

CHECK_CANVAS = """(() => {
  let inked = 0;
  for (const c of document.querySelectorAll('#network canvas')) {
    if (!c.width || !c.height) continue;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) inked++;
  }
  return inked;
})()"""


def test_report_renders_offline(browser, tmp_path):
    r = folder_report()
    page = _open(browser, r.path)
    shot = page.screenshot(tmp_path / "report-top.png", full_page=False)
    _keep(shot)
    assert page.errors() == []
    assert _local_requests(page, r.folder) == []
    assert page.requests[0] == r.path.resolve().as_uri()
    # charts: every chart drew an SVG with marks
    charts = page.evaluate(CHECK_CHARTS)
    assert charts["hosts"] == len(r.model.charts) and charts["hosts"] >= 10
    assert charts["empty"] == [] and charts["minMarks"] > 0
    # the network view drew the flagged subgraph on its canvas
    assert page.evaluate("window.__swarmscope.cy.nodes().length") == len(r.model.network["nodes"])
    assert page.evaluate(CHECK_CANVAS) > 500
    # dossiers, with their tables rendered (rows, pagination)
    assert page.evaluate("document.querySelectorAll('details.dossier').length") == \
        len(r.model.dossiers)
    top = r.model.dossiers[0]
    rows = page.evaluate(f"document.querySelectorAll('[data-table=c{top.cluster}-evidence] "
                         "tbody tr').length")
    assert rows == min(20, len(r.model.tables[f"c{top.cluster}-evidence"]["rows"]))
    # click an account in the network: its evidence shows in the side panel
    name = r.model.network["nodes"][0]["name"]
    page.evaluate("void window.__swarmscope.cy.nodes()[0].emit('tap')")
    assert name in page.evaluate("document.getElementById('netpanel').textContent")
    page.evaluate("void window.__swarmscope.cy.edges()[0].emit('tap')")
    assert "shared objects" in page.evaluate("document.getElementById('netpanel').textContent")
    # search
    page.evaluate(f"""(() => {{ const s = document.getElementById('netsearch');
        s.value = {name[:6]!r}; s.dispatchEvent(new Event('input')); }})()""")
    page.wait_for("document.querySelectorAll('#netmatches button').length > 0")
    # a dossier further down, after a click on its link in the contents
    last = r.model.dossiers[-1]
    page.click(f"nav.toc a[href='#{last.anchor}']")
    page.wait_for(f"document.getElementById('{last.anchor}').open")
    page.evaluate(f"document.getElementById('{top.anchor}').scrollIntoView({{behavior: 'instant'}})")
    _keep(page.screenshot(tmp_path / "report-dossier.png", full_page=False))
    page.evaluate("document.getElementById('network-view').scrollIntoView({behavior: 'instant'})")
    _keep(page.screenshot(tmp_path / "report-network.png", full_page=False))
    assert page.errors() == [] and page.dialogs == []


def test_single_file_loads_nothing_but_itself(browser, tmp_path):
    r = single_report()
    page = _open(browser, r.path)
    assert page.errors() == []
    assert page.requests == [r.path.resolve().as_uri()]
    assert page.evaluate(CHECK_CHARTS)["empty"] == []
    assert page.evaluate(CHECK_CANVAS) > 500
    _keep(page.screenshot(tmp_path / "single-file.png", full_page=False))


INJECTED = """(() => {
  const bad = [];
  for (const el of document.querySelectorAll('img, iframe, object, embed, form, base, meta[http-equiv=refresh]'))
    // Vega adds an empty <form class="vega-bindings"> to each chart (for input bindings).
    if (!(el.matches('[data-chart] form.vega-bindings') && !el.children.length))
      bad.push(el.outerHTML.slice(0, 80));
  for (const el of document.querySelectorAll('*'))
    for (const a of el.attributes) if (/^on/i.test(a.name)) bad.push(el.tagName + ' ' + a.name);
  for (const a of document.querySelectorAll('a[href]')) {
    const h = a.getAttribute('href');
    if (!(h.startsWith('#') || h.startsWith('exports/'))) bad.push('href ' + h.slice(0, 80));
  }
  const scripts = [...document.querySelectorAll('script')].filter(s => s.type !== 'application/json');
  for (const s of scripts) if (!(s.getAttribute('src') || '').startsWith('assets/')) bad.push('script');
  return bad;
})()"""


def test_hostile_strings_never_run(browser, tmp_path):
    r = hostile_report()
    page = _open(browser, r.path)
    # open every dossier and page through every table, filter them with hostile text
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.evaluate("""(() => {
      for (const host of document.querySelectorAll('[data-table]')) {
        const next = [...host.querySelectorAll('button')].find(b => b.textContent.startsWith('next'));
        for (let i = 0; i < 3 && next && !next.disabled; i++) next.click();
        const f = host.querySelector('input[type=search]');
        if (f) { f.value = '<script'; f.dispatchEvent(new Event('input')); }
      }
    })()""")
    # every account and edge of the network in the side panel; searches with hostile text
    page.evaluate("""(() => {
      const cy = window.__swarmscope.cy;
      cy.nodes().forEach(n => n.emit('tap'));
      cy.edges().slice(0, 150).forEach(e => e.emit('tap'));
      const s = document.getElementById('netsearch');
      for (const q of ['<script', 'javascript:', '\\u202e', 'onerror', 'x'.repeat(50)]) {
        s.value = q; s.dispatchEvent(new Event('input'));
      }
    })()""")
    page.wait_for("document.querySelectorAll('#netmatches button').length > 0")
    page.evaluate("document.querySelector('#netmatches button').click()")
    # tooltips: the mouse over bars of the charts (the lead/follow bars name accounts)
    n = page.evaluate("""(window.__marks = [
        ...document.querySelectorAll('[data-chart*=leadfollow] svg .mark-rect path'),
        ...[...document.querySelectorAll('[data-chart] svg .mark-rect path')]
            .filter((p, i) => i % 25 === 0)]).length""")
    tipped = 0
    for i in range(min(n, 60)):
        x, y = page.evaluate(f"""(() => {{ const p = window.__marks[{i}];
            p.scrollIntoView({{block: 'center', behavior: 'instant'}});
            const b = p.getBoundingClientRect();
            return [b.x + b.width / 2, b.y + b.height / 2]; }})()""")
        page.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
        tipped += bool(page.evaluate("!!document.querySelector('.tooltip:not(.hidden)')"))
    assert tipped > 0
    page.evaluate("new Promise(r => setTimeout(r, 400))", await_promise=True)
    _keep(page.screenshot(tmp_path / "hostile.png", full_page=False))

    assert page.evaluate("window.__hits") == []
    assert page.dialogs == []
    assert page.evaluate("window.__csp || []") == []
    assert page.errors() == []
    assert _local_requests(page, r.folder) == []
    assert page.evaluate(INJECTED) == []
    # the hostile names are shown, as text
    text = page.evaluate("document.body.innerText")
    assert HOSTILE[0] + " #0" in text
    assert "javascript:alert('js-url')" in text
    assert page.evaluate("document.title").startswith("swarmscope report: <script>")

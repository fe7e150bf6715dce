/* swarmscope report: paginated tables, charts and the network view.
 *
 * Everything shown here came from data written by the people under investigation. The data
 * arrives as JSON in <script type="application/json" id="report-data"> (read with textContent
 * and JSON.parse, never evaluated) and is put on the page only as text nodes (textContent,
 * createTextNode) inside <bdi> elements, never through innerHTML or as a URL. The only links made
 * here point to sections of this report (#anchor) or to files of its exports folder, both built
 * from identifiers the report generator made and checked against a strict pattern again here.
 */
(function () {
  'use strict';

  var SAFE_ANCHOR = /^[A-Za-z0-9_-]{1,80}$/;
  var SAFE_FILE = /^[A-Za-z0-9._-]{1,120}$/;
  var SAFE_PREFIX = /^[A-Za-z0-9._-]{1,120}\/$/;
  var PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948',
                 '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#1f77b4', '#d62728'];

  var DATA = JSON.parse(document.getElementById('report-data').textContent);
  var TABLES = DATA.tables || {};
  var CHARTS = DATA.charts || {};
  var EXPORTS = SAFE_PREFIX.test(DATA.meta.exports || '') ? DATA.meta.exports : null;

  function h(tag, className, children) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function bdi(s) {
    var b = document.createElement('bdi');
    b.textContent = s == null ? '' : String(s);
    return b;
  }

  function internalLink(text, target) {
    if (!SAFE_ANCHOR.test(target)) return bdi(text);
    var a = document.createElement('a');
    a.href = '#' + target;
    a.appendChild(bdi(text));
    return a;
  }

  function exportLink(name) {
    if (!EXPORTS || !SAFE_FILE.test(name)) return null;
    var a = document.createElement('a');
    a.href = EXPORTS + name;
    a.textContent = name;
    return a;
  }

  function cellNode(v) {
    if (v && typeof v === 'object') return internalLink(v.t, v.a);
    return bdi(v);
  }

  function cellText(v) {
    return (v && typeof v === 'object') ? String(v.t) : String(v == null ? '' : v);
  }

  /* ---------------------------------------------------------------- tables */

  var COLUMN_CLASSES = { num: 'num', ts: 'ts', id: 'id', wide: 'wide' };

  function colClass(t, i) {
    return (t.cls && COLUMN_CLASSES[t.cls[i]]) || null;
  }

  function renderTable(host) {
    var t = TABLES[host.dataset.table];
    if (!t) return;
    var size = t.page || 20;
    var state = { page: 0, rows: t.rows, query: '' };
    var info = h('span', 'info');
    var prev = h('button', null, ['‹ previous']);
    var next = h('button', null, ['next ›']);
    prev.type = next.type = 'button';
    var filter = document.createElement('input');
    filter.type = 'search';
    filter.placeholder = 'filter rows';
    filter.setAttribute('aria-label', 'filter rows');
    var tools = h('div', 'tools');
    if (t.rows.length > size) {
      tools.appendChild(filter);
      tools.appendChild(prev);
      tools.appendChild(next);
    }
    tools.appendChild(info);
    var link = t.export ? exportLink(t.export) : null;
    if (link) {
      tools.appendChild(document.createTextNode('all rows: '));
      tools.appendChild(link);
    }
    var table = h('table');
    var thead = h('thead');
    var hr = h('tr');
    t.columns.forEach(function (c, i) {
      var th = h('th', colClass(t, i), [bdi(c)]);
      th.scope = 'col';
      hr.appendChild(th);
    });
    thead.appendChild(hr);
    var tbody = h('tbody');
    table.appendChild(thead);
    table.appendChild(tbody);

    function draw() {
      var pages = Math.max(1, Math.ceil(state.rows.length / size));
      state.page = Math.min(state.page, pages - 1);
      var start = state.page * size;
      var rows = state.rows.slice(start, start + size);
      var body = [];
      rows.forEach(function (r) {
        var tr = h('tr');
        r.forEach(function (v, i) {
          tr.appendChild(h('td', colClass(t, i), [cellNode(v)]));
        });
        body.push(tr);
      });
      tbody.replaceChildren.apply(tbody, body);
      var shown = state.rows.length;
      var msg = shown ? ('rows ' + (start + 1) + '–' + (start + rows.length) + ' of ' + shown) : 'no rows';
      if (state.query) msg += ' matching';
      if (t.total > t.rows.length) msg += ' (the report holds ' + t.rows.length + ' of ' + t.total + ')';
      info.textContent = msg;
      prev.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
    }

    prev.addEventListener('click', function () { state.page -= 1; draw(); });
    next.addEventListener('click', function () { state.page += 1; draw(); });
    var timer = null;
    filter.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = filter.value.toLowerCase();
        state.query = q;
        state.page = 0;
        state.rows = !q ? t.rows : t.rows.filter(function (r) {
          return r.some(function (v) { return cellText(v).toLowerCase().indexOf(q) >= 0; });
        });
        draw();
      }, 150);
    });
    var scroll = h('div', 'scroll', [table]);
    host.replaceChildren(tools, scroll);
    draw();
  }

  /* ---------------------------------------------------------------- charts */

  var tip = null;

  function tooltip(handler, event, item, value) {
    if (!tip) {
      tip = h('div', 'tooltip hidden');
      document.body.appendChild(tip);
    }
    if (value == null || value === '') {
      tip.classList.add('hidden');
      return;
    }
    var table = h('table');
    if (typeof value === 'object') {
      Object.keys(value).forEach(function (k) {
        table.appendChild(h('tr', null, [h('td', 'k', [bdi(k)]), h('td', null, [bdi(value[k])])]));
      });
    } else {
      table.appendChild(h('tr', null, [h('td', null, [bdi(value)])]));
    }
    tip.replaceChildren(table);
    tip.classList.remove('hidden');
    var x = event.clientX + 14;
    var y = event.clientY + 14;
    var w = tip.offsetWidth;
    if (x + w > window.innerWidth - 8) x = Math.max(8, event.clientX - w - 14);
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  }

  var EMBED_OPTIONS = {
    actions: false,          // no export menu: it would offer to open an online editor
    ast: true,               // Vega's expression interpreter: no eval, CSP without 'unsafe-eval'
    defaultStyle: false,     // no injected <style>: CSP without 'unsafe-inline'
    renderer: 'svg',
    tooltip: tooltip,
    hover: false
  };

  function embed(host) {
    if (host._embedded) return host._embedded;
    var key = host.dataset.chart;
    var spec = CHARTS[key];
    if (!spec) return Promise.resolve();
    if (typeof vegaEmbed !== 'function') {
      host.replaceChildren(h('p', 'failed', ['chart library missing']));
      return Promise.resolve();
    }
    host._embedded = vegaEmbed(host, spec, EMBED_OPTIONS).then(function (result) {
      host._view = result.view;
    }).catch(function (err) {
      console.error('chart ' + key + ' could not be drawn: ' + (err && err.message));
      host.replaceChildren(h('p', 'failed', ['chart could not be drawn: ' + (err && err.message)]));
    });
    return host._embedded;
  }

  function renderAll() {
    var hosts = Array.prototype.slice.call(document.querySelectorAll('[data-chart]'));
    return Promise.all(hosts.map(embed));
  }

  /* ---------------------------------------------------------------- network */

  var cy = null;

  function initNetwork() {
    var net = DATA.network;
    var host = document.getElementById('network');
    if (!net || !host || !net.nodes.length) return;
    if (typeof cytoscape !== 'function') {
      host.replaceChildren(h('p', 'failed', ['network library missing']));
      return;
    }
    var nodes = net.nodes;
    var edges = net.edges;
    var adjacency = nodes.map(function () { return []; });
    edges.forEach(function (e, k) {
      adjacency[e.s].push(k);
      adjacency[e.t].push(k);
    });
    var elements = [];
    nodes.forEach(function (n) {
      var colour = n.rank ? PALETTE[(n.rank - 1) % PALETTE.length] : '#999999';
      elements.push({
        group: 'nodes',
        data: { id: 'n' + n.id, idx: n.id, label: n.label, colour: colour,
                sz: 8 + Math.min(22, Math.sqrt(Math.max(0, n.size)) * 2) },
        position: { x: n.x, y: n.y }
      });
    });
    edges.forEach(function (e, k) {
      elements.push({ group: 'edges',
                      data: { id: 'e' + k, idx: k, source: 'n' + e.s, target: 'n' + e.t,
                              width: 0.6 + Math.min(5, Math.log(1 + e.w)) } });
    });
    cy = cytoscape({
      container: host,
      elements: elements,
      layout: { name: 'preset' },
      minZoom: 0.03,
      maxZoom: 5,
      textureOnViewport: nodes.length > 600,
      hideEdgesOnViewport: edges.length > 3000,
      style: [
        { selector: 'node', style: {
          'background-color': 'data(colour)', 'width': 'data(sz)', 'height': 'data(sz)',
          'label': 'data(label)', 'font-size': 9, 'min-zoomed-font-size': 7, 'color': '#222',
          'text-valign': 'bottom', 'text-margin-y': 2, 'border-width': 0.5,
          'border-color': '#ffffff' } },
        { selector: 'edge', style: {
          'width': 'data(width)', 'line-color': '#9aa6b8', 'opacity': 0.55,
          'curve-style': 'haystack' } },
        { selector: '.dim', style: { 'opacity': 0.12 } },
        { selector: '.hit', style: { 'border-width': 3, 'border-color': '#111111',
                                     'z-index': 10 } },
        { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#e4572e' } },
        { selector: 'edge:selected', style: { 'line-color': '#e4572e', 'opacity': 1 } }
      ]
    });
    var panel = document.getElementById('netpanel');

    function fact(dl, k, v) {
      dl.appendChild(h('dt', null, [k]));
      dl.appendChild(h('dd', null, [typeof v === 'string' ? bdi(v) : v]));
    }

    function clusterNode(c) {
      var target = net.clusters[String(c)];
      var text = 'cluster ' + c;
      return target ? internalLink(text + ' (dossier)', target) : bdi(text);
    }

    function selectNode(i) {
      var ele = cy.getElementById('n' + i);
      cy.elements().unselect();
      ele.select();
      cy.animate({ center: { eles: ele }, zoom: Math.max(cy.zoom(), 1.2) }, { duration: 250 });
      showNode(i);
    }

    function showNode(i) {
      var n = nodes[i];
      var dl = h('dl', 'facts');
      fact(dl, 'cluster', clusterNode(n.cluster));
      fact(dl, 'score', n.score);
      fact(dl, 'actions', String(n.actions));
      fact(dl, 'strongest evidence', n.evidence);
      var list = h('ul', 'objects');
      adjacency[i].slice().sort(function (a, b) { return edges[b].w - edges[a].w; })
        .slice(0, 20).forEach(function (k) {
          var e = edges[k];
          var other = e.s === i ? e.t : e.s;
          var b = h('button', null, [bdi(nodes[other].label)]);
          b.type = 'button';
          b.addEventListener('click', function () { selectNode(other); });
          list.appendChild(h('li', null, [b, ' ' + e.w + ' shared objects (' + e.behaviours + ')']));
        });
      panel.replaceChildren(h('h4', null, ['account']), h('p', 'data', [bdi(n.name)]), dl,
                            h('h4', null, ['partners in this view (' + adjacency[i].length + ')']), list);
    }

    function showEdge(k) {
      var e = edges[k];
      var a = nodes[e.s];
      var b = nodes[e.t];
      var dl = h('dl', 'facts');
      fact(dl, 'behaviours', e.behaviours);
      fact(dl, 'shared objects', String(e.w));
      fact(dl, 'best q-value', e.q);
      fact(dl, 'median lag (s)', e.lag);
      fact(dl, 'first (UTC)', e.first);
      fact(dl, 'last (UTC)', e.last);
      if (a.cluster === b.cluster) fact(dl, 'cluster', clusterNode(a.cluster));
      var parts = [h('h4', null, ['pair']), h('p', 'data', [bdi(a.name)]),
                   h('p', 'data', [bdi(b.name)]), dl];
      var ev = TABLES['c' + a.cluster + '-evidence'];
      var found = [];
      if (ev && a.cluster === b.cluster) {
        found = ev.rows.filter(function (r) {
          return (r[2] === a.name && r[4] === b.name) || (r[2] === b.name && r[4] === a.name);
        });
        if (found.length) {
          var ul = h('ul', 'objects');
          found.slice(0, 12).forEach(function (r) {
            ul.appendChild(h('li', null, [bdi(r[0] + ' · ' + r[1]), h('br'),
                                          bdi(r[3] + ' → ' + r[5] + ' (lag ' + r[6] + ' s)')]));
          });
          parts.push(h('h4', null, ['co-action events (' + found.length + ' in the dossier)']), ul);
        }
      }
      if (!found.length) {
        parts.push(h('p', 'note', ['The dossiers list the events of the strongest pairs only; ' +
                                   "'swarmscope explain CASE --pair A B' lists this pair's."]));
      }
      panel.replaceChildren.apply(panel, parts);
    }

    cy.on('tap', 'node', function (evt) { showNode(evt.target.data('idx')); });
    cy.on('tap', 'edge', function (evt) { showEdge(evt.target.data('idx')); });

    var search = document.getElementById('netsearch');
    var matches = document.getElementById('netmatches');
    var timer = null;
    search.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = search.value.trim().toLowerCase();
        cy.batch(function () {
          cy.elements().removeClass('dim hit');
          if (!q) return;
          cy.elements().addClass('dim');
        });
        var hits = [];
        if (q) {
          nodes.forEach(function (n) { if (n.search.indexOf(q) >= 0) hits.push(n.id); });
          cy.batch(function () {
            hits.forEach(function (i) { cy.getElementById('n' + i).removeClass('dim').addClass('hit'); });
          });
        }
        var buttons = hits.slice(0, 30).map(function (i) {
          var b = h('button', null, [bdi(nodes[i].label)]);
          b.type = 'button';
          b.addEventListener('click', function () { selectNode(i); });
          return b;
        });
        if (q) buttons.unshift(h('span', 'note', [hits.length + ' match' + (hits.length === 1 ? '' : 'es')]));
        matches.replaceChildren.apply(matches, buttons);
        if (hits.length) {
          var col = cy.collection();
          hits.forEach(function (i) { col = col.union(cy.getElementById('n' + i)); });
          cy.animate({ fit: { eles: col, padding: 60 } }, { duration: 250 });
        }
      }, 200);
    });

    var select = document.getElementById('netcluster');
    var seen = {};
    nodes.forEach(function (n) { if (!(n.cluster in seen)) seen[n.cluster] = n.rank; });
    Object.keys(seen).sort(function (a, b) { return seen[a] - seen[b]; }).slice(0, 500)
      .forEach(function (c) {
        var o = document.createElement('option');
        o.value = c;
        o.textContent = 'cluster ' + c + ' (rank ' + seen[c] + ')';
        select.appendChild(o);
      });
    select.addEventListener('change', function () {
      var c = select.value;
      cy.batch(function () {
        cy.elements().removeClass('dim hit');
        if (c === '') return;
        cy.elements().addClass('dim');
      });
      if (c === '') { cy.animate({ fit: { padding: 20 } }, { duration: 250 }); return; }
      var col = cy.nodes().filter(function (ele) { return String(nodes[ele.data('idx')].cluster) === c; });
      col = col.union(col.edgesWith(col));
      col.removeClass('dim');
      cy.animate({ fit: { eles: col, padding: 40 } }, { duration: 250 });
    });
    document.getElementById('netfit').addEventListener('click', function () { cy.fit(undefined, 20); });
    document.getElementById('netin').addEventListener('click', function () {
      cy.zoom({ level: cy.zoom() * 1.4, renderedPosition: { x: host.clientWidth / 2, y: host.clientHeight / 2 } });
    });
    document.getElementById('netout').addEventListener('click', function () {
      cy.zoom({ level: cy.zoom() / 1.4, renderedPosition: { x: host.clientWidth / 2, y: host.clientHeight / 2 } });
    });
    cy.fit(undefined, 20);
  }

  /* ---------------------------------------------------------------- navigation */

  function openTarget() {
    var id = decodeURIComponent((location.hash || '').slice(1));
    if (!SAFE_ANCHOR.test(id)) return;
    var target = document.getElementById(id);
    if (target && target.tagName === 'DETAILS') target.open = true;
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-table]'), renderTable);
    var hosts = document.querySelectorAll('[data-chart]');
    if ('IntersectionObserver' in window) {
      var io = new IntersectionObserver(function (entries) {
        entries.forEach(function (en) {
          if (en.isIntersecting) { io.unobserve(en.target); embed(en.target); }
        });
      }, { rootMargin: '600px 0px' });
      Array.prototype.forEach.call(hosts, function (el) { io.observe(el); });
    } else {
      renderAll();
    }
    try {
      initNetwork();
    } catch (err) {
      console.error('network view could not be drawn: ' + (err && err.message));
    }
    window.addEventListener('hashchange', openTarget);
    openTarget();
    window.__swarmscope = { renderAll: renderAll, cy: cy };
    document.documentElement.setAttribute('data-ready', '1');
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();

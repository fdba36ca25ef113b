// qlineage explorer: one classic script (no modules) so `lineage --format html` can inline it
// under a hash-based Content-Security-Policy. Every name, expression and script line comes
// from users' scripts and sites: it is only ever set with textContent / DOM APIs, never as HTML.
(function () {
  'use strict';

  // ---------- data: the HTTP API, or the graph embedded in a self-contained file ----------

  function httpBackend() {
    async function get(path, params) {
      const query = new URLSearchParams(params || {}).toString();
      const response = await fetch('/api/v1/' + path + (query ? '?' + query : ''), {
        headers: { Accept: 'application/json' },
      });
      const body = await response.json();
      if (!response.ok) {
        const message = body && body.error ? body.error.message : response.statusText;
        throw new Error(message);
      }
      return body;
    }
    return {
      summary: () => get('summary'),
      search: (q) => get('search', { q: q, limit: '50' }),
      node: (id) => get('node', { id: id }),
      graph: (id, o) => get('graph', [['id', id], ['direction', o.direction], ['depth', String(o.depth)], ['level', o.level]]
        .concat((o.expand || []).map((a) => ['expand', a]))),
      impact: (id, direction) => get('impact', { id: id, direction: direction }),
      source: (file, line) => get('source', { file: file, line: String(line), context: '4' }),
      changes: () => get('changes'),
      previewUrl: (id) => '/api/v1/preview?' + new URLSearchParams({ id: id }).toString(),
    };
  }

  // The same answers as the API, computed in the page from the embedded graph (docs/api.md
  // describes the shapes; src/web/views.rs is the reference implementation).
  // Beyond this many nodes a neighbourhood collapses other apps (the API's default `limit`).
  const GRAPH_LIMIT = 2000;

  function embeddedBackend(data) {
    const nodes = new Map();
    data.nodes.forEach((n) => nodes.set(n.id, n));
    const out = new Map();
    const inc = new Map();
    nodes.forEach((_, id) => { out.set(id, []); inc.set(id, []); });
    data.edges.forEach((e) => {
      if (out.has(e.from) && inc.has(e.to)) { out.get(e.from).push(e); inc.get(e.to).push(e); }
    });
    const FIELD = new Set(['db_column', 'file_field', 'qvd_field', 'app_field']);
    const FOLDS = new Set(['db_column', 'file_field', 'qvd_field', 'app_field', 'chart_measure', 'chart_dimension']);
    const RANK = { app: 0, sheet: 1, visual_object: 2, master_visualization: 2, master_measure: 3, master_dimension: 3,
      qvd: 4, db_table: 4, file: 4, database: 5, data_connection: 5, app_table: 6, inline_table: 6,
      db_column: 7, qvd_field: 7, file_field: 7, app_field: 8 };
    const WEAK = { partial: 1, manual: 2, resolved: 3, runtime: 4 };
    const weakness = (e) => (e.not_taken ? 0 : WEAK[e.certainty] || 4);
    // The app a node belongs to (an app belongs to itself), as views::app_of.
    const appOf = (id) => { const n = nodes.get(id); return !n ? null : n.kind === 'app' ? n.id : n.app || null; };
    const container = (id) => { const c = (inc.get(id) || []).find((e) => e.kind === 'contains'); return c ? c.from : null; };
    const appRef = (id) => { const n = nodes.get(id); const a = n && n.app ? nodes.get(n.app) : null; return a && a.id !== id ? { id: a.id, name: a.name } : undefined; };
    function brief(id) {
      const n = nodes.get(id);
      if (!n) return null;
      const b = { id: n.id, kind: n.kind, name: n.name };
      const app = appRef(id); if (app) b.app = app;
      if (FIELD.has(n.kind)) { const c = container(id); if (c) b.container = { id: c, name: nodes.get(c).name }; }
      return b;
    }
    const shownAs = (id, level) => (level === 'table' && FOLDS.has((nodes.get(id) || {}).kind) ? container(id) || id : id);
    function startsOf(id) {
      const starts = [id]; const seen = new Set(starts);
      for (let i = 0; i < starts.length; i++) {
        out.get(starts[i]).forEach((e) => { if (e.kind === 'contains' && !seen.has(e.to)) { seen.add(e.to); starts.push(e.to); } });
      }
      return starts;
    }
    const fail = (m) => Promise.reject(new Error(m));
    return {
      summary: () => Promise.resolve(data.summary),
      search(q) {
        const query = q.trim().toLowerCase(); const words = query.split(/\s+/).filter(Boolean);
        const hits = [];
        if (words.length) nodes.forEach((n) => {
          const name = n.name.toLowerCase(); const idl = n.id.toLowerCase();
          if (!words.every((w) => name.includes(w) || idl.includes(w))) return;
          const cls = name === query ? 0 : name.startsWith(query) ? 1
            : name.split(/[^\p{L}\p{N}]/u).some((w) => w.startsWith(words[0])) ? 2 : name.includes(query) ? 3 : 4;
          hits.push([cls, RANK[n.kind] === undefined ? 9 : RANK[n.kind], name.length, n.id]);
        });
        hits.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || (a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0));
        const matched = ['name', 'name_prefix', 'word_prefix', 'name_substring', 'id_substring'];
        return Promise.resolve({ query: q, results: hits.slice(0, 50).map((h) => Object.assign(brief(h[3]), { matched: matched[h[0]] })) });
      },
      node(id) {
        const n = nodes.get(id); if (!n) return fail('no node has the id `' + id + '`');
        const r = Object.assign(brief(id), { attrs: n.attrs });
        const children = out.get(id).filter((e) => e.kind === 'contains').map((e) => e.to);
        r.children_total = children.length; r.children = children.slice(0, 500).map(brief);
        const flow = (list, other) => list.filter((e) => e.kind !== 'contains');
        const ins = flow(inc.get(id)); const outs = flow(out.get(id));
        r.incoming_total = ins.length; r.incoming = ins.slice(0, 200).map((e) => ({ edge: e, node: brief(e.from) }));
        r.outgoing_total = outs.length; r.outgoing = outs.slice(0, 200).map((e) => ({ edge: e, node: brief(e.to) }));
        const key = id.startsWith('app:') ? id.slice(4) : null;
        r.unresolved = n.kind === 'app' ? data.unresolved.filter((u) => u.app === key) : undefined;
        r.diagnostics = data.diagnostics.filter((d) => (n.kind === 'app' && d.app === key) || (d.nodes || []).includes(id));
        return Promise.resolve(r);
      },
      graph(id, o) {
        if (!nodes.has(id)) return fail('no node has the id `' + id + '`');
        const starts = startsOf(id);
        const reached = new Map(starts.map((s) => [s, 0]));
        const lifted = new Map();
        const sides = o.direction === 'both' ? ['up', 'down'] : [o.direction === 'upstream' ? 'up' : 'down'];
        sides.forEach((side) => {
          const depth = new Map(starts.map((s) => [s, 0])); const queue = starts.slice();
          while (queue.length) {
            const cur = queue.shift(); const d = depth.get(cur);
            if (d >= o.depth) continue;
            (side === 'up' ? inc : out).get(cur).forEach((e) => {
              if (e.kind === 'contains') return;
              const next = side === 'up' ? e.from : e.to;
              const f = shownAs(e.from, o.level); const t = shownAs(e.to, o.level);
              if (f !== t) {
                const k = f + '\u0000' + t + '\u0000' + e.kind; const w = weakness(e);
                const cur2 = lifted.get(k);
                if (!cur2) lifted.set(k, { w: w, e: Object.assign({}, e, { from: f, to: t }), count: 1 });
                else { cur2.count++; if (w < cur2.w) { cur2.w = w; cur2.e = Object.assign({}, e, { from: f, to: t }); } }
              }
              if (!depth.has(next)) { depth.set(next, d + 1); reached.set(next, Math.min(reached.has(next) ? reached.get(next) : Infinity, d + 1)); queue.push(next); }
            });
          }
        });
        const centre = shownAs(id, o.level);
        const shown = new Map();
        reached.forEach((d, raw) => { const s = shownAs(raw, o.level); shown.set(s, Math.min(shown.has(s) ? shown.get(s) : Infinity, d)); });
        shown.set(centre, 0);
        // Beyond the limit, other apps than the centre's collapse into one node each, except
        // the apps asked expanded (as the API does, src/web/views.rs).
        const collapse = shown.size > (o.limit || GRAPH_LIMIT);
        const centreApp = appOf(centre);
        const expand = (o.expand || []).filter((a) => (nodes.get(a) || {}).kind === 'app');
        const groupOf = (s) => {
          if (!collapse || s === centre) return null;
          const a = appOf(s);
          return a && a !== centreApp && !expand.includes(a) ? 'group:' + a : null;
        };
        const ns = []; const groups = new Map();
        shown.forEach((d, s) => {
          const g = groupOf(s);
          if (g) groups.set(g, (groups.get(g) || 0) + 1);
          else ns.push(Object.assign(brief(s), { distance: d, centre: s === centre }));
        });
        groups.forEach((count, g) => {
          const a = nodes.get(g.slice('group:'.length));
          ns.push({ id: g, kind: 'app_group', name: a.name, app: { id: a.id, name: a.name }, collapsed: count });
        });
        const merged = new Map();
        lifted.forEach((v) => {
          if (!shown.has(v.e.from) || !shown.has(v.e.to)) return;
          const f = groupOf(v.e.from) || v.e.from; const t = groupOf(v.e.to) || v.e.to;
          if (f === t) return;
          const k = f + '\u0000' + t + '\u0000' + v.e.kind;
          const cur = merged.get(k);
          if (!cur) merged.set(k, { w: v.w, e: Object.assign({}, v.e, { from: f, to: t }), count: v.count });
          else { cur.count += v.count; if (v.w < cur.w) { cur.w = v.w; cur.e = Object.assign({}, v.e, { from: f, to: t }); } }
        });
        const es = []; merged.forEach((v) => es.push(Object.assign(v.e, { count: v.count })));
        return Promise.resolve({ centre: centre, level: o.level, depth: o.depth, collapsed: collapse, expanded: expand, nodes: ns, edges: es });
      },
      impact(id, direction) {
        if (!nodes.has(id)) return fail('no node has the id `' + id + '`');
        const up = direction === 'upstream';
        const starts = startsOf(id); const startSet = new Set(starts);
        const depth = new Map(starts.map((s) => [s, 0])); const parent = new Map(); const queue = starts.slice();
        while (queue.length) {
          const cur = queue.shift(); const d = depth.get(cur);
          (up ? inc : out).get(cur).forEach((e) => {
            if (e.kind === 'contains') return;
            const next = up ? e.from : e.to;
            if (depth.has(next)) return;
            depth.set(next, d + 1); parent.set(next, e); queue.push(next);
          });
        }
        const reported = new Map();
        depth.forEach((d, rid) => {
          if (startSet.has(rid)) return;
          let shown = rid;
          if (FIELD.has(nodes.get(rid).kind)) { const c = container(rid); if (!c || startSet.has(c)) return; shown = c; }
          const cur = reported.get(shown);
          if (!cur || d < cur[0] || (d === cur[0] && rid < cur[1])) reported.set(shown, [d, rid]);
        });
        const results = [];
        reported.forEach((v, shown) => {
          const path = []; let at = v[1];
          while (parent.has(at)) { const s = parent.get(at); path.push({ from: s.from, to: s.to, kind: s.kind, certainty: s.certainty }); at = up ? s.to : s.from; }
          if (!up) path.reverse();
          const n = nodes.get(shown);
          results.push({ id: shown, kind: n.kind, name: n.name, app: n.kind === 'app' ? shown : n.app || null, depth: v[0], path: path });
        });
        const byApp = new Map();
        results.sort((a, b) => a.depth - b.depth || String(a.app).localeCompare(String(b.app)) || (a.id < b.id ? -1 : 1));
        results.forEach((r) => { const k = r.app || ''; if (!byApp.has(k)) byApp.set(k, []); byApp.get(k).push(r); });
        const groups = [...byApp.keys()].sort().map((k) => {
          const items = byApp.get(k); const sheets = new Set();
          items.forEach((i) => { if (i.kind === 'visual_object') { const c = container(i.id); if (c && nodes.get(c).kind === 'sheet') sheets.add(c); } });
          return { app: k ? { id: k, name: nodes.get(k).name } : null, charts: items.filter((i) => i.kind === 'visual_object').length,
            sheets: [...sheets].sort().map(brief), items: items.map((i) => ({ id: i.id, kind: i.kind, name: i.name, depth: i.depth, path: i.path })) };
        });
        return Promise.resolve({ node: brief(id), direction: direction, groups: groups, cycles: [] });
      },
      source(file, line) {
        const s = data.sources[file];
        if (!s) return fail('no script of this lineage has that file name');
        if (!s.lines) return Promise.resolve({ file: file, missing: s.missing });
        const first = Math.max(1, line - 4); const last = Math.min(s.lines.length, line + 4); const lines = [];
        for (let n = first; n <= last; n++) lines.push({ line: n, text: s.lines[n - 1] });
        return Promise.resolve({ file: file, line: line, lines: lines, total_lines: s.lines.length });
      },
    };
  }

  const embedded = document.getElementById('qlineage-data');
  const api = embedded ? embeddedBackend(JSON.parse(embedded.textContent)) : httpBackend();

  // ---------- DOM helpers: text only ----------

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === 'class') e.className = v;
      else if (k === 'onclick') e.addEventListener('click', v);
      else e.setAttribute(k, v);
    });
    children.flat().forEach((c) => { if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c))); });
    return e;
  }
  const panel = document.getElementById('panel');
  const toolbar = document.getElementById('toolbar');
  const status = document.getElementById('status');
  const setPanel = (...children) => panel.replaceChildren(...children);
  const nodeHash = (id) => '#/node/' + encodeURIComponent(id);
  const link = (node) => el('a', { href: nodeHash(node.id), 'data-id': node.id }, node.name);
  const kindBadge = (kind) => el('span', { class: 'kind' }, kind.replace(/_/g, ' '));
  function showError(e) { status.textContent = ''; setPanel(el('p', { class: 'error' }, String(e && e.message ? e.message : e))); }

  // ---------- the graph ----------

  const COLOURS = { resolved: '#2e7d32', runtime: '#1565c0', partial: '#ef6c00', manual: '#6a1b9a', not_taken: '#9e9e9e' };
  const LINES = { resolved: 'solid', runtime: 'solid', partial: 'dashed', manual: 'dotted', not_taken: 'dashed' };
  const KIND_COLOURS = { app: '#17324d', app_group: '#17324d', sheet: '#6d4c41', visual_object: '#8d6e63', chart_measure: '#a1887f', chart_dimension: '#a1887f',
    qvd: '#00838f', qvd_field: '#4fb3bf', database: '#37474f', db_table: '#546e7a', db_column: '#78909c', data_connection: '#37474f',
    file: '#827717', file_field: '#afb42b', app_table: '#3949ab', app_field: '#7986cb', inline_table: '#5c6bc0',
    master_measure: '#ad1457', master_dimension: '#ad1457', master_visualization: '#ad1457', variable: '#616161', external: '#424242' };
  let cy = null;
  // Deep enough by default to reach from a source column to the charts of a three-layer estate.
  const view = { id: null, direction: 'both', depth: 8, level: 'table', expand: [] };
  let draws = 0;

  function legend() {
    const box = document.getElementById('legend');
    box.replaceChildren(el('strong', {}, 'Certainty'),
      ...Object.keys(COLOURS).map((c) => el('div', { class: 'row' }, el('span', { class: 'line ' + c }), c.replace('_', ' '))),
      el('div', { class: 'edge-meta' }, 'double-click a table for its fields'));
  }

  function ensureCy() {
    if (cy) return cy;
    cy = cytoscape({
      container: document.getElementById('graph'),
      wheelSensitivity: 0.3,
      minZoom: 0.02,
      maxZoom: 3,
      textureOnViewport: true,
      hideEdgesOnViewport: true,
      style: [
        { selector: 'node', style: { label: 'data(label)', 'font-size': 10, 'text-wrap': 'ellipsis', 'text-max-width': 150, 'text-valign': 'bottom', 'text-margin-y': 3,
          'min-zoomed-font-size': 4, width: 18, height: 18, 'background-color': 'data(colour)', shape: 'round-rectangle' } },
        { selector: 'node[?centre]', style: { 'border-width': 4, 'border-color': '#fbc02d', width: 26, height: 26 } },
        { selector: 'node[kind = "app_group"]', style: { shape: 'round-hexagon', width: 34, height: 34 } },
        // An app's box in the clustered layout of a large neighbourhood (a compound node).
        { selector: 'node[kind = "cluster"]', style: { shape: 'round-rectangle', 'background-color': '#e8edf3', 'background-opacity': 0.7,
          'border-width': 1, 'border-color': '#9aa6b5', padding: 14, 'font-size': 56, 'font-weight': 'bold', color: '#17324d',
          'text-valign': 'top', 'text-halign': 'center', 'text-margin-y': -6, 'text-max-width': 700, 'min-zoomed-font-size': 5 } },
        { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#d81b60' } },
        { selector: 'edge', style: { width: 1.6, 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'arrow-scale': 0.8,
          'line-color': 'data(colour)', 'target-arrow-color': 'data(colour)', 'line-style': 'data(line)' } },
        { selector: 'edge[style = "runtime"]', style: { width: 2.6 } },
        { selector: 'edge:selected', style: { width: 4 } },
      ],
    });
    cy.on('tap', 'node', (evt) => {
      const d = evt.target.data();
      if (d.kind === 'app_group') expandApp(d.app.id).catch(showError);
      else if (d.kind !== 'cluster') location.hash = nodeHash(d.id);
    });
    cy.on('dbltap', 'node', (evt) => { if (!['app_group', 'cluster'].includes(evt.target.data('kind'))) expandFields(evt.target.id()).catch(showError); });
    cy.on('tap', 'edge', (evt) => showEdge(evt.target.data('edge')));
    return cy;
  }

  // Beyond this many nodes (or once a view collapses apps) the graph is drawn clustered: one
  // box per app, wide layers wrapped (layout.js); below it, dagre's layered layout.
  const CLUSTER_OVER = 300;
  let clustered = false;
  const clusterId = (appId) => 'cluster:' + appId;
  // The app whose box a drawn node goes in (an app node in its own; collapsed apps in none).
  const unitOf = (d) => (d.kind === 'app_group' || d.kind === 'cluster' ? null : d.kind === 'app' ? d.id : d.app ? d.app.id : null);

  function elementsOf(g) {
    const els = [];
    const boxes = new Map();
    g.nodes.forEach((n) => {
      const data = { id: n.id, label: n.collapsed ? n.name + ' (' + n.collapsed + ')' : (n.container && view.level === 'field' ? n.container.name + '.' : '') + n.name,
        kind: n.kind, app: n.app, centre: !!n.centre, colour: KIND_COLOURS[n.kind] || '#455a64' };
      const unit = clustered ? unitOf(n) : null;
      if (unit) {
        data.parent = clusterId(unit);
        if (!boxes.has(unit)) boxes.set(unit, n.kind === 'app' ? n.name : n.app.name);
      }
      els.push({ group: 'nodes', data: data });
    });
    boxes.forEach((name, unit) => els.unshift({ group: 'nodes', data: { id: clusterId(unit), label: name, kind: 'cluster', app: { id: unit, name: name } } }));
    g.edges.forEach((e) => els.push({ group: 'edges', data: { id: 'e:' + e.from + '\u0000' + e.to + '\u0000' + e.kind, source: e.from, target: e.to,
      style: e.style, colour: COLOURS[e.style] || '#455a64', line: LINES[e.style] || 'solid', edge: e } }));
    return els;
  }

  // The drawn nodes and edges as layout.js takes them.
  const layoutNodes = (nodes) => nodes.map((n) => ({ id: n.id(), unit: unitOf(n.data()), unitName: n.isChild() ? n.parent().data('label') : null, label: n.data('label') }));
  const layoutEdges = (edges) => edges.map((e) => [e.source().id(), e.target().id()]);

  function layout(fit) {
    if (clustered) {
      const at = qlineageLayout.cluster(layoutNodes(cy.nodes(':childless')), layoutEdges(cy.edges()), cy.height() / Math.max(1, cy.width()));
      cy.batch(() => cy.nodes(':childless').forEach((n) => { const p = at.get(n.id()); if (p) n.position(p); }));
      if (fit) fitPositions(at.values());
      return;
    }
    cy.layout({ name: 'dagre', rankDir: 'LR', nodeSep: 14, rankSep: 90, animate: false, fit: fit }).run();
  }

  // cy.fit() measures every label's box (over a second for 2,000 nodes); the layout knows
  // where everything is, so the view is fitted to the positions plus room for labels and the
  // app boxes' titles.
  function fitPositions(points) {
    let x1 = Infinity; let y1 = Infinity; let x2 = -Infinity; let y2 = -Infinity;
    for (const p of points) { x1 = Math.min(x1, p.x); x2 = Math.max(x2, p.x); y1 = Math.min(y1, p.y); y2 = Math.max(y2, p.y); }
    if (x1 === Infinity) return;
    x1 -= 100; x2 += 100; y1 -= 110; y2 += 50;
    const w = cy.width(); const h = cy.height();
    const zoom = Math.max(cy.minZoom(), Math.min(cy.maxZoom(), Math.min(w / (x2 - x1), h / (y2 - y1))));
    cy.viewport({ zoom: zoom, pan: { x: (w - (x2 - x1) * zoom) / 2 - x1 * zoom, y: (h - (y2 - y1) * zoom) / 2 - y1 * zoom } });
  }

  function markDrawn(message) {
    document.getElementById('graph').setAttribute('data-draws', String(++draws));
    status.textContent = message;
  }

  async function drawGraph() {
    status.textContent = 'loading graph…';
    view.expand = [];
    const g = await api.graph(view.id, view);
    ensureCy();
    clustered = g.collapsed || g.nodes.length > CLUSTER_OVER;
    cy.batch(() => { cy.elements().remove(); cy.add(elementsOf(g)); });
    layout(true);
    markDrawn(g.nodes.length + ' nodes, ' + g.edges.length + ' edges' + (g.collapsed ? ' (other apps collapsed: click one to expand it)' : ''));
  }

  // A collapsed app expanded in place: the view asked again with the app in `expand`; its nodes
  // replace its collapsed node, laid out as one block where that node was; the drawn nodes to
  // the right of it, or below it in its column, move by the block's size, everything else
  // stays where it is; the new edges attach the block to what is drawn.
  async function expandApp(appId) {
    const group = cy.getElementById('group:' + appId);
    if (!group.length) return;
    view.expand = view.expand.concat([appId]);
    const g = await api.graph(view.id, view);
    const fresh = elementsOf(g).filter((e) => cy.getElementById(e.data.id).length === 0);
    const freshIds = new Set(fresh.map((e) => e.data.id));
    const gp = Object.assign({}, group.position());
    const half = { w: qlineageLayout.CELL_W / 2, h: qlineageLayout.CELL_H / 2 };
    // Drawn units (an app's box, or a node alone) and their extents, before the change.
    const units = new Map();
    cy.nodes(':childless').forEach((n) => {
      if (n.same(group)) return;
      const k = n.isChild() ? n.parent().id() : n.id();
      const p = n.position();
      const u = units.get(k) || { nodes: [], x1: Infinity, x2: -Infinity, y1: Infinity };
      u.nodes.push(n); u.x1 = Math.min(u.x1, p.x); u.x2 = Math.max(u.x2, p.x); u.y1 = Math.min(u.y1, p.y);
      units.set(k, u);
    });
    cy.batch(() => {
      group.remove();
      cy.add(fresh);
      const added = cy.nodes(':childless').filter((n) => freshIds.has(n.id()));
      const b = qlineageLayout.block(added.map((n) => n.id()), layoutEdges(added.edgesWith(added)), (id) => cy.getElementById(id).data('label'));
      // Room for the block, its box's padding and, below, the next box's title.
      const dx = Math.max(0, b.w - 2 * half.w) + 30; const dy = Math.max(0, b.h - 2 * half.h) + 80;
      units.forEach((u) => {
        let shift = null;
        if (u.x1 > gp.x + half.w) shift = { x: dx, y: 0 };
        else if (u.x2 >= gp.x - half.w && u.y1 > gp.y) shift = { x: 0, y: dy };
        if (shift && (shift.x || shift.y)) u.nodes.forEach((n) => n.shift(shift));
      });
      added.forEach((n) => { const p = b.pos.get(n.id()); n.position({ x: gp.x - half.w + p.x, y: gp.y - half.h + p.y }); });
    });
    const block = cy.nodes().filter((n) => freshIds.has(n.id()));
    const ext = cy.extent(); const bb = block.boundingBox();
    if (bb.x1 < ext.x1 || bb.x2 > ext.x2 || bb.y1 < ext.y1 || bb.y2 > ext.y2) cy.center(block);
    markDrawn('expanded ' + block.filter((n) => !n.isParent()).length + ' nodes of ' + (group.data('app') || {}).name + '; ' + cy.nodes('[kind = "app_group"]').length + ' apps still collapsed');
  }

  // Field-level expansion on demand: a table's fields and their direct neighbours join the view.
  async function expandFields(id) {
    const g = await api.graph(id, { direction: 'both', depth: 1, level: 'field' });
    const fresh = elementsOf(g).filter((e) => cy.getElementById(e.data.id).length === 0);
    cy.add(fresh);
    layout(false);
    markDrawn('expanded ' + (fresh.filter((e) => e.group === 'nodes').length) + ' field-level nodes');
  }

  function renderToolbar(id) {
    const button = (label, active, onclick) => el('button', { class: active ? 'active' : '', type: 'button', onclick: onclick }, label);
    const set = (k, v) => () => { view[k] = v; renderToolbar(id); drawGraph().catch(showError); };
    toolbar.replaceChildren(
      button('Upstream', view.direction === 'upstream', set('direction', 'upstream')),
      button('Both', view.direction === 'both', set('direction', 'both')),
      button('Downstream', view.direction === 'downstream', set('direction', 'downstream')),
      button('Depth −', false, set('depth', Math.max(1, view.depth - 1))),
      el('span', { class: 'edge-meta' }, 'depth ' + view.depth),
      button('Depth +', false, set('depth', Math.min(12, view.depth + 1))),
      button(view.level === 'table' ? 'Show fields' : 'Tables only', view.level === 'field', set('level', view.level === 'table' ? 'field' : 'table')),
      button('Impact: what breaks if this changes', false, () => { location.hash = '#/impact/' + encodeURIComponent(id); }),
    );
  }

  // ---------- panels ----------

  function facts(attrs) {
    const rows = Object.entries(attrs || {}).map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', {}, v)));
    return rows.length ? el('table', { class: 'facts' }, rows) : el('p', { class: 'edge-meta' }, 'no recorded facts');
  }

  function edgeLine(edge, other) {
    const meta = [edge.kind, edge.style.replace('_', ' '), edge.transform, edge.detail].filter(Boolean).join(' · ');
    const li = el('li', {}, other ? link(other) : null, ' ', other ? kindBadge(other.kind) : null, el('div', { class: 'edge-meta' }, meta));
    if (edge.span) li.append(el('div', {}, el('a', { class: 'span', onclick: () => showEdge(edge) }, edge.span.file + ':' + edge.span.line)));
    return li;
  }

  async function showEdge(edge) {
    const box = el('div', { id: 'edge-detail' }, el('h3', {}, 'Edge'), el('div', { class: 'id' }, edge.from + ' → ' + edge.to),
      el('div', { class: 'edge-meta' }, [edge.kind, edge.style, edge.transform, edge.detail].filter(Boolean).join(' · ')));
    const old = document.getElementById('edge-detail');
    if (old) old.remove();
    panel.prepend(box);
    if (!edge.span) { box.append(el('p', { class: 'edge-meta' }, 'no script position for this edge')); return; }
    try {
      const src = await api.source(edge.span.file, edge.span.line);
      if (src.missing) { box.append(el('p', { class: 'edge-meta' }, src.file + ': ' + src.missing)); return; }
      box.append(el('div', { class: 'id' }, src.file),
        el('pre', { class: 'excerpt' }, src.lines.map((l) => el('span', { class: l.line === src.line ? 'hl' : '' }, el('i', {}, String(l.line)), l.text))));
    } catch (e) { box.append(el('p', { class: 'error' }, e.message)); }
  }

  // What the data source can answer (a catalog has crawl history and sheet previews).
  let capabilities = null;
  async function can(what) {
    if (!capabilities) capabilities = ((await api.summary()).origin || {}).capabilities || {};
    return Boolean(capabilities[what]) && typeof api[what === 'previews' ? 'previewUrl' : what] === 'function';
  }

  async function showNode(id) {
    const n = await api.node(id);
    view.id = id;
    const parts = [el('span', { class: 'kind' }, n.kind.replace(/_/g, ' ')), el('h2', {}, n.name), el('div', { class: 'id' }, n.id)];
    if (n.app) parts.push(el('div', {}, 'in app ', link(n.app)));
    if (n.container) parts.push(el('div', {}, 'in ', link(n.container)));
    parts.push(el('h3', {}, 'Facts'), facts(n.attrs));
    if (n.kind === 'sheet' && await can('previews')) {
      // Same-origin SVG as an image (the policy allows `img-src 'self'`); the SVG itself,
      // opened on its own, carries the link that opens the sheet in Qlik Sense.
      const url = api.previewUrl(id);
      parts.push(el('h3', {}, 'Preview'), el('img', { class: 'preview', src: url, alt: 'wireframe of the sheet ' + n.name }),
        el('div', {}, el('a', { href: url, target: '_blank', rel: 'noopener' }, 'open the wireframe (with its link to Qlik Sense)')));
    }
    if (n.unresolved && n.unresolved.length) {
      parts.push(el('h3', {}, 'Unresolved (' + n.unresolved.length + ')'),
        el('ul', { class: 'list' }, n.unresolved.map((u) => el('li', {}, el('div', { class: 'id' }, u.file + ':' + u.line + '  ' + u.text), el('div', { class: 'edge-meta' }, u.reason)))));
    }
    if (n.diagnostics && n.diagnostics.length) {
      parts.push(el('h3', {}, 'Diagnostics (' + n.diagnostics.length + ')'),
        el('ul', { class: 'list' }, n.diagnostics.map((d) => el('li', {}, d.severity + ' ' + d.code + ': ' + d.message))));
    }
    parts.push(el('h3', {}, 'Comes from (' + n.incoming_total + ')'), el('ul', { class: 'list' }, n.incoming.map((x) => edgeLine(x.edge, x.node))));
    parts.push(el('h3', {}, 'Feeds (' + n.outgoing_total + ')'), el('ul', { class: 'list' }, n.outgoing.map((x) => edgeLine(x.edge, x.node))));
    if (n.children_total) {
      parts.push(el('h3', {}, 'Holds (' + n.children_total + ')'), el('ul', { class: 'list' }, n.children.map((c) => el('li', {}, link(c), ' ', kindBadge(c.kind)))));
    }
    setPanel(...parts);
    renderToolbar(id);
    await drawGraph();
  }

  async function showImpact(id) {
    const r = await api.impact(id, 'downstream');
    view.id = id; view.direction = 'downstream';
    const total = r.groups.reduce((s, g) => s + g.items.length, 0);
    const parts = [el('h2', {}, 'What breaks if ', r.node.name, ' changes'), el('div', { class: 'id' }, r.node.id),
      el('p', {}, total + ' items downstream in ' + r.groups.filter((g) => g.app).length + ' apps')];
    r.groups.forEach((g) => {
      const box = el('div', { class: 'group impact-group' }, el('strong', {}, g.app ? g.app.name : 'Datasets outside apps'));
      if (g.app) box.append(el('div', { class: 'edge-meta' }, g.charts + ' charts on ' + g.sheets.length + ' sheets'));
      if (g.sheets.length) box.append(el('div', {}, 'Sheets: ', ...g.sheets.map((s, i) => [i ? ', ' : '', link(s)])));
      box.append(el('ul', { class: 'list' }, g.items.map((i) => el('li', {}, link(i), ' ', kindBadge(i.kind), el('span', { class: 'edge-meta' }, ' · ' + i.depth + ' steps')))));
      parts.push(box);
    });
    setPanel(...parts);
    renderToolbar(id);
    await drawGraph();
  }

  async function showSearch(q) {
    document.getElementById('search').value = q;
    const r = await api.search(q);
    setPanel(el('h2', {}, 'Results for ', q), r.results.length ? el('div', {}, r.results.map((h) => el('div', { class: 'result' }, link(h), ' ', kindBadge(h.kind),
      h.app ? el('div', { class: 'edge-meta' }, 'in ' + h.app.name) : null, el('div', { class: 'id' }, h.id)))) : el('p', {}, 'nothing matches'));
  }

  async function showHome() {
    const s = await api.summary();
    const kinds = Object.entries(s.kinds || {}).map(([k, v]) => el('tr', {}, el('td', {}, k.replace(/_/g, ' ')), el('td', {}, String(v))));
    setPanel(el('h2', {}, 'Estate'), el('p', {}, s.apps + ' apps, ' + s.nodes + ' nodes, ' + s.edges + ' edges, ' + s.unresolved + ' unresolved'),
      el('table', { class: 'facts' }, kinds), el('p', { class: 'edge-meta' }, 'source: ' + s.origin.source + ', built ' + s.origin.built_at +
        (s.origin.last_crawl ? ', last crawl ' + s.origin.last_crawl : '')));
    status.textContent = '';
    capabilities = s.origin.capabilities || {};
    if (await can('changes')) panel.append(await changesSection());
  }

  // The last crawl's changes and the lineage they broke (from the catalog).
  async function changesSection() {
    const box = el('div', { class: 'changes' });
    try {
      const c = await api.changes();
      box.append(el('h3', {}, 'Changes in the last crawl (' + c.items.length + ')'),
        el('ul', { class: 'list' }, c.items.slice(0, 200).map((i) => el('li', {}, i.change + ' ' + i.item + ' ', el('strong', {}, i.name || i.item_id),
          el('span', { class: 'edge-meta' }, ' in ' + i.app_name + (i.detail ? ' · ' + i.detail : ''))))));
      const broken = c.broken || [];
      box.append(el('h3', {}, 'Broken lineage (' + broken.length + ')'),
        el('ul', { class: 'list' }, broken.slice(0, 200).map((b) => el('li', {}, b.nodes.length ? link({ id: b.nodes[0], name: b.message }) : b.message,
          b.new ? el('span', { class: 'kind' }, 'new') : null))));
    } catch (e) { box.append(el('p', { class: 'error' }, e.message)); }
    return box;
  }

  async function route() {
    const hash = location.hash.replace(/^#\/?/, '');
    const slash = hash.indexOf('/');
    const verb = slash < 0 ? hash : hash.slice(0, slash);
    let arg = '';
    try { arg = slash < 0 ? '' : decodeURIComponent(hash.slice(slash + 1)); } catch (e) { arg = ''; }
    try {
      if (verb === 'node' && arg) await showNode(arg);
      else if (verb === 'impact' && arg) await showImpact(arg);
      else if (verb === 'search' && arg) await showSearch(arg);
      else await showHome();
      document.body.setAttribute('data-ready', location.hash);
    } catch (e) { showError(e); document.body.setAttribute('data-ready', 'error'); }
  }

  // What is drawn, for the console and the browser tests: ids, labels, and whether each node's
  // rendered box lies inside the visible canvas.
  window.qlineageView = Object.freeze({
    nodes() {
      if (!cy) return [];
      const w = cy.width(); const h = cy.height();
      // Drawn nodes, not the app boxes around them (those are clusters()).
      return cy.nodes(':childless').map((n) => {
        const b = n.renderedBoundingBox();
        return { id: n.id(), label: n.data('label'), kind: n.data('kind'), app: (n.data('app') || {}).id, x: n.renderedPosition('x'), y: n.renderedPosition('y'),
          mx: n.position('x'), my: n.position('y'), visible: b.x2 > 0 && b.y2 > 0 && b.x1 < w && b.y1 < h };
      });
    },
    edges() { return cy ? cy.edges().map((e) => ({ from: e.data('source'), to: e.data('target'), style: e.data('style') })) : []; },
    // A tap on a drawn node, as a click would do (for nodes scrolled out of view).
    tap(id) { if (cy) cy.getElementById(id).emit('tap'); },
    // Zoom to a level around a point of the canvas, as the wheel would.
    zoomAt(level, x, y) { if (cy) cy.zoom({ level: level, renderedPosition: { x: x, y: y } }); },
    clusters() { return cy ? cy.nodes('[kind = "cluster"]').map((n) => ({ id: n.id(), label: n.data('label'), children: n.children().length, box: n.boundingBox() })) : []; },
  });

  document.getElementById('search-form').addEventListener('submit', (evt) => {
    evt.preventDefault();
    const q = document.getElementById('search').value.trim();
    if (q) location.hash = '#/search/' + encodeURIComponent(q);
  });
  // cytoscape-dagre registers its layout itself when it finds window.cytoscape.
  legend();
  window.addEventListener('hashchange', route);
  route();
})();

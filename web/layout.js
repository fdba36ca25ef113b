// qlineage explorer: the layout of large neighbourhoods, where a layered layout over every node
// (dagre) stacks hundreds of nodes of one rank in a single column, readable only when zoomed.
// Here nodes are grouped in units (an app's nodes; each node outside apps alone), each unit is
// laid out in layers left to right with wide layers wrapped into a grid, and the units are
// placed in layers of the unit graph, each layer wrapped into sub-columns so the whole picture
// keeps about the viewport's proportions. Linear in nodes and edges plus sorting; pure data in,
// positions out (no DOM), so the explorer can also lay out one unit alone (an app expanded in
// place). A classic script, like app.js, so the self-contained file can inline it.
(function () {
  'use strict';

  // One node's cell (its label, ellipsised at 150 px, is drawn below it) and the gaps.
  const CELL_W = 170;
  const CELL_H = 46;
  const UNIT_GAP = 60;
  // Between units stacked in a column: room for the app box's title above each.
  const UNIT_GAP_Y = 120;
  const RANK_GAP = 160;

  // Longest-path layers of a directed graph; back edges (found by an iterative depth-first
  // search) are ignored, so cycles terminate. ids: array; succ: Map id -> array of ids.
  function layers(ids, succ) {
    const state = new Map();
    const order = [];
    const back = new Set();
    ids.forEach((root) => {
      if (state.has(root)) return;
      state.set(root, 1);
      const stack = [[root, 0]];
      while (stack.length) {
        const top = stack[stack.length - 1];
        const next = succ.get(top[0]) || [];
        if (top[1] < next.length) {
          const w = next[top[1]++];
          const st = state.get(w);
          if (st === undefined) { state.set(w, 1); stack.push([w, 0]); } else if (st === 1) back.add(top[0] + '\u0000' + w);
        } else {
          state.set(top[0], 2);
          order.push(top[0]);
          stack.pop();
        }
      }
    });
    const rank = new Map(ids.map((i) => [i, 0]));
    for (let i = order.length - 1; i >= 0; i--) {
      const v = order[i];
      (succ.get(v) || []).forEach((w) => {
        if (!back.has(v + '\u0000' + w) && rank.get(w) < rank.get(v) + 1) rank.set(w, rank.get(v) + 1);
      });
    }
    return rank;
  }

  // Columns by layer, each sorted by the mean order of its predecessors in earlier columns
  // (one barycentre sweep: fewer crossings), then by label.
  function columns(ids, succ, pred, rank, label) {
    const cols = [];
    ids.forEach((id) => { const r = rank.get(id); (cols[r] = cols[r] || []).push(id); });
    const index = new Map();
    return cols.filter(Boolean).map((col) => {
      const key = new Map(col.map((id) => {
        const seen = (pred.get(id) || []).filter((p) => index.has(p)).map((p) => index.get(p));
        return [id, seen.length ? seen.reduce((a, b) => a + b, 0) / seen.length : Infinity];
      }));
      const byKey = (a, b) => { const ka = key.get(a); const kb = key.get(b); return ka === kb ? 0 : ka < kb ? -1 : 1; };
      col.sort((a, b) => byKey(a, b) || String(label(a)).localeCompare(String(label(b)), undefined, { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0));
      col.forEach((id, i) => index.set(id, i));
      return col;
    });
  }

  function adjacency(ids, edges) {
    const set = new Set(ids);
    const succ = new Map(ids.map((i) => [i, []]));
    const pred = new Map(ids.map((i) => [i, []]));
    const seen = new Set();
    edges.forEach(([a, b]) => {
      const k = a + '\u0000' + b;
      if (a === b || !set.has(a) || !set.has(b) || seen.has(k)) return;
      seen.add(k);
      succ.get(a).push(b);
      pred.get(b).push(a);
    });
    return { succ, pred };
  }

  // One unit: layers left to right; a layer of n nodes wraps into about sqrt(n·H/W) sub-columns
  // so a unit is roughly square. Positions are node centres relative to the unit's top left.
  function block(ids, edges, label) {
    const { succ, pred } = adjacency(ids, edges);
    const rank = layers(ids, succ);
    const pos = new Map();
    const cols = columns(ids, succ, pred, rank, label).map((col) => {
      const sub = Math.max(1, Math.round(Math.sqrt(col.length * CELL_H / CELL_W)));
      return { col: col, rows: Math.ceil(col.length / sub) };
    });
    const h = Math.max(0, ...cols.map((c) => c.rows * CELL_H));
    let x = 0;
    cols.forEach(({ col, rows }) => {
      // A short layer is centred on the unit's height.
      const top = (h - Math.min(rows, col.length) * CELL_H) / 2;
      col.forEach((id, i) => pos.set(id, { x: x + Math.floor(i / rows) * CELL_W + CELL_W / 2, y: top + (i % rows) * CELL_H + CELL_H / 2 }));
      x += Math.ceil(col.length / rows) * CELL_W;
    });
    return { w: x, h: h, pos: pos };
  }

  // The whole graph. nodes: [{id, unit, unitName, label}] (unit: a key shared by an app's
  // nodes, or null for a node alone; unitName: the app's name, which orders the boxes); edges: [[from, to]]; aspect: the viewport's height / width.
  // Returns Map id -> {x, y}.
  function cluster(nodes, edges, aspect) {
    const unitOf = new Map();
    const members = new Map();
    const labels = new Map();
    const unitNames = new Map();
    nodes.forEach((n) => {
      const u = n.unit ? 'unit:' + n.unit : 'node:' + n.id;
      unitOf.set(n.id, u);
      labels.set(n.id, n.label);
      if (n.unitName && !unitNames.has(u)) unitNames.set(u, n.unitName);
      if (!members.has(u)) members.set(u, []);
      members.get(u).push(n.id);
    });
    const label = (id) => labels.get(id) || '';
    const inner = new Map();
    const across = [];
    edges.forEach(([a, b]) => {
      const ua = unitOf.get(a); const ub = unitOf.get(b);
      if (!ua || !ub) return;
      if (ua === ub) { if (!inner.has(ua)) inner.set(ua, []); inner.get(ua).push([a, b]); } else across.push([ua, ub]);
    });
    const units = [...members.keys()];
    const blocks = new Map(units.map((u) => [u, block(members.get(u), inner.get(u) || [], label)]));
    const unitLabel = (u) => unitNames.get(u) || label(members.get(u)[0]);
    const { succ, pred } = adjacency(units, across);
    const rank = layers(units, succ);
    let area = 0; let tallest = 0;
    blocks.forEach((b) => { area += (b.w + UNIT_GAP) * (b.h + UNIT_GAP_Y); tallest = Math.max(tallest, b.h); });
    const target = Math.max(tallest, Math.sqrt(area * (aspect || 0.75)));
    const out = new Map();
    let x = 0;
    columns(units, succ, pred, rank, unitLabel).forEach((col) => {
      // Shelves: fill a sub-column to the target height, then start the next one.
      const shelves = [[]]; let y = 0;
      col.forEach((u) => {
        const b = blocks.get(u);
        if (y > 0 && y + b.h > target) { shelves.push([]); y = 0; }
        shelves[shelves.length - 1].push(u);
        y += b.h + UNIT_GAP_Y;
      });
      shelves.forEach((shelf) => {
        const height = shelf.reduce((s, u) => s + blocks.get(u).h + UNIT_GAP_Y, -UNIT_GAP_Y);
        let top = (target - height) / 2;
        let width = 0;
        shelf.forEach((u) => {
          const b = blocks.get(u);
          b.pos.forEach((p, id) => out.set(id, { x: x + p.x, y: top + p.y }));
          top += b.h + UNIT_GAP_Y;
          width = Math.max(width, b.w);
        });
        x += width + UNIT_GAP;
      });
      x += RANK_GAP - UNIT_GAP;
    });
    return out;
  }

  window.qlineageLayout = Object.freeze({ cluster, block, CELL_W, CELL_H, UNIT_GAP });
})();

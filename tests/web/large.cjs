// Figures for a large neighbourhood (tests/web_browser.rs): opens the self-contained explorer
// on a synthetic estate where one QVD feeds over 2,000 drawn nodes, and reports how long the
// graph takes to appear and how many frames the canvas draws while it is dragged for a second.
// Figures are printed, not asserted (the machine is shared); the checks are that every node
// is drawn and that panning moves the view.
'use strict';
const fs = require('fs');
const { ARGS, check } = require('./common.cjs');
const { chromium } = require('playwright-core');

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

(async () => {
  const browser = await chromium.launch({ executablePath: config.chromium, args: ARGS, headless: false });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const hash = '#/node/' + encodeURIComponent(config.centre);
    const started = Date.now();
    await page.goto('file://' + config.html + hash);
    await page.waitForFunction((h) => document.body.getAttribute('data-ready') === h, hash, { timeout: 120000 });
    const shown = Date.now() - started;
    const drawn = await page.evaluate(() => window.qlineageView.nodes());
    const nodes = drawn.length;
    check(nodes >= config.expected_nodes, 'all ' + nodes + ' nodes are drawn');
    // Readable: one box per app holding its nodes, and the drawing keeps about the viewport's
    // proportions instead of one column thousands of nodes tall.
    const clusters = await page.evaluate(() => window.qlineageView.clusters());
    check(clusters.length === config.apps && clusters.every((c) => c.children === config.per_app),
      config.apps + ' app boxes of ' + config.per_app + ' nodes each (' + clusters.length + ')');
    const xs = drawn.map((n) => n.mx); const ys = drawn.map((n) => n.my);
    const w = Math.max(...xs) - Math.min(...xs); const h = Math.max(...ys) - Math.min(...ys);
    check(w / h > 0.5 && w / h < 4, 'the drawing is about as wide as the view (' + Math.round(w) + ' x ' + Math.round(h) + ')');
    const cells = new Set(drawn.map((n) => Math.round(n.mx) + ',' + Math.round(n.my)));
    check(cells.size === nodes, 'no two nodes share a place');
    const visible = drawn.filter((n) => n.visible).length;
    check(visible === nodes, 'the fitted view shows every node (' + visible + ')');
    await page.screenshot({ path: config.shot });
    const box = await page.locator('#graph').boundingBox();
    const before = await page.evaluate(() => window.qlineageView.nodes()[0].x);
    await page.evaluate(() => { window.__frames = 0; const tick = () => { window.__frames++; window.__raf = requestAnimationFrame(tick); }; tick(); });
    await page.mouse.move(box.x + 40, box.y + box.height / 2);
    await page.mouse.down();
    const dragStart = Date.now();
    for (let i = 1; i <= 30; i++) { await page.mouse.move(box.x + 40 + i * 10, box.y + box.height / 2 + i * 3); }
    await page.mouse.up();
    const dragMs = Date.now() - dragStart;
    const frames = await page.evaluate(() => { cancelAnimationFrame(window.__raf); return window.__frames; });
    const after = await page.evaluate(() => window.qlineageView.nodes()[0].x);
    check(Math.abs(after - before) > 100, 'dragging pans the view (' + Math.round(after - before) + ' px)');
    console.log('figure: ' + nodes + ' nodes: graph shown in ' + shown + ' ms; while dragging: ' + frames + ' frames in ' + dragMs + ' ms (' + (frames * 1000 / dragMs).toFixed(1) + ' fps)');
    // The same drawing zoomed in on the centre's side: app boxes and their labels legible.
    await page.evaluate(() => {
      const first = window.qlineageView.nodes().find((n) => n.kind === 'app_table');
      window.qlineageView.zoomAt(0.9, first.x, first.y);
    });
    await page.waitForTimeout(300);
    await page.screenshot({ path: config.shot.replace(/\.png$/, '-zoomed.png') });
  } finally {
    await browser.close();
  }
  console.log('done');
})().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });

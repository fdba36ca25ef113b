// A neighbourhood over the collapse threshold (tests/web_browser.rs): other apps are drawn as
// one node each; clicking one expands THAT app in place (its nodes replace the collapsed node,
// edges re-attached) while the other apps stay collapsed and the rest of the drawing stays put.
// Run once against `qlineage serve` (the API's `expand`) and once against the self-contained
// file (the embedded backend), from the same config: {chromium, targets: [{name, url}], centre,
// apps, open, open_nodes, shots}.
'use strict';
const fs = require('fs');
const { ARGS, check } = require('./common.cjs');
const { chromium } = require('playwright-core');

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

const overlaps = (a, b) => Math.abs(a.mx - b.mx) < 20 && Math.abs(a.my - b.my) < 20;

async function run(browser, target) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const hash = '#/node/' + encodeURIComponent(config.centre);
  await page.goto(target.url + hash);
  await page.waitForFunction((h) => document.body.getAttribute('data-ready') === h, hash, { timeout: 60000 });
  const before = await page.evaluate(() => window.qlineageView.nodes());
  const groups = before.filter((n) => n.kind === 'app_group');
  check(groups.length === config.apps, target.name + ': ' + groups.length + ' apps drawn collapsed');
  check(before.length === config.apps + 1, target.name + ': the centre and one node per app (' + before.length + ')');
  const group = groups.find((n) => n.app === config.open);
  check(group && group.visible, target.name + ': the collapsed ' + config.open + ' is on screen');
  const draws = await page.evaluate(() => document.getElementById('graph').getAttribute('data-draws'));
  const box = await page.locator('#graph').boundingBox();
  await page.mouse.click(box.x + group.x, box.y + group.y);
  await page.waitForFunction((d) => document.getElementById('graph').getAttribute('data-draws') !== d, draws, { timeout: 30000 });
  const after = await page.evaluate(() => window.qlineageView.nodes());
  const ids = new Set(after.map((n) => n.id));
  check(!ids.has(group.id), target.name + ': the collapsed node is gone');
  const opened = after.filter((n) => n.app === config.open && n.kind !== 'app_group');
  check(opened.length === config.open_nodes, target.name + ': its ' + opened.length + ' nodes are drawn');
  const still = after.filter((n) => n.kind === 'app_group');
  check(still.length === config.apps - 1 && still.every((n) => n.app !== config.open), target.name + ': the other ' + still.length + ' apps stay collapsed');
  const clusters = await page.evaluate(() => window.qlineageView.clusters());
  check(clusters.length === 1 && clusters[0].children === config.open_nodes, target.name + ': the expanded app has its box');
  // The rest is where it was, or moved as a whole out of the block's way.
  const centreBefore = before.find((n) => n.id === config.centre);
  const centreAfter = after.find((n) => n.id === config.centre);
  check(centreBefore.mx === centreAfter.mx && centreBefore.my === centreAfter.my, target.name + ': the centre did not move');
  const moved = before.filter((n) => n.id !== group.id).map((n) => {
    const m = after.find((a) => a.id === n.id);
    return { dx: m.mx - n.mx, dy: m.my - n.my };
  });
  check(moved.every((m) => (m.dx === 0 || m.dy === 0) && m.dx >= 0 && m.dy >= 0), target.name + ': other nodes kept their place or moved right or down only');
  const old = after.filter((n) => !opened.includes(n));
  check(opened.every((n) => !old.some((o) => overlaps(n, o))), target.name + ': the expanded nodes overlap nothing');
  const edges = await page.evaluate(() => window.qlineageView.edges());
  const openedIds = new Set(opened.map((n) => n.id));
  check(edges.some((e) => e.from === config.centre && openedIds.has(e.to)), target.name + ': the centre\'s edges attach to the expanded nodes');
  check(edges.every((e) => ids.has(e.from) && ids.has(e.to)), target.name + ': every edge joins drawn nodes');
  check(errors.length === 0, target.name + ': no error in the page ' + JSON.stringify(errors));
  await page.screenshot({ path: config.shots + '/collapse-' + target.name + '.png' });
  // A second app expands beside the first; the first stays expanded.
  const second = still[0];
  const draws2 = await page.evaluate(() => document.getElementById('graph').getAttribute('data-draws'));
  const current = (await page.evaluate(() => window.qlineageView.nodes())).find((n) => n.id === second.id);
  if (current.visible) {
    await page.mouse.click(box.x + current.x, box.y + current.y);
  } else {
    await page.evaluate((id) => window.qlineageView.tap(id), second.id);
  }
  await page.waitForFunction((d) => document.getElementById('graph').getAttribute('data-draws') !== d, draws2, { timeout: 30000 });
  const third = await page.evaluate(() => window.qlineageView.nodes());
  check(third.filter((n) => n.kind === 'app_group').length === config.apps - 2, target.name + ': a second app expands too');
  check(third.filter((n) => n.app === config.open && n.kind !== 'app_group').length === config.open_nodes, target.name + ': the first stays expanded');
  await page.close();
}

(async () => {
  const browser = await chromium.launch({ executablePath: config.chromium, args: ARGS, headless: false });
  try {
    for (const target of config.targets) await run(browser, target);
  } finally {
    await browser.close();
  }
  console.log('done');
})().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });

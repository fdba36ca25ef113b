// Drives Debian's Chromium through the explorer for tests/web_browser.rs.
// Usage: node explorer.cjs CONFIG.json  (demo and hostile server bases, HTML files, screenshot
// folder, the Chromium path). Prints one line per check; exits non-zero on the first failure.
'use strict';
const fs = require('fs');
const { ARGS, check } = require('./common.cjs');
const path = require('path');
const { chromium } = require('playwright-core');

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const UNIT_PRICE = 'db:salesdb/sales.dbo.orderlines.unitprice';
const ORDERLINES = 'db:salesdb/sales.dbo.orderlines';

// A page that records every CSP violation, dialog and page error, and a hostile script's flag.
async function watchedPage(context) {
  const page = await context.newPage();
  const problems = [];
  page.on('dialog', (d) => { problems.push('dialog: ' + d.message()); d.dismiss().catch(() => {}); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console error: ' + m.text()); });
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
  });
  return { page, problems };
}

async function ready(page, hash) {
  await page.waitForFunction((h) => document.body.getAttribute('data-ready') === h || document.body.getAttribute('data-ready') === 'error', hash, { timeout: 30000 });
  const state = await page.evaluate(() => document.body.getAttribute('data-ready'));
  if (state === 'error') throw new Error('the page reported an error at ' + hash + ': ' + await page.textContent('#panel'));
}

async function go(page, hash) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await ready(page, hash);
}

// Runs an action and waits for the graph to be drawn again.
async function redraw(page, action) {
  const before = await page.evaluate(() => document.getElementById('graph').getAttribute('data-draws'));
  await action();
  await page.waitForFunction((b) => document.getElementById('graph').getAttribute('data-draws') !== b, before, { timeout: 30000 });
}

async function drawn(page) {
  return page.evaluate(() => window.qlineageView.nodes());
}

async function searchAndOpen(page, query, id) {
  await page.fill('#search', query);
  await page.press('#search', 'Enter');
  await ready(page, '#/search/' + encodeURIComponent(query));
  const link = page.locator('#panel a[data-id="' + id.replace(/"/g, '\\"') + '"]').first();
  check(await link.count() === 1, 'search "' + query + '" lists ' + id);
  await link.click();
  await ready(page, '#/node/' + encodeURIComponent(id));
}

// The explorer on the demo estate: search a database column, walk upstream and downstream,
// expand a table's fields, open the impact view; screenshots of each.
async function demo(context, base, label) {
  const { page, problems } = await watchedPage(context);
  await page.setViewportSize({ width: 1400, height: 860 });
  await page.goto(base);
  await ready(page, '');
  check((await page.textContent('#panel')).includes('13 apps'), label + ': the home page counts the estate');
  await searchAndOpen(page, 'UnitPrice', UNIT_PRICE);
  let nodes = await drawn(page);
  check(nodes.some((n) => n.id === ORDERLINES && n.visible), label + ': the column\'s table is drawn and visible');
  check(nodes.some((n) => n.id.startsWith('object:815cee8e') && n.visible), label + ': Sales Dashboard charts are drawn downstream');
  check(nodes.every((n) => n.visible), label + ': the whole neighbourhood fits the view (' + nodes.length + ' nodes)');
  const styles = (await page.evaluate(() => window.qlineageView.edges())).map((e) => e.style);
  check(styles.length > 0 && styles.every((s) => ['resolved', 'partial', 'runtime', 'manual', 'not_taken'].includes(s)),
    label + ': every edge carries a certainty style (' + [...new Set(styles)].join(', ') + ')');
  check((await page.locator('#legend .row').count()) === 5, label + ': the legend shows the five certainty styles');
  await page.screenshot({ path: path.join(config.shots, label + '-column.png') });

  // Downstream only, deeper: the dashboard's charts stay; upstream only: just the table.
  await redraw(page, () => page.click('#toolbar button:has-text("Downstream")'));
  nodes = await drawn(page);
  check(nodes.some((n) => n.id.startsWith('object:815cee8e')), label + ': downstream keeps the charts');
  await redraw(page, () => page.click('#toolbar button:has-text("Upstream")'));
  check((await drawn(page))[0].id === ORDERLINES, label + ': upstream of a source column is only its table');

  // A table upstream and downstream, then its fields expanded on demand (double-click).
  const orders = 'app:9b9cb855-02f7-5f16-851f-6a57d1b0b07f/table/OrderLines';
  await go(page, '#/node/' + encodeURIComponent(orders));
  await redraw(page, () => page.click('#toolbar button:has-text("Both")'));
  nodes = await drawn(page);
  check(nodes.some((n) => n.id === ORDERLINES) && nodes.some((n) => n.id.endsWith('orderlines.qvd')), label + ': a table shows its source and the QVD it stores');
  const table = nodes.find((n) => n.id === orders);
  const box = await page.locator('#graph').boundingBox();
  await redraw(page, () => page.mouse.dblclick(box.x + table.x, box.y + table.y));
  nodes = await drawn(page);
  check(nodes.some((n) => n.id === orders + '/field/UnitPrice'), label + ': double-click expands the table\'s fields');
  await page.screenshot({ path: path.join(config.shots, label + '-fields.png') });

  // A click on an edge's script position shows the excerpt with the line highlighted.
  await go(page, '#/node/' + encodeURIComponent(UNIT_PRICE));
  await page.locator('#panel a.span').first().click();
  await page.waitForSelector('#edge-detail pre.excerpt span.hl');
  const hl = await page.textContent('#edge-detail pre.excerpt span.hl');
  check(hl.includes('OrderLines:'), label + ': the script line behind an edge is highlighted: ' + hl.trim().slice(0, 60));

  // Impact: every chart and sheet downstream, grouped by app.
  await go(page, '#/impact/' + encodeURIComponent(UNIT_PRICE));
  const groups = await page.locator('.impact-group').allTextContents();
  const dashboard = groups.find((g) => g.startsWith('Sales Dashboard'));
  check(dashboard && dashboard.includes('Overview'), label + ': impact lists Sales Dashboard with its Overview sheet');
  check(groups.some((g) => g.startsWith('Sales Territory Review')), label + ': impact lists Sales Territory Review');
  await page.screenshot({ path: path.join(config.shots, label + '-impact.png') });

  // The explorer's picture for the README: a QVD's neighbourhood on the demo estate.
  if (label === 'serve') {
    await go(page, '#/node/' + encodeURIComponent('qvd://fileserver/qlik/qvd/transform/salesfact.qvd'));
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(config.shots, 'explorer.png') });
  }
  const violations = await page.evaluate(() => window.__violations);
  check(violations.length === 0, label + ': no CSP violations (' + violations.join('; ') + ')');
  check(problems.length === 0, label + ': no dialogs or errors (' + problems.join('; ') + ')');
  await page.close();
}

// Hostile names: shown as text, never run.
async function hostile(context, base, label) {
  const { page, problems } = await watchedPage(context);
  await page.setViewportSize({ width: 1200, height: 800 });
  await page.goto(base);
  await ready(page, '');
  await page.fill('#search', 'pwned');
  await page.press('#search', 'Enter');
  await ready(page, '#/search/pwned');
  const panel = await page.textContent('#panel');
  for (const name of ['<img src=x onerror=window.__pwned=1>', '<img src=x onerror=window.__pwned=4>', '<script>window.__pwned=5</script>', '</script><script>window.__pwned=3</script>']) {
    check(panel.includes(name), label + ': the name ' + name + ' is shown as text');
  }
  const ids = await page.$$eval('#panel a[data-id]', (as) => as.map((a) => a.getAttribute('data-id')));
  for (const id of ids) {
    await go(page, '#/node/' + encodeURIComponent(id));
    await go(page, '#/impact/' + encodeURIComponent(id));
  }
  check(ids.length >= 8, label + ': visited ' + ids.length + ' hostile nodes and their impact');
  await page.locator('#panel a.span').first().click().catch(() => {});
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(config.shots, label + '-hostile.png') });
  const state = await page.evaluate(() => ({ pwned: window.__pwned, injected: document.querySelectorAll('#panel img, #panel script, #panel svg, #panel iframe, #panel b').length }));
  check(state.pwned === undefined, label + ': no hostile script ran (window.__pwned unset)');
  check(state.injected === 0, label + ': no hostile element was created');
  check(problems.length === 0, label + ': no dialogs or errors (' + problems.join('; ') + ')');
  await page.close();
}

// A catalog's views: the last crawl's changes on the home page, a sheet's wireframe on its page.
async function catalogViews(context, base, sheet) {
  const { page, problems } = await watchedPage(context);
  await page.setViewportSize({ width: 1400, height: 860 });
  await page.goto(base);
  await ready(page, '');
  const home = await page.textContent('#panel');
  check(home.includes('source: catalog') && home.includes('last crawl'), 'catalog: the home page names its source and last crawl');
  check((await page.locator('#panel .changes h3').first().textContent()).startsWith('Changes in the last crawl'), 'catalog: the changes report is shown');
  const hash = '#/node/' + encodeURIComponent(sheet);
  await go(page, hash);
  await page.waitForFunction(() => { const i = document.querySelector('#panel img.preview'); return i && i.complete; }, null, { timeout: 30000 });
  const width = await page.evaluate(() => document.querySelector('#panel img.preview').naturalWidth);
  check(width > 0, 'catalog: the sheet\'s wireframe is drawn (' + width + ' px wide)');
  await page.screenshot({ path: path.join(config.shots, 'catalog-sheet.png') });
  const violations = await page.evaluate(() => window.__violations);
  check(violations.length === 0, 'catalog: no CSP violations (' + violations.join('; ') + ')');
  check(problems.length === 0, 'catalog: no dialogs or errors (' + problems.join('; ') + ')');
  await page.close();
}

(async () => {
  const browser = await chromium.launch({ executablePath: config.chromium, args: ARGS, headless: true });
  const context = await browser.newContext();
  // The explorer works offline: any request off the server (a CDN) fails the test.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    const local = url.startsWith(config.demo) || url.startsWith(config.hostile) || url.startsWith(config.catalog) || url.startsWith('file:') || url.startsWith('data:');
    if (!local) { console.log('blocked request to ' + url); process.exitCode = 1; }
    return local ? route.continue() : route.abort();
  });
  try {
    await demo(context, config.demo + '/', 'serve');
    await demo(context, 'file://' + config.demo_html, 'html');
    await hostile(context, config.hostile + '/', 'serve');
    await hostile(context, 'file://' + config.hostile_html, 'html');
    await catalogViews(context, config.catalog + '/', config.catalog_sheet);
  } finally {
    await browser.close();
  }
  console.log('done');
})().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });

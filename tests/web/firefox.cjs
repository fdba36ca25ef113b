// The explorer and the extension in Firefox (tests/web_browser.rs): Debian's firefox-esr driven
// by puppeteer-core over WebDriver BiDi. Opens the explorer on the demo estate, searches a
// database column, opens it and checks its graph is drawn; installs the unpacked extension
// (extension/, as a temporary add-on), opens a simulated Qlik Sense app page behind the
// header-authenticated virtual proxy, sets the server from the badge's link to the options
// page, and checks the badge's counts.
// Usage: node firefox.cjs CONFIG.json. Exits non-zero on the first failure.
'use strict';
const fs = require('fs');
const { check } = require('./common.cjs');
const path = require('path');
const puppeteer = require('puppeteer-core');

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

// The badge (in its open shadow root): settled, and what it shows.
function readyOrError() {
  const host = document.getElementById('qlineage-badge');
  const box = host && host.shadowRoot && host.shadowRoot.querySelector('[data-state]');
  return Boolean(box) && box.getAttribute('data-state') !== 'loading';
}
function badgeOf() {
  const root = document.getElementById('qlineage-badge').shadowRoot;
  const counts = {};
  root.querySelectorAll('[data-count]').forEach((e) => { counts[e.getAttribute('data-count')] = e.textContent; });
  const box = root.querySelector('[data-state]');
  return { state: box.getAttribute('data-state'), text: box.textContent, counts: counts };
}

const ready = (page, hash) => page.waitForFunction((h) => document.body.getAttribute('data-ready') === h, { timeout: 30000 }, hash);

(async () => {
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: config.firefox, headless: true, acceptInsecureCerts: true,
  });
  try {
    console.log('firefox: ' + await browser.version());
    // The explorer: search, open, graph.
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setViewport({ width: 1400, height: 860 });
    await page.goto(config.serve + '/');
    await ready(page, '');
    await page.type('#search', config.query);
    await page.keyboard.press('Enter');
    await ready(page, '#/search/' + encodeURIComponent(config.query));
    const hits = await page.$$eval('#panel .result a', (as) => as.map((a) => a.getAttribute('data-id')));
    check(hits.includes(config.column), 'search "' + config.query + '" finds ' + config.column);
    await page.click('#panel .result a[data-id="' + config.column + '"]');
    await ready(page, '#/node/' + encodeURIComponent(config.column));
    const drawn = await page.evaluate(() => window.qlineageView.nodes());
    const ids = drawn.map((n) => n.id);
    check(ids.includes(config.table), 'the graph is centred on the column\'s table ' + config.table + ' (' + drawn.length + ' nodes)');
    check(ids.some((i) => i.endsWith(config.qvd_suffix)) && ids.some((i) => i.startsWith(config.chart_prefix)),
      'the graph draws the QVD (…' + config.qvd_suffix + ') and the dashboard\'s charts (' + config.chart_prefix + '…)');
    check(drawn.filter((n) => n.visible).length === drawn.length, 'every drawn node is in view');
    check(errors.length === 0, 'no error in the page ' + JSON.stringify(errors));
    await page.screenshot({ path: path.join(config.shots, 'firefox-explorer.png') });

    // The extension.
    const id = await browser.installExtension(config.extension);
    check(id === config.extension_id, 'the extension installs as a temporary add-on (' + id + ')');
    const app = await browser.newPage();
    await app.setExtraHTTPHeaders({ [config.header_name]: config.header_user });
    const appUrl = config.proxy + '/' + config.prefix + '/sense/app/' + config.app + '/sheet/' + config.sheet + '/state/analysis';
    const response = await app.goto(appUrl);
    check(response.status() === 200, 'the simulator serves the app page at ' + new URL(appUrl).pathname);
    await app.waitForFunction(readyOrError, { timeout: 20000 });
    const badge = await app.evaluate(badgeOf);
    // WebDriver BiDi refuses to navigate to moz-extension:// pages, so the options page is
    // opened as a user would: from the badge, which cannot reach the default server.
    check(badge.state === 'error' && badge.text.startsWith('qlineage'), 'without a server the badge says why (' + badge.text.slice(0, 80) + '; a ready badge here means a qlineage serve listens on the default 127.0.0.1:8787)');
    // The button is in the badge's shadow root: clicked where it is drawn, as a user would.
    const at = await app.evaluate(() => {
      const r = document.getElementById('qlineage-badge').shadowRoot.querySelector('[data-link="options"]').getBoundingClientRect();
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    });
    await app.mouse.click(at.x, at.y);
    // BiDi reports the new tab as about:blank (it does not report moz-extension:// URLs), so
    // the tab is found by asking each page where it is.
    let options = null;
    for (let i = 0; i < 100 && !options; i++) {
      for (const p of await browser.pages()) {
        const href = await p.evaluate(() => location.href).catch(() => '');
        if (href.startsWith('moz-extension://') && href.endsWith('/options.html')) options = p;
      }
      if (!options) await new Promise((r) => setTimeout(r, 200));
    }
    check(options !== null, 'the badge opens the extension\'s options page');
    await options.waitForFunction(() => document.getElementById('server').value !== '', { timeout: 10000 });
    await options.evaluate((server) => {
      document.getElementById('server').value = server;
      document.querySelector('button[type=submit]').click();
    }, config.serve);
    await options.waitForFunction(() => document.getElementById('saved').textContent === 'saved', { timeout: 10000 });
    check(true, 'the options page stores the server address');
    await app.reload();
    await app.waitForFunction(readyOrError, { timeout: 20000 });
    const shown = await app.evaluate(badgeOf);
    check(shown.state === 'ready', 'the badge is ready (' + shown.text.slice(0, 80) + ')');
    const e = config.expected;
    for (const k of ['databases', 'files', 'qvds', 'downstream', 'unresolved']) {
      check(shown.counts[k] === String(e[k]), 'badge ' + k + ' ' + shown.counts[k] + ' = ' + e[k]);
    }
    check(shown.text.includes(e.name), 'badge names the app ' + e.name);
    await app.screenshot({ path: path.join(config.shots, 'firefox-extension.png') });
  } finally {
    await browser.close();
  }
  console.log('done');
})().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });

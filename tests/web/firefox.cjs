// The explorer and the extension in Firefox (tests/web_browser.rs): Debian's firefox-esr driven
// by puppeteer-core over WebDriver BiDi. Opens the explorer on the demo estate, searches a
// database column, opens it and checks its graph is drawn; installs the unpacked extension
// (extension/, as a temporary add-on) and checks its content script draws the badge on a
// simulated Qlik Sense app page (see below for why the counts are checked in Chromium only).
// Usage: node firefox.cjs CONFIG.json. Exits non-zero on the first failure.
'use strict';
const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

function check(cond, message) {
  if (!cond) throw new Error('check failed: ' + message);
  console.log('ok ' + message);
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
    // WebDriver BiDi refuses to navigate to moz-extension:// pages ("not allowed in this
    // context"), so the options page cannot be driven here: the extension keeps its default
    // server (http://127.0.0.1:8787). The check is that its content script runs on a Qlik Sense
    // app page in Firefox and draws the badge, which then shows the server's answer or why
    // there is none; the counts themselves are checked in Chromium (extension.cjs).
    const app = await browser.newPage();
    await app.setExtraHTTPHeaders({ [config.header_name]: config.header_user });
    const appUrl = config.proxy + '/' + config.prefix + '/sense/app/' + config.app + '/sheet/' + config.sheet + '/state/analysis';
    const response = await app.goto(appUrl);
    check(response.status() === 200, 'the simulator serves the app page at ' + new URL(appUrl).pathname);
    await app.waitForFunction(() => {
      const host = document.getElementById('qlineage-badge');
      const root = host && (host.shadowRoot || host);
      const box = root && root.querySelector('[data-state]');
      return box && box.getAttribute('data-state') !== 'loading' ? true : false;
    }, { timeout: 20000 });
    const badge = await app.evaluate(() => {
      const host = document.getElementById('qlineage-badge');
      const root = host.shadowRoot || host;
      const counts = {};
      root.querySelectorAll('[data-count]').forEach((e) => { counts[e.getAttribute('data-count')] = e.textContent; });
      const box = root.querySelector('[data-state]');
      return { state: box.getAttribute('data-state'), text: box.textContent, counts: counts };
    });
    check(['ready', 'error'].includes(badge.state) && badge.text.startsWith('qlineage'),
      'the content script draws the badge on the app page (' + badge.state + ': ' + badge.text.slice(0, 80) + ')');
    if (badge.state === 'ready') check(badge.text.includes(config.expected.name), 'badge names the app ' + config.expected.name);
    await app.screenshot({ path: path.join(config.shots, 'firefox-extension.png') });
  } finally {
    await browser.close();
  }
  console.log('done');
})().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });

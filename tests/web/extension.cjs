// Loads the unpacked extension (extension/) into Debian's Chromium for tests/web_browser.rs,
// points it at a qlineage serve through its options page, opens simulated Qlik Sense app and
// hub pages behind a virtual-proxy prefix, and checks the badge and its counts.
// Usage: node extension.cjs CONFIG.json. Exits non-zero on the first failure.
'use strict';
const fs = require('fs');
const common = require('./common.cjs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const ARGS = [...common.ARGS,
  '--disable-extensions-except=' + config.extension, '--load-extension=' + config.extension];
const { check } = common;

async function badge(page) {
  await page.waitForSelector('#qlineage-badge [data-state="ready"], #qlineage-badge [data-state="error"]', { timeout: 20000 });
  const box = page.locator('#qlineage-badge [data-state]');
  const state = await box.getAttribute('data-state');
  if (state !== 'ready') throw new Error('the badge shows an error: ' + await box.textContent());
  const counts = {};
  for (const el of await page.locator('#qlineage-badge [data-count]').all()) {
    counts[await el.getAttribute('data-count')] = await el.textContent();
  }
  const link = await page.locator('#qlineage-badge a[data-link="explorer"]').getAttribute('href');
  return { counts, link, text: await box.textContent() };
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'qlineage-ext-'));
  const headers = {};
  headers[config.header_name] = config.header_user;
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: config.chromium, headless: false, args: ARGS, ignoreHTTPSErrors: true, extraHTTPHeaders: headers,
  });
  try {
    let [worker] = context.serviceWorkers();
    if (!worker) worker = await context.waitForEvent('serviceworker', { timeout: 20000 });
    const id = new URL(worker.url()).host;
    check(id.length > 0, 'the extension is loaded (' + id + ')');

    const options = await context.newPage();
    await options.goto('chrome-extension://' + id + '/options.html');
    await options.fill('#server', config.serve);
    await options.click('button[type=submit]');
    await options.waitForFunction(() => document.getElementById('saved').textContent === 'saved');
    check(true, 'the options page stores the server address');

    const page = await context.newPage();
    const appUrl = config.proxy + '/' + config.prefix + '/sense/app/' + config.app + '/sheet/' + config.sheet + '/state/analysis';
    const response = await page.goto(appUrl);
    check(response.status() === 200, 'the simulator serves the app page at ' + new URL(appUrl).pathname);
    const b = await badge(page);
    const e = config.expected;
    check(b.counts.databases === String(e.databases), 'badge databases ' + b.counts.databases + ' = ' + e.databases);
    check(b.counts.files === String(e.files), 'badge files ' + b.counts.files + ' = ' + e.files);
    check(b.counts.qvds === String(e.qvds), 'badge QVDs ' + b.counts.qvds + ' = ' + e.qvds);
    check(b.counts.downstream === String(e.downstream), 'badge downstream apps ' + b.counts.downstream + ' = ' + e.downstream);
    check(b.counts.unresolved === String(e.unresolved), 'badge unresolved ' + b.counts.unresolved + ' = ' + e.unresolved);
    check(b.counts['last-crawl'].startsWith('not recorded'), 'badge says the crawl time is not recorded by lineage inputs');
    check(b.link === config.serve + '/#/node/' + encodeURIComponent('sheet:' + config.app + '/' + config.sheet), 'badge links to the sheet in the explorer');
    check(b.text.includes(e.name), 'badge names the app ' + e.name);
    await page.screenshot({ path: path.join(config.shots, 'extension-app.png') });

    const hub = await context.newPage();
    await hub.goto(config.proxy + '/' + config.prefix + '/hub/stream/everyone');
    const h = await badge(hub);
    check(h.counts.apps === String(config.apps), 'hub badge counts ' + h.counts.apps + ' apps');

    const other = await context.newPage();
    await other.goto(config.proxy + '/' + config.prefix + '/qps/user');
    await other.waitForTimeout(500);
    check(await other.locator('#qlineage-badge').count() === 0, 'no badge on pages that are not hub or app pages');
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log('done');
})().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });

// What every browser script of tests/web_browser.rs shares: Chromium's flags for this closed,
// shared machine (without the background-networking ones Chromium misbehaves offline) and the
// check that prints `ok …` or throws.
'use strict';

const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function check(cond, message) {
  if (!cond) throw new Error('check failed: ' + message);
  console.log('ok ' + message);
}

module.exports = { ARGS, check };

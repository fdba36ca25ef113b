// Fetches from the user's qlineage serve on behalf of the content script: the extension's
// origin is the one the server grants CORS to, and only GET requests are made.
'use strict';
const api = globalThis.browser || globalThis.chrome;
const DEFAULT_SERVER = 'http://127.0.0.1:8787';

async function server() {
  const stored = await api.storage.sync.get({ server: DEFAULT_SERVER });
  return String(stored.server || DEFAULT_SERVER).replace(/\/+$/, '');
}

async function getJson(url) {
  const response = await fetch(url, { method: 'GET', credentials: 'omit', headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body && body.error ? body.error.message : 'HTTP ' + response.status);
  return body;
}

async function answer(message) {
  const base = await server();
  if (message.type === 'app' && typeof message.app === 'string' && message.app.length < 200) {
    return { base: base, app: await getJson(base + '/api/v1/app?id=' + encodeURIComponent(message.app)) };
  }
  if (message.type === 'hub') {
    return { base: base, summary: await getJson(base + '/api/v1/summary') };
  }
  throw new Error('unknown request');
}

api.runtime.onMessage.addListener((message, sender, reply) => {
  if (message && message.type === 'options') {
    api.runtime.openOptionsPage();
    return false;
  }
  answer(message).then((r) => reply({ ok: true, result: r }), (e) => reply({ ok: false, error: String(e.message || e) }));
  return true;
});

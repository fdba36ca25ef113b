'use strict';
const api = globalThis.browser || globalThis.chrome;
const input = document.getElementById('server');
const saved = document.getElementById('saved');
api.storage.sync.get({ server: 'http://127.0.0.1:8787' }).then((s) => { input.value = s.server; });
document.getElementById('form').addEventListener('submit', async (evt) => {
  evt.preventDefault();
  let url;
  try { url = new URL(input.value); } catch (e) { saved.textContent = 'not a URL'; return; }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') { saved.textContent = 'http or https only'; return; }
  const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (!local && api.permissions) {
    const granted = await api.permissions.request({ origins: [url.origin + '/*'] }).catch(() => false);
    if (!granted) { saved.textContent = 'permission needed to reach ' + url.origin; return; }
  }
  await api.storage.sync.set({ server: url.origin });
  saved.textContent = 'saved';
});

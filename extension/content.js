// The badge on Qlik Sense hub and app pages. Everything shown comes from the estate (names of
// apps, QVDs, tables): it goes into the DOM as text only, inside a shadow root so the page's
// styles neither break it nor read as its own.
'use strict';
(function () {
  const api = globalThis.browser || globalThis.chrome;
  const page = qlineagePage.parse(location.pathname);
  if (!page || document.getElementById('qlineage-badge')) return;

  const host = document.createElement('div');
  host.id = 'qlineage-badge';
  const root = host.attachShadow({ mode: 'open' });
  const box = document.createElement('div');
  box.setAttribute('style', 'position:fixed;right:12px;bottom:12px;z-index:2147483647;max-width:320px;background:#fff;color:#1d2330;' +
    'border:1px solid #17324d;border-radius:6px;box-shadow:0 2px 8px rgba(0,0,0,.2);font:12px/1.4 system-ui,sans-serif;padding:8px 10px');
  root.append(box);
  document.documentElement.append(host);

  function line(label, value, key, names) {
    const row = document.createElement('div');
    const b = document.createElement('b');
    b.textContent = label + ': ';
    const v = document.createElement('span');
    v.textContent = String(value);
    if (key) v.setAttribute('data-count', key);
    row.append(b, v);
    if (names && names.length) {
      row.title = names.join('\n');
    }
    return row;
  }
  function title(text) {
    const t = document.createElement('div');
    t.setAttribute('style', 'font-weight:700;color:#17324d;margin-bottom:4px');
    t.textContent = text;
    return t;
  }
  function explorerLink(href, text) {
    const a = document.createElement('a');
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = text;
    a.setAttribute('data-link', 'explorer');
    return a;
  }
  const names = (list) => list.map((x) => x.name);

  function show(result) {
    box.replaceChildren();
    box.setAttribute('data-state', 'ready');
    const crawl = (origin) => origin.last_crawl || 'not recorded (' + origin.source + ')';
    if (result.app) {
      const a = result.app;
      const node = page.sheet ? 'sheet:' + page.app + '/' + page.sheet : a.app.id;
      box.append(title('qlineage · ' + a.app.name),
        line('Databases', a.sources.databases.length, 'databases', names(a.sources.databases)),
        line('Files', a.sources.files.length, 'files', names(a.sources.files)),
        line('QVDs', a.sources.qvds.length, 'qvds', names(a.sources.qvds)),
        line('Downstream apps', a.downstream_apps.length, 'downstream', names(a.downstream_apps)),
        line('Unresolved', a.unresolved, 'unresolved'),
        line('Script errors', a.errors, 'errors'),
        line('Last crawl', crawl(a.origin), 'last-crawl'),
        explorerLink(result.base + '/#/node/' + encodeURIComponent(node), 'Open lineage in the explorer'));
    } else {
      const s = result.summary;
      box.append(title('qlineage · estate'),
        line('Apps', s.apps, 'apps'),
        line('Unresolved', s.unresolved, 'unresolved'),
        line('Last crawl', crawl(s.origin), 'last-crawl'),
        explorerLink(result.base + '/', 'Open the explorer'));
    }
  }

  box.setAttribute('data-state', 'loading');
  box.textContent = 'qlineage…';
  const request = page.kind === 'app' ? { type: 'app', app: page.app } : { type: 'hub' };
  // No answer: say why, and offer the options page (the server's address may be wrong).
  function failed(message) {
    box.setAttribute('data-state', 'error');
    box.textContent = 'qlineage: ' + message + ' ';
    const set = document.createElement('button');
    set.type = 'button';
    set.textContent = 'Set the server address';
    set.setAttribute('data-link', 'options');
    set.addEventListener('click', () => api.runtime.sendMessage({ type: 'options' }));
    box.append(set);
  }
  api.runtime.sendMessage(request).then((reply) => {
    if (reply && reply.ok) show(reply.result);
    else failed(reply ? reply.error : 'no answer');
  }, (e) => failed(e.message));
})();

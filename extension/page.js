// Which Qlik Sense page this is, from its path: the hub, or an app (and sheet), behind an
// optional virtual-proxy prefix. Shared by the content script and the tests.
'use strict';
var qlineagePage = (function () {
  const APP = /^(?:\/([^/]+))?\/sense\/app\/([^/]+)(?:\/sheet\/([^/]+))?/;
  const HUB = /^(?:\/([^/]+))?\/hub(?:\/|$)/;
  function parse(pathname) {
    const app = APP.exec(pathname);
    if (app) {
      return { kind: 'app', prefix: app[1] || '', app: decodeURIComponent(app[2]), sheet: app[3] ? decodeURIComponent(app[3]) : null };
    }
    const hub = HUB.exec(pathname);
    if (hub) return { kind: 'hub', prefix: hub[1] || '' };
    return null;
  }
  return { parse: parse };
})();

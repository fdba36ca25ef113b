#!/usr/bin/env node
// Compatibility check of `qlineage simulate` against Qlik's own JavaScript client, enigma.js
// (default protocol: delta on), over both ways a client reaches the engine:
//   - certificates straight to the engine (mutual TLS + X-Qlik-User),
//   - a JWT through the proxy's `jwt` virtual proxy prefix.
//
// Usage: node compat.js [CONFIG] [SITE]
//   CONFIG: the JSON line `qlineage simulate --print-config` prints, or a path to a file holding
//           it (default: env QLINEAGE_CONFIG).
//   SITE:   the site directory the simulator serves (default: env QLINEAGE_SITE).
// Exits 0 when every check passes; otherwise prints which check failed, expected against got,
// and exits 1 (2 for a usage error).

'use strict';

const fs = require('fs');
const path = require('path');
const util = require('util');
const enigma = require('enigma.js');
const WebSocket = require('ws');

const CALL_TIMEOUT_MS = 15000;
const MISSING_APP_ID = '00000000-0000-0000-0000-00000000dead';

class CheckFailure extends Error {}

function usage(message) {
  process.stderr.write(`compat.js: ${message}\nusage: node compat.js [CONFIG-JSON-OR-PATH] [SITE-DIR]\n`);
  process.exit(2);
}

// ----- inputs -------------------------------------------------------------------------------

function readConfig(arg) {
  if (!arg) usage('no simulator config (argument 1 or QLINEAGE_CONFIG)');
  const text = arg.trim().startsWith('{') ? arg : fs.readFileSync(arg, 'utf8');
  const config = JSON.parse(text.trim().split('\n')[0]);
  for (const key of ['engine_url', 'proxy_url', 'jwt_prefix', 'root_cert', 'client_cert', 'client_key', 'jwt', 'user_directory', 'user_id']) {
    if (config[key] === undefined) usage(`config lacks \`${key}\``);
  }
  return config;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read ${file}: ${e.message}`);
  }
}

/** Every app of the site, with its objects, script and lineage as the files state them. */
function readSite(siteDir) {
  const appsDir = path.join(siteDir, 'apps');
  if (!fs.existsSync(appsDir)) usage(`${appsDir} does not exist`);
  return fs.readdirSync(appsDir).sort().map((folder) => {
    const dir = path.join(appsDir, folder);
    const objectsDir = path.join(dir, 'objects');
    const objects = fs.existsSync(objectsDir)
      ? fs.readdirSync(objectsDir).filter((f) => f.endsWith('.json')).sort()
        .map((f) => ({ file: path.join(objectsDir, f), ...readJson(path.join(objectsDir, f)) }))
      : [];
    const scriptFile = path.join(dir, 'script.qvs');
    const lineageFile = path.join(dir, 'lineage.json');
    return {
      folder,
      dir,
      meta: readJson(path.join(dir, 'app.json')),
      objects,
      // The engine hands back text, never a byte-order mark.
      script: fs.existsSync(scriptFile) ? fs.readFileSync(scriptFile, 'utf8').replace(/^\uFEFF/, '') : '',
      lineage: fs.existsSync(lineageFile) ? readJson(lineageFile) : [],
    };
  });
}

const qType = (o) => o.qProperty && o.qProperty.qInfo && o.qProperty.qInfo.qType;
const qId = (o) => o.qProperty.qInfo.qId;

function sameUser(a, b) {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}

/** Whether the demo user sees the object through the engine: private = unpublished and unapproved. */
function visibleTo(object, user) {
  const meta = object.meta || {};
  const isPrivate = meta.published === false && meta.approved === false;
  return !isPrivate || sameUser(meta.owner, user);
}

/**
 * A published dashboard app with sheets and master measures. Apps tagged `Dashboard` come first,
 * then apps with a private sheet (so the visibility rule is exercised), then by folder name.
 */
function pickApp(apps, user) {
  const candidates = apps.filter((a) => a.meta.published === true && a.meta.stream
    && a.objects.some((o) => qType(o) === 'sheet' && visibleTo(o, user))
    && a.objects.some((o) => qType(o) === 'measure' && visibleTo(o, user)));
  if (candidates.length === 0) throw new Error('the site has no published app with both sheets and master measures');
  const score = (a) => [
    (a.meta.tags || []).includes('Dashboard') ? 0 : 1,
    a.objects.some((o) => qType(o) === 'sheet' && !visibleTo(o, user)) ? 0 : 1,
  ];
  candidates.sort((x, y) => {
    const [sx, sy] = [score(x), score(y)];
    return sx[0] - sy[0] || sx[1] - sy[1] || x.folder.localeCompare(y.folder);
  });
  return candidates[0];
}

function newestSchema() {
  const dir = path.join(path.dirname(require.resolve('enigma.js/package.json')), 'schemas');
  const versions = fs.readdirSync(dir)
    .filter((f) => /^12\.\d+\.\d+\.json$/.test(f))
    .map((f) => f.slice(0, -'.json'.length));
  const key = (v) => v.split('.').map(Number);
  versions.sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    for (let i = 0; i < 3; i += 1) if (ka[i] !== kb[i]) return ka[i] - kb[i];
    return 0;
  });
  const version = versions[versions.length - 1];
  return { version, schema: require(path.join(dir, `${version}.json`)) };
}

// ----- checks -------------------------------------------------------------------------------

function show(value) {
  const text = util.inspect(value, { depth: 6, breakLength: 120, maxArrayLength: 20, maxStringLength: 300 });
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

/** The first place where `got` differs from `expected`, as a JSON pointer with both values. */
function firstDifference(expected, got, at = '') {
  if (util.isDeepStrictEqual(expected, got)) return null;
  const bothObjects = expected && got && typeof expected === 'object' && typeof got === 'object'
    && Array.isArray(expected) === Array.isArray(got);
  if (!bothObjects) return { at: at || '/', expected, got };
  if (Array.isArray(expected) && expected.length !== got.length) {
    return { at: `${at || '/'} (length ${expected.length} expected, ${got.length} got)`, expected, got };
  }
  const keys = new Set([...Object.keys(expected), ...Object.keys(got)]);
  for (const k of keys) {
    const p = `${at}/${k}`;
    if (!(k in got)) return { at: p, expected: expected[k], got: '<missing>' };
    if (!(k in expected)) return { at: p, expected: '<absent>', got: got[k] };
    const d = firstDifference(expected[k], got[k], p);
    if (d) return d;
  }
  return { at: at || '/', expected, got };
}

function assertDeepEqual(what, expected, got) {
  const d = firstDifference(expected, got);
  if (d) {
    throw new CheckFailure(`${what}: differs at ${d.at}\n    expected: ${show(d.expected)}\n    got:      ${show(d.got)}`);
  }
}

function assert(what, ok, expected, got) {
  if (!ok) throw new CheckFailure(`${what}\n    expected: ${show(expected)}\n    got:      ${show(got)}`);
}

/** Rejects with a clear message instead of hanging on an unanswered request. */
function timed(what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailure(`${what}: no answer within ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describeError(e) {
  if (e instanceof CheckFailure) return e.message;
  if (e && typeof e === 'object' && 'code' in e) {
    return `engine error ${e.code}${e.parameter ? ` (${e.parameter})` : ''}: ${e.message}`;
  }
  return e && e.stack ? e.stack : String(e);
}

/**
 * A GetFullPropertyTree entry reduced to what the site file states: qProperty and qChildren.
 * (The engine adds `qEmbeddedSnapshotRef`, null unless a snapshot is embedded.)
 */
function propertyTree(entry) {
  return { qProperty: entry.qProperty, qChildren: (entry.qChildren || []).map(propertyTree) };
}

/** The id tree of a GetFullPropertyTree entry: [id, [children…]]. */
function idTree(entry) {
  return { id: entry.qProperty.qInfo.qId, children: (entry.qChildren || []).map(idTree) };
}

// ----- one connection mode ------------------------------------------------------------------

class Mode {
  constructor(name, urlFor, socketOptions) {
    this.name = name;
    this.urlFor = urlFor;
    this.socketOptions = socketOptions;
  }

  session(schema, appId) {
    const url = this.urlFor(appId);
    const options = this.socketOptions;
    return enigma.create({
      schema,
      url,
      createSocket: (u) => new WebSocket(u, options),
    });
  }
}

function modes(config) {
  const ca = fs.readFileSync(config.root_cert);
  const direct = new Mode(
    'certificates, direct to the engine',
    (appId) => `${config.engine_url.replace(/\/+$/, '')}/app/${encodeURIComponent(appId)}`,
    {
      ca,
      cert: fs.readFileSync(config.client_cert),
      key: fs.readFileSync(config.client_key),
      headers: { 'X-Qlik-User': `UserDirectory=${config.user_directory}; UserId=${config.user_id}` },
    },
  );
  const proxyBase = config.proxy_url.replace(/^https:/, 'wss:').replace(/^http:/, 'ws:').replace(/\/+$/, '');
  const jwt = new Mode(
    `JWT through the proxy prefix /${config.jwt_prefix}`,
    (appId) => `${proxyBase}/${config.jwt_prefix}/app/${encodeURIComponent(appId)}`,
    { ca, headers: { Authorization: `Bearer ${config.jwt}` } },
  );
  return [direct, jwt];
}

async function withSession(mode, schema, appId, body, traffic = {}) {
  const session = mode.session(schema, appId);
  session.on('traffic:received', (message) => {
    if (message && message.id !== undefined && 'result' in message) {
      traffic.results = (traffic.results || 0) + 1;
      if (message.delta === true) traffic.delta = (traffic.delta || 0) + 1;
    }
  });
  let global;
  try {
    global = await timed(`[${mode.name}] opening the WebSocket to ${mode.urlFor(appId)}`, session.open());
  } catch (e) {
    throw new CheckFailure(`[${mode.name}] cannot open an enigma session at ${mode.urlFor(appId)}: ${describeError(e)}`);
  }
  try {
    return await body(global);
  } finally {
    await session.close().catch(() => {});
  }
}

async function runMode(mode, schema, app, user, log) {
  const tag = `[${mode.name}]`;
  const check = async (what, fn) => {
    try {
      const note = await fn();
      log(`  ok   ${what}${note ? ` (${note})` : ''}`);
    } catch (e) {
      throw new CheckFailure(`${tag} ${what}: ${describeError(e)}`);
    }
  };

  // A document that does not exist: OpenDoc rejects with 1003 (App not found).
  await withSession(mode, schema, MISSING_APP_ID, async (global) => {
    await check('global.engineVersion()', async () => {
      const v = await timed('EngineVersion', global.engineVersion());
      assert('EngineVersion returns qComponentVersion', v && typeof v.qComponentVersion === 'string' && v.qComponentVersion.length > 0,
        '{qComponentVersion: "<non-empty>"}', v);
      return v.qComponentVersion;
    });
    await check(`global.openDoc(missing ${MISSING_APP_ID}) rejects with 1003`, async () => {
      let outcome;
      try {
        outcome = await timed('OpenDoc', global.openDoc(MISSING_APP_ID));
      } catch (e) {
        if (e instanceof CheckFailure) throw e;
        assert('OpenDoc of a missing app fails with error code 1003', e && e.code === 1003, 'code 1003', e);
        return `code ${e.code}`;
      }
      throw new CheckFailure(`OpenDoc of a missing app resolved\n    expected: rejection with code 1003\n    got:      ${show(outcome)}`);
    });
  });

  const appId = app.meta.id;
  const sheets = app.objects.filter((o) => qType(o) === 'sheet');
  const visibleSheets = sheets.filter((o) => visibleTo(o, user));
  const measures = app.objects.filter((o) => qType(o) === 'measure' && visibleTo(o, user));

  const traffic = {};
  await withSession(mode, schema, appId, async (global) => {
    let doc;
    await check(`global.openDoc(${appId}) "${app.meta.name}"`, async () => {
      doc = await timed('OpenDoc', global.openDoc(appId));
      assert('OpenDoc returns a Doc', doc && typeof doc.getScript === 'function', 'a Doc proxy', doc);
      return `handle ${doc.handle}`;
    });

    await check('doc.getScript() equals script.qvs', async () => {
      const script = await timed('GetScript', doc.getScript());
      if (script !== app.script) {
        let i = 0;
        while (i < script.length && script[i] === app.script[i]) i += 1;
        throw new CheckFailure(`script differs at character ${i} (expected ${app.script.length} characters, got ${typeof script === 'string' ? script.length : typeof script})`
          + `\n    expected: ${show(app.script.slice(Math.max(0, i - 40), i + 80))}\n    got:      ${show(typeof script === 'string' ? script.slice(Math.max(0, i - 40), i + 80) : script)}`);
      }
      return `${script.length} characters`;
    });

    await check('SheetList session object lists the non-private sheets', async () => {
      const def = {
        qInfo: { qType: 'SheetList' },
        qAppObjectListDef: { qType: 'sheet', qData: { title: '/qMetaDef/title', cells: '/cells' } },
      };
      const list = await timed('CreateSessionObject', doc.createSessionObject(def));
      const layout = await timed('GetLayout', list.getLayout());
      const items = layout && layout.qAppObjectList && layout.qAppObjectList.qItems;
      assert('layout has qAppObjectList.qItems', Array.isArray(items), 'qAppObjectList: {qItems: [...]}', layout);
      const got = items.map((i) => ({ id: i.qInfo && i.qInfo.qId, title: i.qData && i.qData.title }))
        .sort((a, b) => a.id.localeCompare(b.id));
      const expected = visibleSheets.map((o) => ({ id: qId(o), title: o.qProperty.qMetaDef.title }))
        .sort((a, b) => a.id.localeCompare(b.id));
      assertDeepEqual('sheet ids and titles', expected, got);
      for (const item of items) {
        const file = visibleSheets.find((o) => qId(o) === item.qInfo.qId);
        assert(`sheet ${item.qInfo.qId} qInfo.qType`, item.qInfo.qType === 'sheet', 'sheet', item.qInfo.qType);
        assertDeepEqual(`sheet ${item.qInfo.qId} qData.cells`, file.qProperty.cells, item.qData.cells);
      }
      const destroyed = await timed('DestroySessionObject', doc.destroySessionObject(list.id));
      assert('DestroySessionObject succeeds', destroyed === true, true, destroyed);
      const hidden = sheets.length - visibleSheets.length;
      return `${items.length} sheets${hidden ? `, ${hidden} private hidden` : ''}`;
    });

    const sheet = [...visibleSheets].sort((a, b) => (b.qChildren || []).length - (a.qChildren || []).length
      || qId(a).localeCompare(qId(b)))[0];
    await check(`doc.getObject(${qId(sheet)}).getFullPropertyTree() matches ${path.relative(app.dir, sheet.file)}`, async () => {
      const object = await timed('GetObject', doc.getObject(qId(sheet)));
      assert('GetObject returns the sheet', object && object.id === qId(sheet) && object.genericType === 'sheet',
        { id: qId(sheet), genericType: 'sheet' }, object && { id: object.id, genericType: object.genericType });
      const tree = await timed('GetFullPropertyTree', object.getFullPropertyTree());
      assertDeepEqual('qProperty', sheet.qProperty, tree.qProperty);
      assertDeepEqual('qChildren ids', idTree(sheet).children, idTree(tree).children);
      assertDeepEqual('qChildren (properties, recursively)', propertyTree(sheet).qChildren, propertyTree(tree).qChildren);
      return `${(tree.qChildren || []).length} children`;
    });

    const measure = measures[0];
    await check(`doc.getMeasure(${qId(measure)}).getProperties() matches ${path.relative(app.dir, measure.file)}`, async () => {
      const m = await timed('GetMeasure', doc.getMeasure(qId(measure)));
      assert('GetMeasure returns a GenericMeasure', m && m.type === 'GenericMeasure' && m.id === qId(measure),
        { type: 'GenericMeasure', id: qId(measure) }, m && { type: m.type, id: m.id });
      const props = await timed('GetProperties', m.getProperties());
      assertDeepEqual('measure properties', measure.qProperty, props);
      return measure.qProperty.qMeasure && measure.qProperty.qMeasure.qLabel;
    });

    await check('doc.getLineage() equals lineage.json', async () => {
      const lineage = await timed('GetLineage', doc.getLineage());
      assertDeepEqual('lineage', app.lineage, lineage);
      return `${lineage.length} entries`;
    });
  }, traffic);

  await check('the engine answered with the delta protocol enigma asked for', async () => {
    assert('some results are JSON-Patch deltas', traffic.delta > 0, '> 0 results with delta: true', traffic);
    return `${traffic.delta} of ${traffic.results} results`;
  });
}

async function main() {
  const config = readConfig(process.argv[2] || process.env.QLINEAGE_CONFIG);
  const siteDir = process.argv[3] || process.env.QLINEAGE_SITE;
  if (!siteDir) usage('no site directory (argument 2 or QLINEAGE_SITE)');
  const user = config.windows_user || `${config.user_directory}\\${config.user_id}`;
  const app = pickApp(readSite(siteDir), user);
  const { version, schema } = newestSchema();
  const lines = [];
  const log = (line) => { lines.push(line); process.stdout.write(`${line}\n`); };
  log(`enigma.js ${require('enigma.js/package.json').version}, ws ${require('ws/package.json').version}, schema ${version}, node ${process.version}`);
  log(`app "${app.meta.name}" (${app.meta.id}, apps/${app.folder}) as ${user}`);
  for (const mode of modes(config)) {
    log(`${mode.name}:`);
    await runMode(mode, schema, app, user, log);
  }
  log(`enigma.js compatibility: all checks passed (${lines.filter((l) => l.startsWith('  ok')).length})`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`enigma.js compatibility FAILED: ${describeError(e)}\n`);
    process.exit(1);
  },
);

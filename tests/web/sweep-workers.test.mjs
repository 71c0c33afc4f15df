// Sweeps where workers cannot start the plain way (headless Chromium): in an embed with
// sandbox="allow-scripts" (an opaque origin) a sweep link ends in a working sweep or a plain notice with
// a link to the page opened directly, never the fatal state; where the worker script cannot load at
// all, the sweep says so once, and no job is failed one after another by replacement workers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';
import { ready } from './helpers.mjs';

let server;
let host; // another origin, for the host page
let hostDir;
let browser;
before(async () => {
  server = await startServer();
  hostDir = await mkdtemp(join(tmpdir(), 'tms-sweep-host-'));
  host = await startServer(hostDir);
  browser = await launch();
});
after(async () => { await browser?.close(); server?.stop(); host?.stop(); });

const SWEEP = 'v=3&model=relu-output&n=5&m=2&steps=300&sweep=density&values=1,0.1&restarts=2';

// The sweep's end as the page shows it: every row's status, the notice (if any) and whether the
// explorer went to its fatal state.
const outcome = (frame) => frame.evaluate(() => ({
  sweep: document.body.dataset.sweep ?? '',
  failed: document.body.dataset.failed === 'true',
  fatalShown: !document.getElementById('fatal').hidden,
  rows: [...document.querySelectorAll('#sweep-list .sweep-status')].map((e) => e.textContent),
  notice: document.getElementById('sweep-unavailable')?.textContent ?? '',
  link: document.querySelector('#sweep-unavailable a')?.href ?? '',
}));

test('a sweep link in a sandboxed embed ends in a working sweep or a notice, never the fatal state', async () => {
  await writeFile(join(hostDir, 'log.js'), "window.events = []; addEventListener('message', (e) => window.events.push(e.data));");
  await writeFile(join(hostDir, 'sweep.html'), `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>host</title><script src="log.js"></script></head><body style="margin:0">
<iframe id="f" sandbox="allow-scripts" style="width:900px;height:1400px" src="${server.url}?embed=1#v=3&amp;model=relu-output&amp;n=5&amp;m=2"></iframe></body></html>`);
  const context = await browser.newContext({ viewport: { width: 1000, height: 1500 } });
  const { page, problems } = await openPage(context, `${host.url}sweep.html`);
  await page.waitForFunction(() => window.events?.some((m) => m.type === 'ready'), null, { timeout: 30000 });
  const frame = page.frames().find((f) => f.url().startsWith(server.url));
  assert.equal(await frame.evaluate(() => window.origin), 'null', 'the embed has an opaque origin');
  // The host asks for a sweep, as issue 12 found it (setState with a sweep link).
  await page.evaluate((fragment) => document.getElementById('f').contentWindow.postMessage({ tms: 1, type: 'setState', id: 'sweep', fragment }, '*'), SWEEP);
  await frame.waitForFunction(
    () => document.body.dataset.failed === 'true' || document.body.dataset.sweep === 'done',
    null, { timeout: 120000 },
  );
  const end = await outcome(frame);
  assert.equal(end.failed, false, `the explorer stopped: ${JSON.stringify(end)}`);
  assert.equal(end.fatalShown, false);
  if (end.notice) {
    assert.match(end.notice, /Sweeps need the page opened directly/);
    const link = new URL(end.link);
    assert.equal(`${link.origin}/`, new URL(server.url).origin + '/');
    assert.equal(link.search, '', 'the link opens the page itself, not the embed');
    assert.match(link.hash, /sweep=density&values=1,0\.1&restarts=2/);
  } else {
    assert.equal(end.rows.length, 2, JSON.stringify(end.rows));
    for (const row of end.rows) assert.match(row, /^best of 2: seed \d+, eval loss/);
  }
  console.log(`sandboxed embed: ${end.notice ? `notice: ${end.notice}` : `sweep ran: ${end.rows.join(' | ')}`}`);
  const stopped = await page.evaluate(() => window.events.filter((m) => m.type === 'error' && /stopped/.test(m.message)));
  assert.deepEqual(stopped, [], 'the host is not told the explorer stopped');
  assert.deepEqual(problems, []);
  await context.close();
});

test('where the worker script cannot load, the sweep says so once and fails no job', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  let requests = 0;
  // The sweep worker's script fails to load, as it does offline; the training worker is untouched.
  await context.route(/\/worker\.js$/, (route) => {
    requests += 1;
    return route.abort('internetdisconnected');
  });
  const { page } = await openPage(context, `${server.url}#${SWEEP}`);
  await ready(page);
  await page.waitForFunction(() => document.body.dataset.sweep === 'done', null, { timeout: 60000 });
  const end = await outcome(page);
  assert.equal(end.failed, false);
  assert.match(end.notice, /none can start here \(its script did not load/);
  assert.match(end.notice, /Sweeps need the page opened directly/);
  assert.equal(await page.locator('#sweep-unavailable').count(), 1, 'one notice');
  for (const row of end.rows) assert.match(row, /^not run: its script did not load/);
  // Two values of two restarts: a job of two restarts each.
  const states = await page.evaluate(() => window.tmsSweep.jobs.map((j) => j.state));
  assert.deepEqual(states, ['not run', 'not run'], 'no job failed on a worker that never loaded');
  const pool = await page.evaluate(() => Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1, 2)));
  assert.equal(requests, pool, 'one try per worker of the pool, no replacements');
  await context.close();
});

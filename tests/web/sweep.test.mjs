// Sweeps in the page: trained in Web Workers, panels filled, the same weights as `tms sweep`, and a
// worker that fails is reported on its panel while the rest finish.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';

const tmsBin = process.env.TMS_BIN ?? fileURLToPath(new URL('../../target/release/tms', import.meta.url));
let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

const SMALL = 'v=3&model=relu-hidden&n=10&m=5&importance=0.75&batch=256&steps=300&seed=4&sweep=density&values=0.75,0.15,0.04&restarts=2&step=300&view=stack';

test('a small sweep runs in workers, fills every panel, and matches tms sweep bit for bit', async () => {
  const { page, problems } = await openPage(browser, `${server.url}#${SMALL}`);
  await page.waitForSelector('body[data-sweep="done"]', { timeout: 60000 });
  assert.equal(await page.isVisible('#sweep'), true);
  assert.equal(await page.$$eval('#sweep-list li', (ls) => ls.length), 3);
  // The panels offer only views a sweep of this model can draw (m = 5: no hidden space).
  assert.deepEqual(await page.$$eval('#sweep-view option', (os) => os.map((o) => o.value)), ['stack', 'matrix', 'bars']);
  for (const status of await page.$$eval('#sweep-list .sweep-status', (ss) => ss.map((s) => s.textContent))) {
    assert.match(status, /^best of 2: seed \d, eval loss .*; \d of 2 agree · \d monosemantic, \d polysemantic, \d dead$/);
  }
  const colours = await page.$eval('#sweep-panels', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let k = 0; k < d.length; k += 28) seen.add((d[k] << 16) | (d[k + 1] << 8) | d[k + 2]);
    return seen.size;
  });
  assert.ok(colours > 8, 'the panels are drawn');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#sweep-export')]);
  const mine = JSON.parse(await readFile(await download.path(), 'utf8'));

  const out = join(mkdtempSync(join(tmpdir(), 'tms-sweep-')), 'sweep.json');
  execFileSync(tmsBin, ['sweep', '--link', SMALL, '--json', out], { stdio: 'ignore' });
  const native = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(mine.length, native.length);
  for (let k = 0; k < native.length; k++) {
    assert.equal(mine[k].fingerprint, native[k].fingerprint, `panel ${k}`);
    assert.deepEqual(mine[k].params, native[k].params);
    // (f32 values: the page's JSON writes them as doubles, tms in their shortest f32 form.)
    assert.deepEqual(mine[k].eval_losses.map(Math.fround), native[k].eval_losses.map(Math.fround));
  }
  // Clicking a panel opens that run in the single-run view at the same step.
  const box = await (await page.$('#sweep-panels')).boundingBox();
  await page.mouse.click(box.x + 40, box.y + 60);
  await page.waitForFunction(() => document.getElementById('step-count').textContent === '300'
    && document.body.dataset.mode === 'idle');
  assert.equal(await page.isVisible('#sweep'), false);
  assert.equal(await page.textContent('#fingerprint'), native[0].fingerprint);
  assert.deepEqual(problems, []);
});

test('a worker that fails is reported on its panel while the others finish', async () => {
  const link = 'v=3&model=abs&n=40&m=10&importance=0.9&batch=512&steps=6000&seed=1&sweep=density&values=1,0.3,0.1,0.03&restarts=1&step=6000&view=stack';
  const { page } = await openPage(browser, `${server.url}#${link}`);
  await page.waitForFunction(() => window.tmsSweep?.workers[0]?.job?.step > 0);
  await page.evaluate(() => window.tmsSweep.crash(0));
  await page.waitForSelector('body[data-sweep="done"]', { timeout: 90000 });
  const statuses = await page.$$eval('#sweep-list .sweep-status', (ss) => ss.map((s) => s.textContent));
  const failed = statuses.filter((s) => s.startsWith('failed: the worker stopped'));
  assert.equal(failed.length, 1, statuses.join('\n'));
  assert.equal(statuses.filter((s) => s.startsWith('best of 1')).length, 3, statuses.join('\n'));
  assert.equal(await page.evaluate(() => window.tmsSweep.workers.length), 0, 'every worker is freed at the end');
});

test('cancel frees every worker', async () => {
  const link = 'v=3&model=abs&n=100&m=40&importance=0.8&steps=10000&sweep=density&values=1,0.1,0.01&step=10000&view=stack';
  const { page, problems } = await openPage(browser, `${server.url}#${link}`);
  await page.waitForFunction(() => window.tmsSweep && window.tmsSweep.jobs.some((j) => j.step > 0));
  await page.click('#sweep-cancel');
  assert.equal(await page.evaluate(() => window.tmsSweep.workers.length), 0);
  assert.match((await page.$$eval('#sweep-list .sweep-status', (ss) => ss.map((s) => s.textContent))).join(), /cancelled/);
  assert.deepEqual(problems, []);
});

test('a worker that dies without a word is noticed and reported on its panel', async () => {
  const link = 'v=3&model=abs&n=40&m=10&importance=0.9&batch=512&steps=6000&seed=2&sweep=density&values=1,0.1,0.01&restarts=1&step=6000&view=stack';
  const { page, problems } = await openPage(browser, `${server.url}#${link}`);
  await page.waitForFunction(() => window.tmsSweep?.workers[0]?.job?.step > 0);
  await page.evaluate(() => {
    window.tmsSweep.silence = 5000; // the test need not wait the default 20 s; a live worker posts every 0.25 s
    window.tmsSweep.workers[0].worker.terminate();
  });
  await page.waitForSelector('body[data-sweep="done"]', { timeout: 90000 });
  const statuses = await page.$$eval('#sweep-list .sweep-status', (ss) => ss.map((s) => s.textContent));
  assert.equal(statuses.filter((s) => s.startsWith('failed: the worker stopped responding')).length, 1, statuses.join('\n'));
  assert.equal(statuses.filter((s) => s.startsWith('best of 1')).length, 2, statuses.join('\n'));
  assert.deepEqual(problems, []);
});

// "1−S = 0.1: 5 monosemantic, 3 polysemantic, 0 dead of 8 neurons; 12 of 20 features computed"
function parsePhase(text) {
  const m = text.match(/^1−S = ([\d.e-]+): (\d+) monosemantic, (\d+) polysemantic, (\d+) dead of (\d+) neurons(?:; (\d+) of (\d+) features computed)?$/);
  return m && { density: Number(m[1]), mono: Number(m[2]), poly: Number(m[3]), dead: Number(m[4]), computed: m[6] === undefined ? null : Number(m[6]) };
}

test('the neuron phase-change figure is drawn for a hidden-layer sweep and its hover gives the exported counts', async () => {
  const link = 'v=3&model=abs&n=10&m=10&importance=0.9&batch=256&steps=3000&seed=1&sweep=density&values=1,0.1,0.01&restarts=1&step=3000&view=stack';
  const { page, problems } = await openPage(browser, `${server.url}#${link}`);
  await page.waitForSelector('body[data-sweep="done"]', { timeout: 90000 });
  assert.equal(await page.isVisible('#sweep-phase'), true, 'shown under the dimensionality figure');
  const order = await page.$$eval('#sweep figure canvas', (cs) => cs.map((c) => c.id));
  assert.ok(order.indexOf('sweep-phase') > order.indexOf('sweep-dimensionality'), order.join());
  const colours = await page.$eval('#sweep-phase', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let k = 0; k < d.length; k += 28) seen.add((d[k] << 16) | (d[k + 1] << 8) | d[k + 2]);
    return seen.size;
  });
  assert.ok(colours > 4, 'the figure is drawn');

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#sweep-export')]);
  const exported = JSON.parse(await readFile(await download.path(), 'utf8'));
  // Sweep the pointer across the plot at mid height: every setting's column answers.
  await page.locator('#sweep-phase').scrollIntoViewIfNeeded();
  const box = await (await page.$('#sweep-phase')).boundingBox();
  const seen = new Map();
  for (let x = 2; x < box.width; x += 3) {
    await page.mouse.move(box.x + x, box.y + box.height * 0.6);
    const p = parsePhase(await page.textContent('#sweep-phase-hover'));
    if (p) seen.set(p.density, p);
  }
  assert.equal(seen.size, exported.length, [...seen.keys()].join());
  for (const run of exported) {
    const p = seen.get(run.config.density[0]);
    const c = run.metrics.neuron_counts;
    assert.deepEqual([p.mono, p.poly, p.dead, p.computed], [c.monosemantic, c.polysemantic, c.dead, run.metrics.features_computed], `1−S = ${run.config.density[0]}`);
    assert.equal(run.metrics.neurons.filter((n) => n.class === 'monosemantic').length, c.monosemantic);
  }
  const classes = exported.map((r) => r.metrics.neuron_counts.monosemantic);
  assert.ok(classes[0] > 0 && classes[2] < classes[0], `monosemantic when dense, fewer when sparse: ${classes}`);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height + 40);
  assert.equal(await page.textContent('#sweep-phase-hover'), '', 'leaving the figure clears the readout');
  // It exports like every view.
  const [svg] = await Promise.all([page.waitForEvent('download'), page.click('#sweep-phase-svg')]);
  const text = await readFile(await svg.path(), 'utf8');
  assert.ok(text.startsWith('<svg') && text.includes('monosemantic') && text.includes('features computed'), text.slice(0, 200));
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#sweep-phase-png')]);
  assert.deepEqual([...(await readFile(await png.path())).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert.deepEqual(problems, []);
});

test('a sweep of a model without a hidden layer has no phase-change figure', async () => {
  const link = 'v=3&model=relu-output&n=5&m=2&batch=64&steps=100&sweep=density&values=1,0.1&restarts=1&step=100&view=bars';
  const { page, problems } = await openPage(browser, `${server.url}#${link}`);
  await page.waitForSelector('body[data-sweep="done"]', { timeout: 60000 });
  assert.equal(await page.isVisible('#sweep-dimensionality'), true);
  assert.equal(await page.isVisible('#sweep-phase'), false);
  assert.deepEqual(problems, []);
});

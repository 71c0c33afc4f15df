// Best of 1,000 in the page: a sweep link of version 4 takes 1,000 restarts of a value, trains them in
// the worker pool a few at a time (Rust's `Restarts`), keeps the restart with the lowest evaluation loss
// and holds a run per value, not per restart. Checked against `tms sweep` (every restart's loss and the
// kept weights) and against single runs trained in Node's wasm (`Run.eval_loss`), in both orders (the
// lockstep order: 4 simd128 lanes in the page, up to 16 natively): pause and resume give the same
// result, cancel stops and keeps what finished.
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
import tms from './wasm.mjs';

const tmsBin = process.env.TMS_BIN ?? fileURLToPath(new URL('../../target/release/tms', import.meta.url));
let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

// Two values × 1,000 restarts of a small model, with few steps.
const LINK = 'v=4&model=relu-hidden&n=10&m=5&importance=0.75&batch=64&steps=100&seed=3&sweep=density&values=0.35,0.06&restarts=1000&step=100&view=stack';

// The same sweep in the lockstep order.
const LOCKSTEP = LINK.replace('&seed=3', '&order=lockstep&seed=3');

const native = (() => {
  const results = new Map();
  return (link = LINK) => {
    if (results.has(link)) return results.get(link);
    const out = join(mkdtempSync(join(tmpdir(), 'tms-sweep-1000-')), 'sweep.json');
    execFileSync(tmsBin, ['sweep', '--link', link, '--json', out], { stdio: 'ignore' });
    results.set(link, JSON.parse(readFileSync(out, 'utf8')));
    return results.get(link);
  };
})();

// The lowest loss, ties to the lower seed: the test's own choice.
const lowest = (losses) => losses.reduce((best, l, k) => (l !== null && (best < 0 || l < losses[best]) ? k : best), -1);

async function exportOf(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#sweep-export')]);
  return JSON.parse(await readFile(await download.path(), 'utf8'));
}

// Records, while the sweep runs, the most runs the page held at once.
async function watchRuns(page) {
  await page.waitForFunction(() => window.tmsSweep);
  await page.evaluate(() => {
    window.mostRuns = 0;
    const look = () => {
      const s = window.tmsSweep;
      if (!s) return;
      window.mostRuns = Math.max(window.mostRuns, s.runsHeld());
      if (!s.finished) requestAnimationFrame(look);
    };
    look();
  });
}

for (const [order, link] of [['rows', LINK], ['lockstep', LOCKSTEP]]) test(`a 1,000-restart sweep completes, keeps the lowest eval loss and holds a run per value (${order} order)`, async () => {
  const { page, problems } = await openPage(browser, `${server.url}#${link}`);
  await watchRuns(page);
  const plan = await page.evaluate(() => ({ restarts: window.tmsSweep.plan.restarts, jobs: window.tmsSweep.jobs.length, notices: window.tmsSweep.plan.notices }));
  assert.equal(plan.restarts, 1000, JSON.stringify(plan.notices));
  assert.ok(plan.jobs <= 2 * 1000 / 4, `restarts train in groups (${plan.jobs} jobs)`);
  await page.waitForSelector('body[data-sweep="done"]', { timeout: 300000 });
  const statuses = await page.$$eval('#sweep-list .sweep-status', (ss) => ss.map((s) => s.textContent));
  for (const s of statuses) assert.match(s, /^best of 1000: seed \d+, eval loss .*; \d+ of 1000 agree/);
  const mine = await exportOf(page);
  const theirs = native(link);
  assert.equal(mine.length, 2);
  for (let v = 0; v < 2; v++) {
    assert.equal(mine[v].eval_losses.length, 1000);
    assert.deepEqual(mine[v].eval_losses.map(Math.fround), theirs[v].eval_losses.map(Math.fround), `value ${v}: every restart's loss`);
    const k = lowest(mine[v].eval_losses);
    assert.equal(mine[v].config.seed, 3 + k, `value ${v} keeps the lowest loss`);
    assert.equal(mine[v].fingerprint, theirs[v].fingerprint);
  }
  // Independently: the kept restart and a few others trained as single runs in Node's wasm.
  for (let v = 0; v < 2; v++) {
    const settings = (seed) => `model=relu-hidden&n=10&m=5&density=${[0.35, 0.06][v]}&importance=0.75&batch=64&steps=100&order=${order}&seed=${seed}`;
    for (const k of [lowest(mine[v].eval_losses), 0, 1, 2, 3, 4, 999]) {
      const run = new tms.Run(settings(3 + k));
      run.step(100);
      assert.equal(Math.fround(run.eval_loss(3)), Math.fround(mine[v].eval_losses[k]), `value ${v} restart ${k}`);
      if (k === lowest(mine[v].eval_losses)) assert.equal(run.fingerprint(), mine[v].fingerprint);
      run.free();
    }
  }
  const most = await page.evaluate(() => window.mostRuns);
  assert.ok(most >= 2 && most <= 4, `at most a kept run and a picture per value held (${most})`);
  assert.equal(await page.evaluate(() => window.tmsSweep.workers.length), 0, 'every worker is freed at the end');
  // Clicking a panel opens its kept run: the single run link of that seed.
  const box = await (await page.$('#sweep-panels')).boundingBox();
  await page.mouse.click(box.x + 40, box.y + 60);
  await page.waitForFunction(() => document.getElementById('step-count').textContent === '100' && document.body.dataset.mode === 'idle');
  assert.equal(await page.textContent('#fingerprint'), theirs[0].fingerprint);
  assert.deepEqual(problems, []);
});

test('pause stops the workers, resume goes on to the same result, cancel keeps what finished', async () => {
  const { page, problems } = await openPage(browser, `${server.url}#${LINK}`);
  await page.waitForFunction(() => window.tmsSweep?.jobs.filter((j) => j.state === 'done').length >= 20);
  await page.click('#sweep-pause');
  assert.equal(await page.textContent('#sweep-pause'), 'Resume');
  // Every worker that was training says it has stopped, and no step is trained after that.
  await page.waitForFunction(() => window.tmsSweep.workers.every((s) => !s.job || s.paused));
  const held = await page.evaluate(() => window.tmsSweep.jobs.reduce((n, j) => n + j.step, 0));
  assert.match(await page.textContent('#sweep-time'), /paused/);
  await page.click('#sweep-pause');
  await page.waitForSelector('body[data-sweep="done"]', { timeout: 300000 });
  assert.ok(await page.evaluate((h) => window.tmsSweep.jobs.reduce((n, j) => n + j.step, 0) > h, held));
  const mine = await exportOf(page);
  const theirs = native();
  for (let v = 0; v < 2; v++) {
    assert.deepEqual(mine[v].eval_losses.map(Math.fround), theirs[v].eval_losses.map(Math.fround));
    assert.equal(mine[v].fingerprint, theirs[v].fingerprint);
  }

  // Cancel part way: the workers go, the finished restarts stay, and the kept run is the best of them.
  await page.evaluate((link) => { window.location.hash = link.replace('seed=3', 'seed=4'); }, LINK);
  await page.waitForFunction(() => window.tmsSweep?.plan.fragment.includes('seed=4') && window.tmsSweep.values.every((v) => v.finished >= 8));
  await page.click('#sweep-cancel');
  assert.equal(await page.evaluate(() => window.tmsSweep.workers.length), 0);
  const statuses = await page.$$eval('#sweep-list .sweep-status', (ss) => ss.map((s) => s.textContent));
  for (const s of statuses) assert.match(s, /^cancelled with \d+ of 1000 restarts finished; best of \d+: seed \d+/);
  const finished = await page.evaluate(() => window.tmsSweep.values.reduce((n, v) => n + v.finished, 0));
  assert.equal(await page.textContent('#sweep-time'), `cancelled: ${finished.toLocaleString('en')} of 2,000 runs finished, and kept`);
  const part = await exportOf(page);
  for (const value of part) {
    const finished = value.eval_losses.filter((l) => l !== null).length;
    assert.ok(finished >= 8 && finished < 1000, `${finished} finished`);
    assert.equal(value.config.seed, 4 + lowest(value.eval_losses), 'the best of those finished');
  }
  assert.deepEqual(problems, []);
});

test('the best-of-1000 preset says what it trains and how long, starts when asked, shows the time left', async () => {
  const { page, problems } = await openPage(browser, server.url);
  await page.waitForSelector('body[data-ready="true"]');
  await page.selectOption('#preset', 'sweep-privileged-1000');
  await page.waitForSelector('#sweep-estimate');
  const ask = await page.textContent('#sweep-estimate');
  assert.match(ask, /^This sweep trains 6,000 runs \(6 values × 1,000 restarts\) of 10,000 steps: about (\d+ h )?\d+ min with \d workers? here \((an estimate from the cost model; measuring this machine…|the cost model's (\d+ h )?\d+ min, scaled to this machine: measured at [\d.]+× the pace it assumes)\)/);
  assert.match(await page.textContent('#sweep-time'), /^estimate about/);
  // The estimate becomes this machine's: the cost model's, over the pace each worker (as many as the
  // pool has, at once) trained Rust's speed probe at against the cost model's time for it.
  await page.waitForFunction(() => window.tmsSweep.measured);
  const measured = await page.evaluate(() => {
    const s = window.tmsSweep;
    return { ...s.measured, size: s.size, plan: s.plan, probes: s.probes.length, text: document.getElementById('sweep-estimate').textContent, time: document.getElementById('sweep-time').textContent };
  });
  assert.equal(measured.failure, undefined, measured.failure);
  assert.equal(measured.rates.length, measured.size, 'a rate from each worker');
  for (const rate of measured.rates) assert.ok(rate > 0 && Number.isFinite(rate), `a rate of ${rate} restart-steps/s`);
  const probe = measured.plan.speed_probe;
  assert.match(probe.settings, /model=relu-hidden/);
  assert.match(probe.settings, /order=lockstep/);
  const mean = measured.rates.reduce((a, b) => a + b, 0) / measured.rates.length;
  const pace = (mean * probe.ns_per_restart_step) / 1e9;
  const fromRates = measured.plan.estimate_seconds / pace / measured.size;
  assert.ok(Math.abs(measured.estimate - fromRates) <= 1e-9 * fromRates, `${measured.estimate} s against ${fromRates} s`);
  const shown = (secs) => {
    const minutes = Math.round(secs / 60);
    return minutes < 90 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  };
  assert.ok(measured.text.includes(`: about ${shown(fromRates)} with ${measured.size} worker${measured.size === 1 ? '' : 's'} here (the cost model's ${shown(measured.plan.estimate_seconds / measured.size)}, scaled to this machine: measured at ${pace.toFixed(1)}× the pace it assumes)`), measured.text);
  assert.equal(measured.time, `estimate about ${shown(fromRates)}`);
  assert.equal(measured.probes, 0, 'the measuring workers are gone');
  const idle = await page.evaluate(() => ({ workers: window.tmsSweep.workers.length, started: window.tmsSweep.started, trained: window.tmsSweep.jobs.filter((j) => j.state !== 'waiting' || j.step > 0).length }));
  assert.deepEqual(idle, { workers: 0, started: false, trained: 0 }, 'none of the sweep trains before Start');
  const rows = await page.$$eval('#sweep-list .sweep-label', (ls) => ls.map((l) => l.textContent));
  assert.deepEqual(rows, ['1−S = 0.75', '1−S = 0.35', '1−S = 0.15', '1−S = 0.12', '1−S = 0.06', '1−S = 0.04']);
  await page.click('#sweep-go');
  assert.equal(await page.locator('#sweep-estimate').count(), 0);
  await page.waitForFunction(() => window.tmsSweep.jobs.some((j) => j.step > 0));
  await page.waitForFunction(() => /^about (\d+ h )?\d+ (min|s) left$/.test(document.getElementById('sweep-time').textContent));
  await page.click('#sweep-pause');
  await page.waitForFunction(() => window.tmsSweep.workers.every((s) => !s.job || s.paused));
  assert.equal(await page.textContent('#sweep-time'), 'paused');
  // (A figure, not a check: how long after the click the last worker training stopped.)
  const latest = await page.evaluate(() => Math.max(0, ...window.tmsSweep.workers.map((s) => s.pausedAfter ?? 0)));
  console.log(`pause: the last worker stopped ${latest.toFixed(0)} ms after the click`);
  await page.click('#sweep-cancel');
  assert.equal(await page.evaluate(() => window.tmsSweep.workers.length), 0);
  assert.deepEqual(problems, []);
});

// The timeline: any trained step can be shown again exactly, going back keeps the trained future, and
// the learning dynamics the page plots are the series `tms train --trace` writes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';
import { addressStep, idleAt, ready } from './helpers.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

const tms = process.env.TMS_BIN ?? fileURLToPath(new URL('../../target/release/tms', import.meta.url));
const native = (fragment, step) => execFileSync(tms, ['train', '--link', fragment, '--step', String(step)], { encoding: 'utf8' }).match(/fingerprint ([0-9a-f]{16})/)[1];

// Moves the timeline's slider to `step`, as dragging it does.
const scrub = (page, step) => page.$eval('#timeline', (t, s) => {
  t.value = String(s);
  t.dispatchEvent(new Event('input', { bubbles: true }));
}, step);

const runs = [
  'v=3&model=linear&n=20&m=5&density=0.1&importance=0.7&steps=2000&seed=1&step=0&view=bars',
  'v=3&model=relu-output&n=20&m=5&density=0.03&importance=0.7&steps=2000&seed=2&step=0&view=bars',
  'v=3&model=relu-hidden&n=10&m=5&density=0.15&importance=0.75&steps=2000&seed=3&step=0&view=stack',
  'v=3&model=abs&n=12&m=6&density=0.3&importance=0.9&steps=2000&seed=4&step=0&view=stack',
];

test('seeking to any step, forward and back, shows the weights tms train prints for it, for every model', async () => {
  const { page, problems } = await openPage(browser, server.url);
  await ready(page);
  for (const link of runs) {
    await page.evaluate((f) => { window.location.hash = f; }, link);
    await idleAt(page, 0);
    // Forward past the trained end, back through snapshots, forward within what was trained.
    for (const step of [1500, 200, 1, 1999, 777, 2000, 0, 1234]) {
      await scrub(page, step);
      await idleAt(page, step);
      assert.equal(await page.textContent('#fingerprint'), native(link, step), `${link.split('&')[1]} at step ${step}`);
      assert.equal(await addressStep(page), step, 'the link\'s step is the step shown');
    }
  }
  assert.deepEqual(problems, []);
});

test('a seek issued while another is in flight stops it and lands exactly on the last step asked for', async () => {
  const link = 'v=3&model=abs&n=100&m=40&density=1&importance=0.8&steps=3000&seed=6&step=0&view=stack';
  const { page, problems } = await openPage(browser, `${server.url}#${link}`);
  await ready(page);
  await idleAt(page, 0);
  // Far past the frontier (seconds of training), and while that runs, back to an earlier step.
  await scrub(page, 3000);
  await page.waitForFunction(() => document.body.dataset.mode === 'job');
  await scrub(page, 1200);
  await idleAt(page, 1200);
  assert.equal(await page.textContent('#fingerprint'), native(link, 1200));
  assert.doesNotMatch(await page.textContent('#timeline-text'), /trained to 3000/, 'the seek left behind was stopped, not finished first');
  // A burst of positions, as a drag gives: the last one is shown, its views drawn for it.
  await page.$eval('#timeline', (t) => {
    for (const s of [900, 100, 1100, 450]) {
      t.value = String(s);
      t.dispatchEvent(new Event('input', { bubbles: true }));
    }
  });
  await idleAt(page, 450);
  assert.equal(await page.textContent('#fingerprint'), native(link, 450));
  await page.waitForFunction(() => document.body.dataset.drawn === '450');
  assert.equal(await addressStep(page), 450, 'the link\'s step is the step shown');
  assert.deepEqual(problems, []);
});

test('scrubbing back keeps the trained future, and Play from there replays the same numbers', async () => {
  const link = 'v=3&model=abs&n=12&m=6&density=0.1&importance=0.9&steps=3000&seed=5&step=0&view=loss';
  const { page, problems } = await openPage(browser, `${server.url}#${link}`);
  await ready(page);
  await page.click('#play');
  await idleAt(page, 3000);
  const end = await page.textContent('#fingerprint');
  await scrub(page, 1000);
  await idleAt(page, 1000);
  assert.match(await page.textContent('#timeline-text'), /trained to 3000/, 'the future is kept');
  const at1000 = await page.textContent('#fingerprint');
  assert.equal(at1000, native(link, 1000));
  // Step forward from a past step: the same numbers as the first pass.
  await page.click('#step100');
  await idleAt(page, 1100);
  assert.equal(await page.textContent('#fingerprint'), native(link, 1100));
  await page.click('#play');
  await idleAt(page, 3000);
  assert.equal(await page.textContent('#fingerprint'), end, 'replaying reaches the same end');
  // The keyboard: ← and → move from snapshot to snapshot, Home and End to the ends.
  await page.focus('#timeline');
  await page.keyboard.press('Home');
  await idleAt(page, 0);
  await page.keyboard.press('ArrowRight');
  const next = Number(await page.evaluate(() => document.getElementById('timeline').dataset.interval));
  await idleAt(page, next);
  assert.equal(await page.textContent('#fingerprint'), native(link, next));
  assert.deepEqual(problems, []);
});

test('replay plays a trained run again from step 0 at its pace, to the same end', async () => {
  const link = 'v=3&model=relu-hidden&n=10&m=5&density=0.15&importance=0.75&steps=1500&seed=6&step=0&view=stack';
  const { page, problems } = await openPage(browser, `${server.url}#${link}`);
  await ready(page);
  await page.click('#play');
  await idleAt(page, 1500);
  const end = await page.textContent('#fingerprint');
  await page.selectOption('#speed', 'replay');
  await page.click('#play');
  // It goes back to the start and animates: the step shown passes through the middle of the run.
  await page.waitForFunction(() => { const s = Number(document.getElementById('step-count').textContent); return s > 0 && s < 1000; });
  await idleAt(page, 1500);
  assert.equal(await page.textContent('#fingerprint'), end);
  assert.deepEqual(problems, []);
});

test('the dynamics the page exports are the series tms train --trace writes', async () => {
  const link = 'v=3&model=relu-hidden&n=10&m=5&density=0.1&importance=0.75&steps=1000&seed=6&step=1000&view=dynamics';
  const { page, problems } = await openPage(browser, `${server.url}#${link}`);
  await ready(page);
  await idleAt(page, 1000);
  assert.equal(await page.getAttribute('#views figure:first-child', 'data-view'), 'dynamics');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-trace')]);
  const fromPage = await readFile(await download.path(), 'utf8');
  const dir = await mkdtemp(join(tmpdir(), 'tms-trace-'));
  execFileSync(tms, ['train', '--link', link, '--trace', join(dir, 'trace.csv')]);
  const fromCli = await readFile(join(dir, 'trace.csv'), 'utf8');
  assert.equal(fromPage, fromCli);
  assert.ok(fromPage.split('\n').length > 100, 'about 200 points over the budget');
  assert.deepEqual(problems, []);
});

test('the line under the views counts neurons and features computed as tms train does, at the step shown', async () => {
  const link = 'v=3&model=abs&n=3&m=6&density=1&importance=1&steps=3000&seed=0&step=3000&view=stack';
  const { page, problems } = await openPage(browser, `${server.url}#${link}`);
  await ready(page);
  await idleAt(page, 3000);
  const printed = execFileSync(tms, ['train', '--link', link], { encoding: 'utf8' });
  const [, mono, poly, dead] = printed.match(/neurons: (\d+) monosemantic, (\d+) polysemantic, (\d+) dead of 6/);
  const [, computed] = printed.match(/features computed [^:]*: (\d+) of 3/);
  assert.equal(await page.textContent('#run-readout'), `${mono} monosemantic, ${poly} polysemantic, ${dead} dead of 6 neurons · ${computed} of 3 features computed`);
  // At step 0 the counts are those of the initial weights (the line follows the step shown).
  await scrub(page, 0);
  await idleAt(page, 0);
  const start = execFileSync(tms, ['train', '--link', link, '--step', '0'], { encoding: 'utf8' }).match(/(\d+) of 3/)[1];
  assert.match(await page.textContent('#run-readout'), new RegExp(` · ${start} of 3 features computed$`));
  assert.deepEqual(problems, []);
});

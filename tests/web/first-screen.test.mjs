// The first screen: what a person sees and can reach without scrolling, and an address that is always
// the run on screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';
import { addressStep, idle, idleAt, ready } from './helpers.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

const tms = process.env.TMS_BIN ?? fileURLToPath(new URL('../../target/release/tms', import.meta.url));
const nativeFingerprint = (fragment) => execFileSync(tms, ['train', '--link', fragment], { encoding: 'utf8' }).match(/fingerprint ([0-9a-f]{16})/)[1];

for (const [width, height] of [[1280, 800], [390, 844]]) {
  for (const colorScheme of ['light', 'dark']) {
    test(`at ${width}×${height} (${colorScheme}) Play, the step, the loss and a plot are on the first screen`, async () => {
      const context = await browser.newContext({ viewport: { width, height }, colorScheme });
      const { page, problems } = await openPage(context, `${server.url}#v=3&model=abs&n=3&m=6&density=1&importance=1&step=200&view=stack`);
      await ready(page);
      await idleAt(page, 200);
      for (const id of ['play', 'step-count', 'loss', 'fingerprint']) {
        const box = await page.locator(`#${id}`).boundingBox();
        assert.ok(box && box.y >= 0 && box.y + box.height <= height && box.x + box.width <= width, `#${id} at ${JSON.stringify(box)}`);
      }
      const plot = await page.locator('#views figure.main canvas').boundingBox();
      assert.ok(plot && plot.y + 150 <= height, `the large plot starts at ${plot?.y}, leaving less than 150 px of it on screen`);
      await page.screenshot({ path: `${process.env.SCREENSHOTS ?? '/tmp'}/first-screen-${width}x${height}-${colorScheme}.png` });
      // Scrolled down, the transport strip is still in sight.
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      const strip = await page.locator('#play').boundingBox();
      assert.ok(strip && strip.y >= 0 && strip.y < 120, `after scrolling Play is at ${strip?.y}`);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}

test('Play is reached within three Tabs from the top', async () => {
  const { page, problems } = await openPage(browser, server.url);
  await ready(page);
  let reached = 0;
  for (let k = 1; k <= 3 && !reached; k++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.id) === 'play') reached = k;
  }
  assert.ok(reached > 0, 'Play was not among the first three Tab stops');
  assert.deepEqual(problems, []);
});

test('after a link fast-forwards, the address holds its step; a reload mid-way goes to the same step', async () => {
  const link = 'v=3&model=relu-output&n=20&m=5&density=0.01&importance=0.7&steps=10000&seed=0&step=8000&view=bars';
  const { page, problems } = await openPage(browser, `${server.url}#${link}`);
  await ready(page);
  await idleAt(page, 8000);
  assert.equal(await addressStep(page), 8000);
  assert.equal(await page.textContent('#fingerprint'), nativeFingerprint(link));

  // A slow fast-forward: the address says the target all the way, and a reload goes there again.
  const slow = 'v=3&model=abs&n=100&m=40&density=0.3&importance=0.8&steps=10000&seed=0&step=9000&view=stack';
  await page.goto(`${server.url}#${slow}`);
  await ready(page);
  await page.waitForFunction(() => document.body.dataset.mode === 'job' && !document.getElementById('rebuild').hidden);
  assert.match(await page.textContent('#rebuild'), /Rebuilding the run\s+step \d+ of 9000 · about \d+ s left/);
  assert.equal(await addressStep(page), 9000, 'mid-way, the address is the step being rebuilt');
  await page.reload();
  await ready(page);
  await page.waitForFunction(() => /of 9000/.test(document.getElementById('rebuild').textContent) && !document.getElementById('rebuild').hidden);
  // Cancel leaves the run at the step reached, and the address says so.
  await page.click('#rebuild-cancel');
  await idle(page);
  const reached = Number(await page.textContent('#step-count'));
  assert.ok(reached > 0 && reached < 9000, `cancelled at ${reached}`);
  await page.waitForFunction((s) => new RegExp(`[#&]step=${s}(&|$)`).test(window.location.hash), reached);
  assert.match(await page.textContent('#notices'), new RegExp(`Cancelled at step ${reached} \\(the link asked for 9000\\)`));
  // Clicking Step during a fast-forward says what it did to the target.
  await page.goto(`${server.url}#${slow.replace('step=9000', 'step=8000')}`);
  await ready(page);
  await page.waitForFunction(() => document.body.dataset.mode === 'job');
  await page.click('#step');
  await page.waitForFunction(() => /the fast-forward to step 8000 was stopped at step (\d+); stepped on from there/.test(document.getElementById('notices').textContent));
  const stoppedAt = Number((await page.textContent('#notices')).match(/stopped at step (\d+)/)[1]);
  await idleAt(page, stoppedAt + 1);
  assert.equal(await addressStep(page), stoppedAt + 1);
  assert.deepEqual(problems, []);
});

test('Play at the end of the budget offers to continue, and continuing gives the longer run\'s numbers', async () => {
  const short = 'v=3&model=relu-output&n=20&m=5&density=0.1&importance=0.7&steps=300&seed=2&step=0&view=bars';
  const { page, problems } = await openPage(browser, `${server.url}#${short}`);
  await ready(page);
  await page.click('#play');
  await idleAt(page, 300);
  await page.click('#play');
  await page.waitForSelector('#continue');
  assert.match(await page.textContent('#notices'), /The run is complete: 300 of 300 steps/);
  await page.click('#continue');
  await idleAt(page, 600);
  assert.equal(await page.textContent('#budget'), '600');
  const longer = short.replace('steps=300', 'steps=600').replace('step=0', 'step=600');
  assert.equal(await page.textContent('#fingerprint'), nativeFingerprint(longer));
  assert.equal(await addressStep(page), 600);
  assert.match(await page.evaluate(() => window.location.hash), /&steps=600&/);
  // With a decaying schedule the budget shapes every step: the page says so and restarts instead.
  await page.goto(`${server.url}#${short.replace('schedule=constant', '').replace('steps=300', 'schedule=cosine&steps=300').replace('step=0', 'step=300')}`);
  await ready(page);
  await idleAt(page, 300);
  await page.click('#play');
  await page.waitForSelector('#continue');
  assert.match(await page.textContent('#notices'), /cosine schedule the learning rate decays over the whole budget/);
  await page.click('#continue');
  await idleAt(page, 0);
  assert.equal(await page.textContent('#budget'), '600');
  assert.deepEqual(problems, []);
});

test('a link equal to a preset opens with that preset and its hint; editing marks it modified', async () => {
  const presetLink = 'v=3&model=abs&hidden-bias=0&n=100&m=40&density=0.1&importance=0.8&step=0&view=stack';
  const { page, problems } = await openPage(browser, `${server.url}#${presetLink}`);
  await ready(page);
  await idleAt(page, 0);
  assert.equal(await page.inputValue('#preset'), 'abs-0.1');
  assert.match(await page.textContent('#look-for'), /^Look for: /);
  await page.fill('#setting-seed', '7');
  await page.press('#setting-seed', 'Enter');
  await page.waitForFunction(() => document.getElementById('preset').dataset.modified === 'true');
  assert.match(await page.textContent('#look-for'), /^Modified from “Computation: 1−S = 0.1”: its note may no longer hold\./);
  assert.deepEqual(problems, []);
});

test('only views that can be drawn are offered, with the reason', async () => {
  const { page, problems } = await openPage(browser, `${server.url}#v=3&model=relu-output&n=20&m=5&step=0&view=hidden`);
  await ready(page);
  await idleAt(page, 0);
  const hidden = page.locator('#view option[value="hidden"]');
  assert.equal(await hidden.evaluate((o) => o.disabled), true);
  assert.match(await hidden.getAttribute('title'), /the hidden space is drawn for m = 2 or 3 \(this model has m = 5\)/);
  assert.match(await page.textContent('#view-reason'), /the hidden space is drawn for m = 2 or 3/);
  assert.equal(await page.$('#views figure[data-view="hidden"]'), null, 'no hidden-space figure for m = 5');
  assert.notEqual(await page.inputValue('#view'), 'hidden', 'the link asked for a view that cannot be drawn; another is shown');
  assert.deepEqual(problems, []);
});

test('on a touch device the keyboard shortcuts are not offered', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const { page, problems } = await openPage(context, server.url);
  await ready(page);
  assert.equal(await page.isVisible('#keys-help'), false);
  assert.equal(await page.evaluate(() => document.body.classList.contains('touch')), true);
  await context.close();
  // With a keyboard the shortcuts are one click away.
  const { page: desk } = await openPage(browser, server.url);
  await ready(desk);
  await desk.click('#keys-help');
  assert.match(await desk.textContent('#keys-popover'), /space.*play or pause/);
  assert.deepEqual(problems, []);
});

// The page in headless Chromium: it loads the wasm build from `tms serve`, trains, steps and resets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

test('the page loads the trainer, trains, steps exactly once, and resets to the initial weights', async () => {
  const { page, problems } = await openPage(browser, server.url);
  await page.waitForSelector('body[data-ready="true"]');
  const text = (id) => page.textContent(`#${id}`);
  assert.equal(await text('step-count'), '0');
  const initial = await text('fingerprint');
  assert.match(initial, /^[0-9a-f]{16}$/);

  await page.click('#step');
  assert.equal(await text('step-count'), '1');

  await page.click('#play');
  await page.waitForFunction(() => Number(document.getElementById('step-count').textContent) > 500);
  await page.click('#play');
  const loss = Number(await text('loss'));
  assert.ok(loss > 0 && loss < 0.1, `loss ${loss}`);
  assert.notEqual(await text('fingerprint'), initial);

  await page.click('#reset');
  assert.equal(await text('step-count'), '0');
  assert.equal(await text('fingerprint'), initial);
  assert.deepEqual(problems, []);
});

test('bad settings get a message and the current run is kept', async () => {
  const { page, problems } = await openPage(browser, server.url);
  await page.waitForSelector('body[data-ready="true"]');
  await page.click('#step');
  await page.fill('#settings', 'model=relu-output&n=0');
  await page.press('#settings', 'Enter');
  await page.dispatchEvent('#settings', 'change');
  assert.match(await page.textContent('#status'), /n: '0' is out of range; allowed 1 to 1000/);
  assert.equal(await page.textContent('#step-count'), '1');
  assert.deepEqual(problems, []);
});

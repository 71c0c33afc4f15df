// Hostile links and faults in headless Chromium: divergence pauses and rewinds, absurd sizes are capped
// with a notice, a panic inside the trainer is reported in words, and the page breaks no CSP rule.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';
import { idle, idleAt } from './helpers.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

// Opens a page that records Content-Security-Policy violations as well as errors.
async function open(url) {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const { page, problems } = await openPage(context, url);
  await page.waitForSelector('body[data-ready="true"]');
  return { context, page, problems };
}

test('a link whose learning rate blows the weights up pauses with a plain message and rewinds', async () => {
  // (lr = 100 does not diverge under AdamW's decoupled decay, 1 − 100·0.01 = 0: the model collapses to
  // zero instead. From lr = 200 on, the decay factor is below −1 and the weights grow to infinity.)
  const { context, page, problems } = await open(`${server.url}#v=3&model=relu-output&n=5&m=2&lr=1000&step=0`);
  await page.click('#play');
  await page.waitForSelector('#rewind');
  assert.equal(await page.textContent('#play'), 'Play', 'training paused');
  const notice = await page.textContent('#notices');
  assert.match(notice, /Training diverged at step (\d+): the (loss|weights) became/);
  assert.match(notice, /the learning rate 1000 is too high/);
  const at = Number(notice.match(/diverged at step (\d+)/)[1]);
  await idleAt(page, at);
  await page.click('#play');
  await page.click('#step');
  await idleAt(page, at);
  assert.equal(Number(await page.textContent('#step-count')), at, 'no steps past a divergence');
  await page.click('#rewind');
  await idleAt(page, at - 1);
  assert.match(await page.textContent('#loss'), /^\d/, 'a finite loss again');
  await page.waitForFunction(() => /Rewound to step/.test(document.getElementById('notices').textContent));
  assert.deepEqual(problems, []);
  await context.close();
});

test('a link asking for n = 10^9 opens with a notice and a capped, responsive model', async () => {
  const { context, page, problems } = await open(`${server.url}#v=3&model=abs&n=1000000000&m=40&density=0.01&batch=100000000&step=100000000000`);
  const notices = await page.textContent('#notices');
  assert.match(notices, /n = 1000000000 is above the maximum 1000; using 1000/);
  assert.match(notices, /batch = 100000000 is above the maximum 16384; using 16384/);
  assert.match(notices, /batch: \d+ rows of n = 1000, m = \d+ is more work per step than a browser tab can take; using batch \d+/);
  assert.match(notices, /step: \d+ is past the step budget/);
  assert.equal(await page.inputValue('#setting-n'), '1000');
  // Responsive while it fast-forwards: a click is handled at once and the model trains.
  await page.waitForFunction(() => Number(document.getElementById('step-count').textContent) >= 2);
  await page.click('#step');
  await page.waitForFunction(() => /was stopped at step \d+; stepped on from there/.test(document.getElementById('notices').textContent));
  await idle(page);
  const after = Number(await page.textContent('#step-count'));
  await page.click('#step');
  await idleAt(page, after + 1);
  assert.deepEqual(problems, []);
  assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
  await context.close();
});

test('a panic inside the trainer is shown in words and the settings stay in the address', async () => {
  const { context, page } = await open(`${server.url}#v=3&model=abs&n=3&m=6&density=1&step=3&view=stack`);
  await page.waitForFunction(() => location.hash.includes('step=3'));
  await page.evaluate(async () => {
    const tms = await import('./pkg/tms_explorer.js');
    setTimeout(() => tms.simulate_panic());
  });
  await page.waitForSelector('#fatal:not([hidden])');
  assert.match(await page.textContent('#fatal'), /internal error and stopped.*simulated internal error/s);
  assert.match(await page.evaluate(() => location.hash), /model=abs&.*n=3&m=6/);
  await context.close();
});

test('the page and its wasm run under the Content-Security-Policy with no violation', async () => {
  const { context, page, problems } = await open(server.url);
  assert.match(await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content'), /default-src 'self'; script-src 'self' 'wasm-unsafe-eval'/);
  await page.click('#step100');
  await page.selectOption('#preset', 'abs-basic');
  await page.click('#step');
  assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('no script in www/ writes HTML from strings', async () => {
  const { readdir, readFile } = await import('node:fs/promises');
  const dir = new URL('../../www/', import.meta.url);
  const scripts = (await readdir(dir)).filter((f) => f.endsWith('.js'));
  assert.ok(scripts.length > 0);
  for (const file of scripts) {
    const text = await readFile(new URL(file, dir), 'utf8');
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function']) {
      assert.ok(!text.includes(sink), `${file} uses ${sink}`);
    }
  }
});

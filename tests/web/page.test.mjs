// The explorer page in headless Chromium, as a person uses it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';
import { addressStep, exported, idleAt, playing, ready, stepCount } from './helpers.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

test('play trains, step is exactly one step, reset returns to the initial weights, new seed changes them', async () => {
  const { page, problems } = await openPage(browser, server.url);
  await ready(page);
  await idleAt(page, 0);
  assert.equal(await page.evaluate(() => document.body.dataset.engine), 'worker', 'training runs in a worker');
  const initial = await exported(page);
  assert.equal(initial.step, 0);

  await page.click('#step');
  await idleAt(page, 1);
  const first = Number(await page.textContent('#loss'));
  await page.click('#step100');
  await idleAt(page, 101);

  await page.click('#play');
  await page.waitForFunction(() => Number(document.getElementById('step-count').textContent) > 3000);
  await page.click('#play');
  await page.waitForFunction(() => document.body.dataset.mode === 'idle');
  const later = Number(await page.textContent('#loss'));
  // Where play is paused depends on timing; every batch loss of this run past step 3,000 is under 0.6 of
  // step 1's (untrained, batch losses vary by ±25%), so the bound holds wherever it stops.
  assert.ok(later < first * 0.75, `the loss falls: ${first} → ${later}`);

  await page.click('#reset');
  await idleAt(page, 0);
  const again = await exported(page);
  assert.deepEqual(again.params, initial.params);
  assert.equal(again.fingerprint, initial.fingerprint);

  await page.click('#new-seed');
  await page.waitForFunction((seed) => document.getElementById('setting-seed').value !== String(seed), initial.config.seed);
  await idleAt(page, 0);
  const reseeded = await exported(page);
  assert.notEqual(reseeded.config.seed, initial.config.seed);
  assert.notDeepEqual(reseeded.params, initial.params);
  assert.equal(await page.inputValue('#setting-seed'), String(reseeded.config.seed));

  // Keyboard: '.' steps, 'r' goes back to step 0, space plays and pauses.
  await page.click('h1');
  await page.keyboard.press('.');
  await idleAt(page, 1);
  await page.keyboard.press('r');
  await idleAt(page, 0);
  await page.keyboard.press(' ');
  await playing(page);
  await page.keyboard.press(' ');
  await page.waitForFunction(() => document.body.dataset.mode === 'idle');
  assert.deepEqual(problems, []);
});

test('a copied link opens the same run at the same step with identical weights in a fresh browser', async () => {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const { page, problems } = await openPage(context, server.url);
  await ready(page);
  await page.selectOption('#preset', 'privileged-0.15');
  await idleAt(page, 0);
  await page.click('#step100');
  await idleAt(page, 100);
  await page.click('#step100');
  await idleAt(page, 200);
  await page.click('#step');
  await idleAt(page, 201);
  await page.selectOption('#view', 'matrix');
  await page.click('#copy-link');
  const url = await page.inputValue('#link');
  assert.match(url, /#v=4&model=relu-hidden&.*&step=201&view=matrix$/);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url);
  assert.equal(await addressStep(page), 201, 'the address is the run on screen');
  const sender = await exported(page);

  const fresh = await browser.newContext();
  const { page: other, problems: otherProblems } = await openPage(fresh, url);
  await ready(other);
  await idleAt(other, 201);
  const receiver = await exported(other);
  assert.deepEqual(receiver.params, sender.params);
  assert.equal(receiver.fingerprint, sender.fingerprint);
  assert.equal(await other.inputValue('#view'), 'matrix');
  assert.equal(await other.getAttribute('#views figure:first-child', 'data-view'), 'matrix');
  assert.deepEqual([...problems, ...otherProblems], []);
  await fresh.close();
  await context.close();
});

test('every preset loads and trains', async () => {
  const { page, problems } = await openPage(browser, server.url);
  await ready(page);
  const ids = await page.$$eval('#preset option', (os) => os.map((o) => o.value).filter(Boolean));
  const sweeps = await page.evaluate(() => [...document.querySelectorAll('#preset optgroup')].filter((g) => g.label.startsWith('Sweeps')).flatMap((g) => [...g.querySelectorAll('option')].map((o) => o.value)));
  assert.ok(ids.length >= 30, `${ids.length} presets`);
  for (const id of ids.filter((i) => !sweeps.includes(i))) {
    await page.selectOption('#preset', id);
    await idleAt(page, 0);
    assert.notEqual(await page.textContent('#look-for'), '', id);
    assert.equal(await page.inputValue('#preset'), id);
    await page.click('#step');
    await idleAt(page, 1);
    await page.click('#step');
    await idleAt(page, 2);
    assert.ok(Number.isFinite(Number(await page.textContent('#loss'))), id);
  }
  assert.deepEqual(problems, []);
});

test('bad links and bad fields say what was wrong and what was used, and keep the run', async () => {
  const { page, problems } = await openPage(browser, `${server.url}#v=3&n=0&model=mlp&colour=<b>red</b>&step=5`);
  await ready(page);
  await idleAt(page, 5);
  const notices = await page.textContent('#notices');
  assert.match(notices, /n = 0 is below the minimum 1; using 1/);
  assert.match(notices, /model: 'mlp' is not one of linear, relu-output, relu-hidden, abs; using relu-output/);
  assert.match(notices, /unknown setting 'colour' in the link; ignored/);
  assert.equal(await page.$('#notices b'), null, 'link text is never parsed as HTML');
  // The messages are where a person looks first: above the views, on the first screen.
  const box = await page.locator('#notices').boundingBox();
  const viewport = page.viewportSize();
  assert.ok(box && box.y + box.height <= viewport.height, `notices at ${JSON.stringify(box)} in ${JSON.stringify(viewport)}`);
  await page.click('#notices-dismiss');
  assert.equal(await page.isVisible('#notices'), false);

  // A field keeps what was typed, is marked, and says why beside it, quoting the text; the run is kept.
  const before = await page.textContent('#fingerprint');
  await page.fill('#setting-lr', 'abc');
  await page.press('#setting-lr', 'Enter');
  await page.waitForFunction(() => document.getElementById('setting-lr').getAttribute('aria-invalid') === 'true');
  assert.equal(await page.inputValue('#setting-lr'), 'abc');
  assert.equal(await page.textContent('#setting-lr-problem'), "lr: 'abc' is not a number; allowed 0.000001 to 1000");
  assert.ok(await page.isVisible('#notices'), 'a new message shows the strip again');
  assert.equal(await stepCount(page), 5);
  assert.equal(await page.textContent('#fingerprint'), before);
  // Fixing it applies the form: a new run at step 0, the mark gone.
  await page.fill('#setting-lr', '0.002');
  await page.press('#setting-lr', 'Enter');
  await idleAt(page, 0);
  assert.equal(await page.getAttribute('#setting-lr', 'aria-invalid'), null);
  assert.equal(await page.textContent('#setting-lr-problem'), '');
  // Values the settings take but the browser cannot: the caps' change is said beside its field.
  await page.evaluate(() => {
    const set = (key, value) => { document.getElementById(`setting-${key}`).value = value; };
    set('model', 'abs');
    set('n', '1000');
    set('m', '1000');
    set('batch', '16384');
    document.getElementById('setting-batch').dispatchEvent(new Event('change', { bubbles: true }));
  });
  await page.waitForFunction(() => document.getElementById('setting-batch-problem').textContent !== '');
  assert.match(await page.textContent('#setting-batch-problem'), /more work per step than a browser tab can take; using batch \d+/);
  assert.match(await page.textContent('#setting-m-problem'), /using m = \d+/);
  assert.deepEqual(problems, []);
});

test('every setting explains itself, by hover and by keyboard', async () => {
  const { page, problems } = await openPage(browser, server.url);
  await ready(page);
  const keys = await page.$$eval('#settings .setting', (fields) => fields.map((f) => f.dataset.key));
  assert.ok(keys.includes('density') && keys.includes('importance'));
  for (const key of keys) {
    const help = page.locator(`.setting[data-key="${key}"] .help`);
    assert.ok((await help.getAttribute('title')).length > 20, `${key} has a hover explanation`);
  }
  await page.focus('.setting[data-key="density"] .help');
  await page.keyboard.press('Enter');
  const text = await page.textContent('#setting-density-help');
  assert.match(text, /probability 1 − S that a feature is present/);
  assert.match(text, /Allowed: 0\.00001 to 1/);
  assert.equal(await page.getAttribute('.setting[data-key="density"] .help', 'aria-expanded'), 'true');
  assert.deepEqual(problems, []);
});

test('the page keeps responding while training abs n=100 m=40', async () => {
  const { page, problems } = await openPage(browser, server.url);
  await ready(page);
  await page.selectOption('#preset', 'abs-0.01');
  await idleAt(page, 0);
  // Record the step count the page shows at every frame while playing: it climbs over many frames, and
  // the page's own thread stays free (training is in the worker).
  await page.evaluate(() => {
    window.seen_ = [];
    const tick = () => {
      window.seen_.push(Number(document.getElementById('step-count').textContent));
      if (window.seen_.length < 100000) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  // Play past step 1,500 and until the frames have shown ten step counts (however fast this machine
  // trains), or until the run stops by itself at its budget, which would mean the page did not show
  // the count climbing.
  await page.click('#play');
  await page.waitForFunction(() => document.body.dataset.mode === 'playing');
  await page.waitForFunction(() => (Number(document.getElementById('step-count').textContent) >= 1500
    && new Set(window.seen_).size >= 10) || document.body.dataset.mode === 'idle', null, { timeout: 120000 });
  await page.click('#play');
  await page.waitForFunction(() => document.body.dataset.mode === 'idle');
  const stopped = await stepCount(page);
  const seen = await page.evaluate(() => window.seen_);
  const distinct = new Set(seen).size;
  console.log(`abs n=100 m=40: ${seen.length} frames, ${distinct} step counts`);
  assert.ok(distinct >= 10, `the step count took only ${distinct} values on its way to ${stopped}`);
  // Pause takes effect mid-run: the run stops short of its 10,000-step budget and stays there.
  assert.ok(stopped < 10000, `stopped at ${stopped}`);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal(await stepCount(page), stopped);
  assert.equal(await addressStep(page), stopped, 'the address says where play stopped');
  assert.deepEqual(problems, []);
});

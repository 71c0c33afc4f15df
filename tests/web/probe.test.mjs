// The input probe in the page (headless Chromium): clicking the input strip changes the graph's
// activations and the readout, a link with probe= reopens with the same input, and an embed's host sets
// the input with the probe command.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';
import { idleAt, ready } from './helpers.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

// The paper's abs model (n = 3, m = 6), trained far enough that each feature has a positive-side and a
// negative-side neuron.
const ABS = 'v=3&model=abs&hidden-bias=0&n=3&m=6&density=1&importance=1&lr=0.001&schedule=constant&weight-decay=0.01&init=notebook&batch=1024&steps=10000&seed=0&step=4000&view=graph';

const graphPixels = (page) => page.locator('figure[data-view="graph"] canvas').screenshot();
const text = (page, id) => page.textContent(`#${id}`);
// The probe's numbers are from the snapshot drawn: wait until that is the step shown.
const probedAt = (page, step) => page.waitForFunction((s) => document.getElementById('probe-activations').dataset.step === String(s), step);

test('clicking an input changes the graph and the readout; feeding x₀ = −1 fires abs\'s negative side', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const { page, problems } = await openPage(context, `${server.url}#${ABS}`);
  await ready(page);
  await idleAt(page, 4000);
  await probedAt(page, 4000);
  assert.match(await text(page, 'probe-activations'), /No input set/);
  const before = await graphPixels(page);
  await page.selectOption('#probe-target', 'output 0');
  await page.waitForFunction(() => document.getElementById('probe-readout').textContent.includes('y′₀ = ReLU('));
  const quiet = await text(page, 'probe-readout');

  // One click sets x₀ = 1, a second −1.
  const cell = page.locator('.probe-cell[data-feature="0"]');
  await cell.click();
  await page.waitForFunction(() => document.querySelector('.probe-cell[data-feature="0"]').getAttribute('aria-label') === 'x₀ = 1');
  await cell.click();
  await page.waitForFunction(() => document.querySelector('.probe-cell[data-feature="0"]').getAttribute('aria-label') === 'x₀ = −1');
  await page.waitForFunction(() => window.location.hash.includes('probe=-1,0,0'));
  const fed = await text(page, 'probe-readout');
  assert.notEqual(fed, quiet, 'the readout follows the input');
  // |−1| = 1: the output is about 1, and the readout names the feature's two sides.
  const [equation] = await page.$$eval('#probe-readout p', (ps) => ps.map((p) => p.textContent));
  const value = Number(equation.match(/= (−?[\d.]+)$/)[1].replace('−', '-'));
  assert.ok(Math.abs(value - 1) < 0.1, equation);
  assert.match(fed, /feature 0: positive side h\S+; negative side h\S+/);
  const activations = await text(page, 'probe-activations');
  assert.match(activations, /neurons that fire: h/, activations);
  const after = await graphPixels(page);
  assert.notDeepEqual(after, before, 'the graph colours its nodes by the input');

  // Selecting the neuron that fires reads it: ReLU(−w·x₀) with x₀ = −1.
  const negative = fed.match(/negative side h([₀-₉]+)/)[1];
  const digits = [...negative].map((c) => '₀₁₂₃₄₅₆₇₈₉'.indexOf(c)).join('');
  await page.selectOption('#probe-target', `neuron ${digits}`);
  await page.waitForFunction((d) => document.getElementById('probe-readout').textContent.includes('negative side of feature 0'), digits);
  assert.match(await text(page, 'probe-readout'), /·\(−1\)/);

  // Keys: the strip is one tab stop; → moves to x₁ and 1 sets it.
  await cell.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('1');
  await page.waitForFunction(() => window.location.hash.includes('probe=-1,1,0'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('a link with probe= reopens with the same input, and bad values are reported', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const { page, problems } = await openPage(context, `${server.url}#${ABS}&probe=0,-1,0.5`);
  await ready(page);
  await idleAt(page, 4000);
  await probedAt(page, 4000);
  const labels = await page.$$eval('.probe-cell', (cells) => cells.map((c) => c.getAttribute('aria-label')));
  assert.deepEqual(labels, ['x₀ = 0', 'x₁ = −1', 'x₂ = 0.5']);
  const activations = await text(page, 'probe-activations');
  assert.match(activations, /neurons that fire: h/);
  assert.match(await page.evaluate(() => window.location.hash), /&probe=0,-1,0\.5$/);
  // The same input through a reload gives the same numbers.
  await page.reload();
  await ready(page);
  await idleAt(page, 4000);
  await probedAt(page, 4000);
  assert.equal(await text(page, 'probe-activations'), activations);
  // A word and a value outside abs's range: each said, with what was used instead.
  await page.evaluate((f) => { window.location.hash = f; }, `${ABS.replace('step=4000', 'step=10')}&probe=x,3`);
  await idleAt(page, 10);
  await probedAt(page, 10);
  const notices = await text(page, 'notices');
  assert.match(notices, /probe: x₀ = 'x' is not a number; using 0/);
  assert.match(notices, /probe: x₁ = 3 is outside the abs model's inputs \[-1, 1\]; using 1/);
  assert.match(await page.evaluate(() => window.location.hash), /&probe=0,1,0$/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the embed\'s probe command sets the input and answers with the numbers, and bad ones are refused', async () => {
  const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
  // The embed at the top level: its parent is itself, so messages to it come back to it.
  const { page, problems } = await openPage(context, `${server.url}?embed=1&views=graph,stack#${ABS}`);
  await ready(page);
  await idleAt(page, 4000);
  await probedAt(page, 4000);
  assert.equal(await page.isVisible('#probe'), false, 'an embed shows the probe once it is used');
  const ask = (message) => page.evaluate((m) => new Promise((resolve) => {
    addEventListener('message', function on(e) {
      if (e.data?.re !== m.id) return;
      removeEventListener('message', on);
      resolve(e.data);
    });
    window.postMessage({ tms: 1, ...m }, '*');
  }), message);
  const reply = await ask({ type: 'probe', id: 'p1', x: [0, 0, -1], output: 2 });
  assert.equal(reply.type, 'probe');
  assert.deepEqual(reply.x, [0, 0, -1]);
  assert.equal(reply.h.length, 6);
  assert.ok(reply.active.length >= 1, JSON.stringify(reply));
  assert.ok(Math.abs(reply.out[2] - 1) < 0.1, JSON.stringify(reply.out));
  assert.match(reply.readout.equation, /^y′₂ = ReLU\(/);
  assert.match(reply.fragment, /&probe=0,0,-1$/);
  assert.equal(await page.isVisible('#probe'), true);
  // Out of range: clamped, with a notice; not numbers: refused in words.
  const clamped = await ask({ type: 'probe', id: 'p2', x: [5] });
  assert.deepEqual(clamped.x, [1, 0, 0]);
  assert.equal(clamped.notices.length, 2, JSON.stringify(clamped.notices));
  const bad = await ask({ type: 'probe', id: 'p3', x: ['a'] });
  assert.equal(bad.type, 'error');
  assert.match(bad.message, /probe: x\[0\] must be a number/);
  const missing = await ask({ type: 'probe', id: 'p4', x: [1], neuron: 9 });
  assert.equal(missing.type, 'error');
  assert.match(missing.message, /there is no neuron 9/);
  const cleared = await ask({ type: 'probe', id: 'p5', x: null });
  assert.deepEqual(cleared.x, []);
  assert.doesNotMatch(cleared.fragment, /probe=/);
  assert.deepEqual(problems, []);
  await context.close();
});

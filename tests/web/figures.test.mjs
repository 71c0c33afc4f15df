// The figures through the wasm API in headless Chromium (not through the page's main.js): hovering a
// turned m = 3 hidden space names the arrow drawn under the pointer, the views table reaches the page,
// and SVG exports carry the run's settings, step and fingerprint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

async function ready() {
  const { page, problems } = await openPage(browser, server.url);
  await page.waitForSelector('body[data-ready="true"]');
  return { page, problems };
}

test('hover on a turned m = 3 hidden space names the arrow drawn under the pointer, in 3-D', async () => {
  const { page, problems } = await ready();
  const result = await page.evaluate(async () => {
    const tms = await import('./pkg/tms_explorer.js');
    const run = new tms.Run('model=abs&n=5&m=3&density=1&importance=0.8&seed=3');
    run.step(400);
    const snap = run.snapshot();
    const canvas = document.createElement('canvas');
    canvas.style.cssText = 'width: 420px; height: 380px; display: block';
    document.body.append(canvas);
    const [w, h] = [420, 380];
    const [yaw, pitch] = [2.4, -0.9];
    const pixels = () => {
      snap.draw(canvas, 'hidden', 'light', 1, yaw, pitch);
      return canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    };
    const plain = pixels();
    const found = [];
    for (let i = 0; i < 5; i++) {
      // Where the figure draws arrow i: the mark the embed API's highlight puts on its tip.
      snap.set_highlight('feature', i);
      const marked = pixels();
      snap.set_highlight('none', 0);
      let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
      for (let k = 0; k < plain.length; k += 4) {
        if (plain[k] !== marked[k] || plain[k + 1] !== marked[k + 1] || plain[k + 2] !== marked[k + 2]) {
          const p = k / 4;
          const [x, y] = [p % canvas.width, Math.floor(p / canvas.width)];
          x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
        }
      }
      if (x1 < 0) continue; // too short to carry a head and a mark
      const [x, y] = [(x0 + x1 + 1) / 2, (y0 + y1 + 1) / 2];
      found.push({
        i,
        turned: snap.pick('hidden', w, h, x, y, yaw, pitch),
        unturned: snap.pick('hidden', w, h, x, y),
      });
    }
    return { found, params: Array.from(run.params()) };
  });
  assert.ok(result.found.length >= 3, `arrows found: ${JSON.stringify(result.found)}`);
  for (const { i, turned } of result.found) {
    assert.match(turned, new RegExp(`^feature ${i}: W\\S+ = \\(`), `arrow ${i} under the pointer: ${turned}`);
    // The 3-D column of W₁ (row-major m × n: W₁[j][i] = params[j·n + i]), not its 2-D projection.
    const coords = turned.match(/= \(([^)]*)\)/)[1].split(', ').map(Number);
    assert.equal(coords.length, 3, turned);
    coords.forEach((c, j) => assert.ok(Math.abs(c - result.params[j * 5 + i]) < 6e-4, `${turned}: W₁[${j}][${i}]`));
  }
  // Picking with the default rotation at the same points would name other arrows (or nothing).
  assert.ok(result.found.some(({ i, unturned }) => !unturned.startsWith(`feature ${i}:`)), JSON.stringify(result.found));
  assert.deepEqual(problems, []);
});

test('the views table reaches the page: names, captions, formulas and order per model', async () => {
  const { page, problems } = await ready();
  const schemas = await page.evaluate(async () => {
    const tms = await import('./pkg/tms_explorer.js');
    return ['model=abs&n=100&m=40', 'model=relu-output&n=5&m=2', 'model=linear&n=6&m=3']
      .map((s) => JSON.parse(tms.views_schema(s)));
  });
  const [abs, intro, linear] = schemas;
  assert.deepEqual(abs.order, ['stack', 'matrix', 'graph', 'bars', 'dynamics', 'loss']);
  assert.deepEqual(abs.sweep_views, ['stack', 'matrix', 'bars']);
  assert.deepEqual(intro.order, ['bars', 'matrix', 'hidden', 'dynamics', 'stack', 'graph', 'loss']);
  assert.equal(abs.ids, 'matrix, stack, graph, bars, hidden, loss, dynamics');
  const hidden = abs.views.find((v) => v.id === 'hidden');
  assert.equal(hidden.available, false);
  assert.equal(hidden.reason, 'the hidden space is drawn for m = 2 or 3 (this model has m = 40)');
  assert.equal(intro.views.find((v) => v.id === 'hidden').available, true);
  const stack = (s) => s.views.find((v) => v.id === 'stack');
  assert.match(stack(abs).formula, /ReLU\(W₁ x\)/);
  assert.doesNotMatch(stack(intro).formula, /ReLU\(W x\)/, 'relu-output has no hidden ReLU');
  assert.doesNotMatch(linear.views.map((v) => v.formula).join(' '), /ReLU\(/);
  assert.deepEqual(abs.sweep_figures.map((f) => f.id), ['dimensionality', 'phase']);
  assert.deepEqual(linear.sweep_figures.map((f) => f.id), ['dimensionality']);
  for (const s of schemas) {
    assert.equal(s.views.length, 7);
    for (const v of s.views) {
      assert.ok(v.name && v.caption && v.formula, JSON.stringify(v));
      assert.doesNotMatch(v.caption + v.formula, /_\{|\^\{|\\[a-zA-Z]|_i|_j/, JSON.stringify(v));
    }
  }
  assert.deepEqual(problems, []);
});

test('an SVG export is in the theme asked for and carries the settings, step and fingerprint', async () => {
  const { page, problems } = await ready();
  const out = await page.evaluate(async () => {
    const tms = await import('./pkg/tms_explorer.js');
    const run = new tms.Run('model=relu-output&n=5&m=2&density=0.05&importance=0.9');
    run.step(120);
    const snap = run.snapshot();
    return {
      light: snap.svg('bars', 560, 400, 'light'),
      dark: snap.svg('hidden', 560, 400, 'dark', 1.0, 0.2),
      name: snap.file_name('bars', 'light', 'svg'),
      fingerprint: run.fingerprint(),
      settings: run.settings,
    };
  });
  assert.match(out.light, /<rect[^>]*fill="#FFFFFF"/);
  assert.match(out.dark, /<rect[^>]*fill="#16161A"/);
  const meta = out.light.match(/<tms:run ([^>]*)\/>/)[1];
  assert.match(meta, new RegExp(`fingerprint="${out.fingerprint}"`));
  assert.match(meta, /step="120"/);
  assert.match(meta, new RegExp(`settings="${out.settings.replaceAll('&', '&amp;')}"`));
  assert.match(meta, /link="v=4&amp;model=relu-output&amp;.*step=120&amp;view=bars"/);
  for (const svg of [out.light, out.dark]) assert.doesNotMatch(svg, /_\{|\^\{|\\[a-zA-Z]/);
  assert.equal(out.name, 'tms-relu-output-n5-m2-p0.05-step120-bars-light.svg');
  assert.deepEqual(problems, []);
});

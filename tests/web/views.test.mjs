// Every view draws on a canvas in headless Chromium, at 1x and 2x, is not blank, and answers hovering.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

// How many distinct colours a canvas shows (a blank or single-colour canvas has one).
const colourCount = (canvas) => {
  const { width, height } = canvas;
  const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
  const seen = new Set();
  for (let k = 0; k < data.length; k += 4 * 7) seen.add((data[k] << 16) | (data[k + 1] << 8) | data[k + 2]);
  return seen.size;
};

async function trainedPage(scale, settings) {
  const context = await browser.newContext({ deviceScaleFactor: scale, viewport: { width: 1280, height: 900 } });
  const { page, problems } = await openPage(context, `${server.url}#v=3&${settings}&step=400`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForFunction(() => Number(document.getElementById('step-count').textContent) === 400
    && document.body.dataset.mode === 'idle');
  // Idle at step 400 comes before that step's frame is drawn (on a busy machine, by a good part of a
  // second): wait until every view shows step 400 and each canvas was last drawn at its present size.
  await page.waitForFunction(() => document.body.dataset.drawn === '400'
    && [...document.querySelectorAll('canvas[data-view]')].every((c) => c.clientWidth === 0
      || c.dataset.drawn === `${c.clientWidth}×${c.clientHeight}@${window.devicePixelRatio || 1}`));
  return { context, page, problems };
}

for (const scale of [1, 2]) {
  test(`every view draws, crisp at ${scale}x, for abs n=100 m=40 and the intro model`, async () => {
    for (const settings of ['model=abs&n=100&m=40&density=0.03&importance=0.8&batch=256&steps=10000',
      'model=relu-output&n=5&m=2&density=0.05&importance=0.9&steps=10000']) {
      const { context, page, problems } = await trainedPage(scale, settings);
      const views = await page.$$eval('canvas[data-view]', (cs, f) => cs.map((c) => ({
        view: c.dataset.view,
        width: c.width,
        cssWidth: c.clientWidth,
        colours: new Function(`return (${f})`)()(c),
      })), colourCount.toString());
      const expected = settings.includes('m=2') ? ['bars', 'dynamics', 'graph', 'hidden', 'loss', 'matrix', 'stack'] : ['bars', 'dynamics', 'graph', 'loss', 'matrix', 'stack'];
      assert.deepEqual(views.map((v) => v.view).sort(), expected);
      for (const v of views) {
        assert.equal(v.width, Math.round(v.cssWidth * scale), `${v.view}: canvas pixels follow devicePixelRatio`);
        assert.ok(v.colours > 8, `${v.view} is blank (${v.colours} colours) for ${settings}`);
      }
      await page.screenshot({ path: `${process.env.SCREENSHOTS ?? '/tmp'}/views-${settings.split('&')[0].split('=')[1]}-${scale}x.png`, fullPage: true });
      assert.deepEqual(problems, []);
      await context.close();
    }
  });
}

test('hovering a view names what is under the pointer', async () => {
  const { context, page } = await trainedPage(1, 'model=abs&n=3&m=6&density=1&importance=1&steps=10000');
  const matrix = await page.$('figure[data-view="matrix"] canvas');
  await matrix.scrollIntoViewIfNeeded();
  const box = await matrix.boundingBox();
  // Below the title, the legend and the panel's name: the first column of W₁ᵀ.
  await page.mouse.move(box.x + 70, box.y + 110);
  assert.match(await page.textContent('figure[data-view="matrix"] output'), /^W₁ᵀ: feature \d, neuron \d = -?\d/);
  const stackCanvas = await page.$('figure[data-view="stack"] canvas');
  await stackCanvas.scrollIntoViewIfNeeded();
  const stack = await stackCanvas.boundingBox();
  await page.mouse.move(stack.x + stack.width / 2, stack.y + stack.height - 50);
  assert.match(await page.textContent('figure[data-view="stack"] output'), /neuron \d/);
  await context.close();
});

test('sweep panels and the dimensionality figure draw in the browser', async () => {
  const { page, problems } = await openPage(browser, server.url);
  await page.waitForSelector('body[data-ready="true"]');
  const result = await page.evaluate(async () => {
    const tms = await import('./pkg/tms_explorer.js');
    const panels = new tms.Panels();
    for (const density of [1, 0.1, 0.01]) {
      const run = new tms.Run(`model=relu-output&n=20&m=5&importance=0.7&batch=256&density=${density}`);
      run.step(300);
      panels.add(run.snapshot());
      run.free();
    }
    const out = {};
    for (const view of ['stack', 'bars', 'matrix', 'hidden', 'dimensionality']) {
      const canvas = document.createElement('canvas');
      canvas.style.cssText = 'width: 800px; height: 400px; display: block';
      document.body.append(canvas);
      panels.draw(canvas, view, 'light', 1);
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      const seen = new Set();
      for (let k = 0; k < data.length; k += 28) seen.add((data[k] << 16) | (data[k + 1] << 8) | data[k + 2]);
      out[view] = seen.size;
    }
    out.pick = panels.pick('dimensionality', 800, 400, 400, 200);
    return out;
  });
  for (const view of ['stack', 'bars', 'matrix', 'hidden', 'dimensionality']) {
    assert.ok(result[view] > 8, `${view} panels are blank`);
  }
  assert.equal(typeof result.pick, 'string');
  assert.deepEqual(problems, []);
});

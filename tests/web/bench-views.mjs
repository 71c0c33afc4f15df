// Benchmark (run by hand: node tests/web/bench-views.mjs): how long redrawing every view of a trained
// abs n=100 m=40 model takes in headless Chromium, at 1x and 2x. Prints the median of 30 redraws.
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';

const server = await startServer();
const browser = await launch();
try {
  for (const scale of [1, 2]) {
    const context = await browser.newContext({ deviceScaleFactor: scale, viewport: { width: 1280, height: 900 } });
    const { page } = await openPage(context, server.url);
    await page.waitForSelector('body[data-ready="true"]');
    const result = await page.evaluate(async () => {
      const tms = await import('./pkg/tms_explorer.js');
      const run = new tms.Run('model=abs&n=100&m=40&density=0.01&importance=0.8');
      run.step(2000);
      const canvases = [...document.querySelectorAll('canvas[data-view]')];
      const times = { all: [] };
      for (let k = 0; k < 30; k++) {
        const start = performance.now();
        const snap = run.snapshot();
        (times.snapshot ??= []).push(performance.now() - start);
        for (const c of canvases) {
          const t0 = performance.now();
          snap.draw(c, c.dataset.view, 'light', window.devicePixelRatio, 0.6, 0.35);
          (times[c.dataset.view] ??= []).push(performance.now() - t0);
        }
        snap.free();
        times.all.push(performance.now() - start);
      }
      const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v).toFixed(2)]));
    });
    console.log(`${scale}x, ms per redraw (median of 30):`, JSON.stringify(result));
    await context.close();
  }
} finally {
  await browser.close();
  server.stop();
}

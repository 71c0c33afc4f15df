// Benchmark (run by hand: node tests/web/bench-corners.mjs): at each large corner, what one step, one
// view_bytes, one Snapshot.from_bytes and each view's draw cost on the page's thread (with the canvas's
// rasterising of it, which the browser would otherwise do in the frame's commit), in ms (the
// least of three, so JIT warm-up and a busy machine count less).
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';

const cases = [
  'model=abs&n=1000&m=1000&batch=16',
  'model=relu-output&n=1000&m=1000&batch=16&density=1',
  'model=abs&n=1000&m=16&batch=1024',
  'model=relu-hidden&n=1000&m=1000&batch=16',
  'model=linear&n=1000&m=1000&batch=16',
];
const server = await startServer();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page } = await openPage(context, server.url);
  await page.waitForSelector('body[data-ready="true"]');
  for (const settings of cases) {
    const result = await page.evaluate(async (s) => {
      const tms = await import('./pkg/tms_explorer.js');
      const canvases = [...document.querySelectorAll('canvas[data-view]')];
      const run = new tms.Run(s);
      const t = {};
      const time = (k, f) => { const t0 = performance.now(); const r = f(); t[k] = Math.min(t[k] ?? Infinity, Math.round(performance.now() - t0)); return r; };
      for (let rep = 0; rep < 3; rep++) {
      time('step', () => run.step(1));
      const bytes = time('view_bytes', () => run.view_bytes());
      const snap = time('from_bytes', () => tms.Snapshot.from_bytes(bytes));
      for (const view of ['stack', 'matrix', 'graph', 'bars', 'hidden', 'loss', 'dynamics']) {
        const c = canvases[0];
        // Reading a pixel back makes the canvas rasterise what it was given now, not in the frame's commit.
        time(view, () => { try { snap.draw(c, view, 'light', 1, 0.6, 0.35); c.getContext('2d').getImageData(0, 0, 1, 1); } catch (e) { return e; } });
      }
      snap.free();
      }
      run.free();
      return t;
    }, settings);
    console.log(settings, JSON.stringify(result));
  }
  await context.close();
} finally {
  await browser.close();
  server.stop();
}

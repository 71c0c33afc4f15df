// Benchmark (run by hand): how long the page takes to show a step of a trained run, from the seek to
// every view drawn for that step, for a 10,000-step abs n = 100, m = 40 run, and the memory its timeline keeps.
//   node tests/web/bench-seek.mjs [seeks per run]
import { startServer } from './server.mjs';
import { launch } from './browser.mjs';

const seeks = Number(process.argv[2] ?? 40);
const server = await startServer();
const browser = await launch();
for (const density of ['0.01', '1']) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${server.url}#v=3&model=abs&n=100&m=40&density=${density}&importance=0.8&steps=10000&step=10000&view=stack`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  await page.waitForFunction(() => document.getElementById('step-count').textContent === '10000' && document.body.dataset.mode === 'idle', null, { timeout: 600000 });
  const times = await page.evaluate(async (count) => {
    const t = document.getElementById('timeline');
    // Checked at every animation frame, so when it holds the frame with the drawing has been painted.
    const until = (holds) => new Promise((resolve) => {
      const check = () => (holds() ? resolve() : requestAnimationFrame(check));
      check();
    });
    const out = [];
    let seed = 7;
    for (let k = 0; k < count; k++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const step = 1 + (seed % 9999);
      const t0 = performance.now();
      t.value = String(step);
      t.dispatchEvent(new Event('input', { bubbles: true }));
      // The step's numbers shown and every view on the page drawn for it (data-drawn is the step of the
      // snapshot all views show).
      await until(() => Number(document.getElementById('step-count').textContent) === step && document.body.dataset.mode === 'idle' && document.body.dataset.drawn === String(step));
      out.push(performance.now() - t0);
    }
    return out;
  }, seeks);
  times.sort((a, b) => a - b);
  const title = await page.getAttribute('#timeline', 'title');
  console.log(`abs n=100 m=40 1−S=${density}, 10,000 steps: seek to views drawn median ${times[times.length >> 1].toFixed(0)} ms, 90th ${times[Math.floor(times.length * 0.9)].toFixed(0)} ms, worst ${times.at(-1).toFixed(0)} ms over ${seeks} seeks; ${title.match(/every \d+ steps.*MB\)/)[0]}`);
  await page.close();
}
await browser.close();
server.stop();

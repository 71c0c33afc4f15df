// Benchmark (run by hand): how long the page takes to show a step of a trained run, from the seek to
// the frame drawn, for a 10,000-step abs n = 100, m = 40 run, and the memory its timeline keeps.
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
    const shownAt = (step) => new Promise((resolve) => {
      const check = () => (Number(document.getElementById('step-count').textContent) === step && document.body.dataset.mode === 'idle' ? resolve() : requestAnimationFrame(check));
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
      await shownAt(step);
      // …and the views drawn for it: two animation frames later.
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      out.push(performance.now() - t0);
    }
    return out;
  }, seeks);
  times.sort((a, b) => a - b);
  const title = await page.getAttribute('#timeline', 'title');
  console.log(`abs n=100 m=40 1−S=${density}, 10,000 steps: seek and draw median ${times[times.length >> 1].toFixed(0)} ms, worst ${times.at(-1).toFixed(0)} ms over ${seeks} seeks; ${title.match(/every \d+ steps.*MB\)/)[0]}`);
  await page.close();
}
await browser.close();
server.stop();

// Benchmark (run by hand: node tests/web/bench-page.mjs [www folder]): the page in headless Chromium.
// 1. For each `tms bench` case, steps per second while Play trains in the page, against `Run.step`
//    alone in the same page (the trainer's own rate): the ratio is what playing costs.
// 2. Frame lengths and main-thread tasks over 50 ms (Long Tasks API) while playing abs n=100 m=40.
// 3. How long the relu-output n=20 m=5 preset (1−S = 0.01) takes to reach 10,000 steps.
// The folder argument serves another build of the page (e.g. an older checkout's www/) for comparison.
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';

const server = await startServer(process.argv[2]);
const browser = await launch();
const MEASURE_MS = 4000;

const stepCount = (page) => page.evaluate(() => Number(document.getElementById('step-count').textContent));
// Play and Pause are one button whose meaning follows the trainer's mode, which the worker reports a
// moment after a click or a new link: each waits for the mode it starts from and the one it asks for
// (a click while the last mode was still on its way would toggle the wrong way).
const mode = (page, m) => page.waitForFunction((want) => document.body.dataset.mode === want, m, { timeout: 120000 });
async function play(page) {
  await mode(page, 'idle');
  await page.click('#play');
  await mode(page, 'playing');
}
async function pause(page) {
  await page.click('#play');
  await mode(page, 'idle');
}

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page } = await openPage(context, server.url);
  await page.waitForSelector('body[data-ready="true"]');
  const cases = await page.evaluate(async () => JSON.parse((await import('./pkg/tms_explorer.js')).bench_cases()));
  console.log('case                                   playing  Run.step  ratio  (steps/s)');
  for (const c of cases) {
    // Run.step alone, in this page's thread: warm up, then as many steps as fit in the window.
    const alone = await page.evaluate(async ([settings, ms]) => {
      const tms = await import('./pkg/tms_explorer.js');
      await tms.default();
      const run = new tms.Run(settings);
      run.step(200);
      let steps = 0;
      const start = performance.now();
      while (performance.now() - start < ms) {
        run.step(20);
        steps += 20;
      }
      const rate = steps / ((performance.now() - start) / 1000);
      run.free();
      return rate;
    }, [c.settings, MEASURE_MS / 2]);
    // Playing: a budget it cannot reach in the window, from step 200 on.
    await page.evaluate((f) => { window.location.hash = f; }, `v=3&${c.settings.replace(/steps=\d+/, 'steps=10000000')}&step=0`);
    await page.waitForFunction(() => document.getElementById('step-count').textContent === '0');
    await play(page);
    await page.waitForFunction(() => Number(document.getElementById('step-count').textContent) >= 200, null, { timeout: 120000 });
    const [t0, s0] = [Date.now(), await stepCount(page)];
    await page.waitForTimeout(MEASURE_MS);
    const [t1, s1] = [Date.now(), await stepCount(page)];
    await pause(page);
    const playing = (s1 - s0) / ((t1 - t0) / 1000);
    console.log(`${c.name.padEnd(38)} ${playing.toFixed(0).padStart(7)}  ${alone.toFixed(0).padStart(8)}  ${(playing / alone).toFixed(2).padStart(5)}`);
  }

  // Frames while playing abs n=100 m=40 at 1−S = 0.01.
  await page.evaluate(() => { window.location.hash = 'v=3&model=abs&n=100&m=40&density=0.01&importance=0.8&steps=10000&step=0&view=stack'; });
  await page.waitForFunction(() => document.getElementById('step-count').textContent === '0');
  await play(page);
  await page.waitForFunction(() => Number(document.getElementById('step-count').textContent) >= 500);
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => window.longTasks.push(e.duration))).observe({ type: 'longtask' });
    window.frames_ = [];
    let last = performance.now();
    const tick = (now) => { window.frames_.push(now - last); last = now; if (window.frames_.length < 330) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  await page.waitForFunction(() => window.frames_.length >= 330, null, { timeout: 120000 });
  await pause(page);
  const frames = (await page.evaluate(() => window.frames_)).slice(30).sort((a, b) => a - b);
  const q = (p) => frames[Math.min(frames.length - 1, Math.floor(p * frames.length))].toFixed(1);
  const longTasks = await page.evaluate(() => window.longTasks);
  console.log(`abs n=100 m=40 playing: ${frames.length} frames; median ${q(0.5)} ms, 95th ${q(0.95)} ms, longest ${q(1)} ms; main-thread tasks over 50 ms: ${longTasks.length}${longTasks.length ? ` (longest ${Math.max(...longTasks).toFixed(0)} ms)` : ''}`);

  const times = [];
  for (let k = 0; k < 3; k++) {
    await page.evaluate(() => { window.location.hash = 'v=3&model=relu-output&n=20&m=5&density=0.01&importance=0.7&step=0&view=bars'; });
    await page.waitForFunction(() => document.getElementById('step-count').textContent === '0');
    await mode(page, 'idle');
    const start = await page.evaluate(() => performance.now());
    // (Not `play`: the run can reach its budget, and stop, before 'playing' is seen.)
    await page.click('#play');
    await page.waitForFunction(() => document.getElementById('step-count').textContent === '10000', null, { timeout: 120000 });
    times.push((await page.evaluate(() => performance.now())) - start);
    await page.evaluate(() => { window.location.hash = 'v=3&model=relu-output&n=5&m=2&step=0'; });
    await page.waitForFunction(() => document.getElementById('step-count').textContent === '0');
  }
  times.sort((a, b) => a - b);
  console.log(`relu-output n=20 m=5, 1−S = 0.01, to 10,000 steps in the page: median ${(times[1] / 1000).toFixed(2)} s (runs: ${times.map((t) => (t / 1000).toFixed(2)).join(', ')})`);
} finally {
  await browser.close();
  server.stop();
}

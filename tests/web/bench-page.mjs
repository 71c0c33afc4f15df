// Benchmark (run by hand: node tests/web/bench-page.mjs): the page in headless Chromium.
// 1. Frame lengths while playing the abs n=100 m=40 preset, from step 500 on, and the main thread's
//    tasks over 50 ms (Long Tasks API) in that time.
// 2. How long the relu-output n=20 m=5 preset (1−S = 0.01) takes to reach 10,000 steps.
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';

const server = await startServer();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page } = await openPage(context, server.url);
  await page.waitForSelector('body[data-ready="true"]');
  await page.selectOption('#preset', 'abs-0.01');
  // Measure steady training: from step 500 on (after the wasm code has been optimised).
  await page.click('#play');
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
  await page.click('#play');
  const frames = (await page.evaluate(() => window.frames_)).slice(30).sort((a, b) => a - b);
  const q = (p) => frames[Math.min(frames.length - 1, Math.floor(p * frames.length))].toFixed(1);
  const longTasks = await page.evaluate(() => window.longTasks);
  console.log(`abs n=100 m=40 playing: ${frames.length} frames; median ${q(0.5)} ms, 95th ${q(0.95)} ms, longest ${q(1)} ms; steps reached ${await page.textContent('#step-count')}; main-thread tasks over 50 ms: ${longTasks.length}${longTasks.length ? ` (longest ${Math.max(...longTasks).toFixed(0)} ms)` : ''}`);

  const times = [];
  for (let k = 0; k < 3; k++) {
    await page.selectOption('#preset', 'intro-1');
    await page.selectOption('#preset', 'basic-relu-0.01');
    const start = await page.evaluate(() => performance.now());
    await page.click('#play');
    await page.waitForFunction(() => document.getElementById('step-count').textContent === '10000', null, { timeout: 120000 });
    times.push((await page.evaluate(() => performance.now())) - start);
  }
  times.sort((a, b) => a - b);
  console.log(`relu-output n=20 m=5, 1−S = 0.01, to 10,000 steps in the page: median ${(times[1] / 1000).toFixed(2)} s (runs: ${times.map((t) => (t / 1000).toFixed(2)).join(', ')})`);
} finally {
  await browser.close();
  server.stop();
}

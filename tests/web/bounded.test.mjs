// No input the parser accepts freezes the tab: the corners of the accepted input space, watched with the
// browser's own long-task observer (every task over 50 ms is reported), and Pause taking effect fast.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';
import { idle, ready } from './helpers.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

const LONGEST_MS = 250;

async function watched(url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.longTasks.push(Math.round(e.duration));
    }).observe({ type: 'longtask', buffered: true });
  });
  const { page, problems } = await openPage(context, url);
  await ready(page);
  return { context, page, problems };
}

const longest = async (page) => Math.max(0, ...(await page.evaluate(() => window.longTasks)));

// Every corner says the longest task it saw, passed or not (the issue asks for these figures); a
// frozen page fails on the test's deadline instead of hanging the run.
const DEADLINE = { timeout: 240000 };
async function reporting(what, context, page, body) {
  try {
    await body();
  } finally {
    const tasks = await page.evaluate(() => window.longTasks).catch(() => null);
    console.log(`${what}: longest task ${tasks ? Math.max(0, ...tasks) : '?'} ms of ${tasks?.length ?? '?'} over 50 ms`);
    await context.close();
  }
}

// Lets the page work for `frames` animation frames (a condition, not a clock: frames only come when
// the page's thread is free).
const frames = (page, count) => page.evaluate((n) => new Promise((resolve) => {
  let k = 0;
  const tick = () => (++k >= n ? resolve() : requestAnimationFrame(tick));
  requestAnimationFrame(tick);
}), count);

// Stops what trains the way a person would (Pause while playing; the progress box's Cancel during a
// fast-forward, where the button reads Play) and returns how long until the page showed it stopped.
async function pauseLatency(page) {
  return page.evaluate(() => new Promise((resolve) => {
    const t0 = performance.now();
    document.getElementById(document.body.dataset.mode === 'playing' ? 'play' : 'rebuild-cancel').click();
    const check = () => (document.body.dataset.mode === 'idle' ? resolve(performance.now() - t0) : requestAnimationFrame(check));
    requestAnimationFrame(check);
  }));
}

// The largest corners of the input space. What kept them over the bound (issue 12): 11,000 rectangles
// of the n = m = 1000 stack plot (now one image), the large view drawn twice in one task (a resize
// observer on the views' box), and the probe's 1,000 cells and 2,000 readout options made in one task.
const corners = [
  ['the largest model, batch and step', 'v=3&model=abs&n=1000&m=1000&batch=16384&steps=10000000&step=10000000&view=matrix'],
  ['the largest tied model', 'v=3&model=relu-output&n=1000&m=1000&batch=16384&density=1&steps=10000000&step=10000000&view=matrix'],
  ['many features on few neurons', 'v=3&model=abs&n=1000&m=16&batch=1024&steps=10000&step=3600&view=graph'],
];

for (const [what, link] of corners) {
  test(`${what}: no task over ${LONGEST_MS} ms, and Pause stops at once`, DEADLINE, async () => {
    const { context, page, problems } = await watched(`${server.url}#${link}`);
    await reporting(what, context, page, async () => {
      // The link's fast-forward is under way and the views are being drawn.
      await page.waitForFunction(() => Number(document.getElementById('step-count').textContent) >= 2, null, { timeout: 120000 });
      await frames(page, 30);
      const latency = await pauseLatency(page);
      assert.ok(latency <= LONGEST_MS, `Pause took ${Math.round(latency)} ms`);
      await page.click('#play');
      await page.waitForFunction(() => document.body.dataset.mode === 'playing');
      await frames(page, 30);
      const again = await pauseLatency(page);
      assert.ok(again <= LONGEST_MS, `Pause took ${Math.round(again)} ms while playing`);
      const worst = await longest(page);
      console.log(`${what}: pause ${Math.round(latency)} / ${Math.round(again)} ms`);
      assert.ok(worst <= LONGEST_MS, `a task of ${worst} ms (${JSON.stringify(await page.evaluate(() => window.longTasks))})`);
      assert.deepEqual(problems, []);
    });
  });
}

// Its huge model is the abs n = 1000, m = 16 corner above.
test(`a tiny model then a huge one: pacing is the new run's own (no task over ${LONGEST_MS} ms)`, DEADLINE, async () => {
  const { context, page, problems } = await watched(`${server.url}#v=3&model=linear&n=1&m=1&batch=1&steps=100000&step=0`);
  await reporting('a tiny model then a huge one', context, page, async () => {
    await page.click('#play');
    await page.waitForFunction(() => Number(document.getElementById('step-count').textContent) > 20000);
    await page.click('#play');
    await idle(page);
    await page.evaluate(() => { window.location.hash = 'v=3&model=abs&n=1000&m=16&batch=1024&steps=10000&step=3600'; });
    await page.waitForFunction(() => document.body.dataset.mode === 'job');
    await frames(page, 30);
    const latency = await pauseLatency(page);
    assert.ok(latency <= LONGEST_MS, `Pause took ${Math.round(latency)} ms`);
    const worst = await longest(page);
    assert.ok(worst <= LONGEST_MS, `a task of ${worst} ms`);
    assert.deepEqual(problems, []);
  });
});

test(`the settings form at its maxima: applied through the caps, no task over ${LONGEST_MS} ms`, DEADLINE, async () => {
  const { context, page, problems } = await watched(server.url);
  await reporting('the settings form at its maxima', context, page, async () => {
    await page.evaluate(() => {
      const set = (key, value) => { document.getElementById(`setting-${key}`).value = value; };
      set('model', 'abs');
      set('n', '1000');
      set('m', '1000');
      set('batch', '16384');
      document.getElementById('setting-batch').dispatchEvent(new Event('change', { bubbles: true }));
    });
    await page.waitForFunction(() => document.getElementById('setting-batch-problem').textContent !== '');
    await page.click('#step');
    await idle(page, 120000);
    await page.click('#step100');
    await page.waitForFunction(() => document.body.dataset.mode === 'job');
    await frames(page, 20);
    const latency = await pauseLatency(page);
    assert.ok(latency <= LONGEST_MS, `Pause took ${Math.round(latency)} ms during ×100`);
    const worst = await longest(page);
    assert.ok(worst <= LONGEST_MS, `a task of ${worst} ms`);
    assert.deepEqual(problems, []);
  });
});

// The embed API's `step` at its largest n, on the largest model: the host's steps train in slices like
// the page's own, the views keep being drawn within bounds, and the host's `pause` stops them at once.
test(`the host's step at its maximum on the largest model: no task over ${LONGEST_MS} ms, and the host's pause stops it at once`, DEADLINE, async () => {
  const { context, page, problems } = await watched(`${server.url}?embed=1&views=stack,matrix,graph#v=3&model=abs&n=1000&m=1000&batch=16384&steps=10000000&step=0`);
  await reporting("the host's step at its maximum", context, page, async () => {
    // The page is its own host here (an embed answers messages from its parent window).
    const replies = await page.evaluate(() => {
      window.replies = [];
      window.addEventListener('message', (e) => { if (e.data?.tms === 1 && e.data.re) window.replies.push(e.data); });
      window.postMessage({ tms: 1, type: 'step', n: 100000, id: 'max' }, '*');
      return window.replies.length;
    });
    assert.equal(replies, 0);
    await page.waitForFunction(() => document.body.dataset.mode === 'job');
    await page.waitForFunction(() => Number(document.getElementById('step-count').textContent) >= 2, null, { timeout: 120000 });
    await frames(page, 30);
    const latency = await page.evaluate(() => new Promise((resolve) => {
      const t0 = performance.now();
      window.postMessage({ tms: 1, type: 'pause', id: 'stop' }, '*');
      const check = () => (document.body.dataset.mode === 'idle' ? resolve(performance.now() - t0) : requestAnimationFrame(check));
      requestAnimationFrame(check);
    }));
    console.log(`the host's step at its maximum: pause ${Math.round(latency)} ms`);
    assert.ok(latency <= LONGEST_MS, `the host's pause took ${Math.round(latency)} ms`);
    // The step command is answered where it stopped, short of its 100,000 steps.
    await page.waitForFunction(() => window.replies.some((r) => r.re === 'max'));
    const answer = await page.evaluate(() => window.replies.find((r) => r.re === 'max'));
    assert.equal(answer.type, 'state');
    assert.ok(answer.step >= 2 && answer.step < 100000, `stopped at step ${answer.step}`);
    const worst = await longest(page);
    assert.ok(worst <= LONGEST_MS, `a task of ${worst} ms (${JSON.stringify(await page.evaluate(() => window.longTasks))})`);
    assert.deepEqual(problems, []);
  });
});

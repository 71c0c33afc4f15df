// Benchmark (run by hand: node tests/web/bench-sweep.mjs [abs] [restarts] [lockstep] [preset]
// [preset-rows]): the
// page's sweeps in headless Chromium's worker pool, from opening the link to the last panel.
// - restarts and lockstep (the default: both, one after the other): the page's restart rate for
//   relu-hidden n=10 m=5 (batch 1024, six densities of the privileged-basis figure, 40 restarts of each,
//   2,000 steps) in the rows order and in the lockstep order, in restart-steps/s, beside the page's own
//   estimate (the cost model), and what that rate makes of the best-of-1000 preset.
// - preset (and preset-rows: the same sweep in the rows order, whose rate depends on the density): the
//   best-of-1000 preset's estimate before Start (the cost model's, then the one measured on this
//   machine) against the time its first 90 s of training make of the whole sweep.
// - abs: the paper's abs sparsity sweep (abs n=100 m=40, I=0.8^i, seven densities, 10,000 steps, batch
//   1024, one restart).
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';

const ABS = 'v=4&model=abs&n=100&m=40&importance=0.8&batch=1024&steps=10000&seed=0&sweep=density&values=1,0.3,0.1,0.03,0.01,0.003,0.001&restarts=1&step=10000&view=stack';
const RESTARTS = 'v=4&model=relu-hidden&n=10&m=5&importance=0.75&batch=1024&steps=2000&seed=0&sweep=density&values=0.75,0.35,0.15,0.12,0.06,0.04&restarts=40&step=2000&view=stack';
const LINKS = { abs: ABS, restarts: RESTARTS, lockstep: RESTARTS.replace('&seed=0', '&order=lockstep&seed=0') };
const which = process.argv.slice(2);
const cases = which.length ? which : ['restarts', 'lockstep'];
const server = await startServer();
const browser = await launch();
try {
  for (const name of cases) {
    if (name === 'preset' || name === 'preset-rows') {
      await preset(name === 'preset-rows');
      continue;
    }
    const link = LINKS[name];
    const { page } = await openPage(browser, server.url);
    await page.waitForSelector('body[data-ready="true"]');
    const start = Date.now();
    await page.evaluate((l) => { window.location.hash = l; }, link);
    await page.waitForFunction(() => window.tmsSweep);
    await page.waitForSelector('body[data-sweep="done"]', { timeout: 1200000 });
    const secs = (Date.now() - start) / 1000;
    const s = await page.evaluate(() => ({
      workers: window.tmsSweep.size,
      estimate: window.tmsSweep.estimate,
      steps: window.tmsSweep.jobs.reduce((n, j) => n + j.step, 0),
    }));
    if (name === 'abs') {
      console.log(`abs n=100 m=40 seven-density sweep, 10,000 steps: ${secs.toFixed(1)} s in headless Chromium (${s.workers} workers; the page estimated ${s.estimate.toFixed(0)} s)`);
    } else {
      const rate = s.steps / secs;
      const preset = (6 * 1000 * 10000) / rate;
      console.log(`relu-hidden n=10 m=5 (${name === 'lockstep' ? 'lockstep' : 'rows'} order), 6 densities × 40 restarts × 2,000 steps: ${secs.toFixed(1)} s, ${Math.round(rate).toLocaleString('en')} restart-steps/s with ${s.workers} workers (the page estimated ${s.estimate.toFixed(1)} s); best of 1000 (6 × 1000 × 10,000 steps) at this rate: ${(preset / 60).toFixed(1)} min`);
    }
    await page.close();
  }
} finally {
  await browser.close();
  server.stop();
}

async function preset(rows) {
  const { page } = await openPage(browser, server.url);
  await page.waitForSelector('body[data-ready="true"]');
  await page.selectOption('#preset', 'sweep-privileged-1000');
  if (rows) {
    await page.waitForFunction(() => window.tmsSweep?.measured);
    await page.evaluate(() => { window.location.hash = window.tmsSweep.plan.fragment.replace('order=lockstep', 'order=rows'); });
    await page.waitForFunction(() => window.tmsSweep?.plan.fragment.includes('order=rows'));
  }
  await page.waitForFunction(() => window.tmsSweep?.measured);
  const before = await page.evaluate(() => ({
    model: window.tmsSweep.plan.estimate_seconds / window.tmsSweep.size,
    measured: window.tmsSweep.estimate,
    rates: window.tmsSweep.measured.rates,
  }));
  await page.click('#sweep-go');
  await page.waitForFunction(() => window.tmsSweep.jobs.some((j) => j.step > 0));
  const start = await page.evaluate(() => ({ t: performance.now(), steps: window.tmsSweep.jobs.reduce((n, j) => n + j.step, 0) }));
  await page.waitForFunction((t) => performance.now() - t > 90000, start.t, { timeout: 200000, polling: 1000 });
  const end = await page.evaluate(() => ({ t: performance.now(), steps: window.tmsSweep.jobs.reduce((n, j) => n + j.step, 0) }));
  await page.click('#sweep-cancel');
  const rate = (end.steps - start.steps) / ((end.t - start.t) / 1000);
  const projected = (6 * 1000 * 10000) / rate;
  const min = (s) => `${(s / 60).toFixed(1)} min`;
  console.log(`best-of-1000 preset${rows ? ' in the rows order' : ''}: estimated before Start ${min(before.measured)} (measured: ${before.rates.map((r) => Math.round(r)).join(', ')} restart-steps/s a worker; the cost model said ${min(before.model)}); its first 90 s trained ${Math.round(rate).toLocaleString('en')} restart-steps/s, so ${min(projected)} for the whole sweep (measured ÷ projected: ${(before.measured / projected).toFixed(2)})`);
  await page.close();
}

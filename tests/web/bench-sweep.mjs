// Benchmark (run by hand: node tests/web/bench-sweep.mjs): the paper's abs sparsity sweep (abs n=100
// m=40, I=0.8^i, seven densities, 10,000 steps, batch 1024, one restart) in headless Chromium's worker
// pool, from opening the link to the last panel.
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';

const LINK = 'v=3&model=abs&n=100&m=40&importance=0.8&batch=1024&steps=10000&seed=0&sweep=density&values=1,0.3,0.1,0.03,0.01,0.003,0.001&restarts=1&step=10000&view=stack';
const server = await startServer();
const browser = await launch();
try {
  const { page } = await openPage(browser, server.url);
  await page.waitForSelector('body[data-ready="true"]');
  const start = Date.now();
  await page.evaluate((link) => { window.location.hash = link; }, LINK);
  await page.waitForSelector('body[data-sweep="done"]', { timeout: 600000 });
  const secs = (Date.now() - start) / 1000;
  const workers = await page.evaluate(() => navigator.hardwareConcurrency);
  console.log(`abs n=100 m=40 seven-density sweep, 10,000 steps: ${secs.toFixed(1)} s in headless Chromium (${workers} workers)`);
} finally {
  await browser.close();
  server.stop();
}

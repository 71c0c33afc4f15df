// The page in a second engine: headless Firefox ESR (Debian's firefox-esr) driven through geckodriver with
// selenium-webdriver (Playwright cannot drive Debian's Firefox). A link for each kind of model opens on
// exactly the weights `tms train --link` gives natively, trained in the page's worker, with no console
// error. .ci/test installs both and sets GECKODRIVER; FIREFOX overrides the browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Builder } from 'selenium-webdriver';
import firefox from 'selenium-webdriver/firefox.js';
import logInspector from 'selenium-webdriver/bidi/logInspector.js';
import { startServer } from './server.mjs';

const tms = process.env.TMS_BIN ?? fileURLToPath(new URL('../../target/release/tms', import.meta.url));
const nativeFingerprint = (fragment) => execFileSync(tms, ['train', '--link', fragment], { encoding: 'utf8', stdio: 'pipe' }).match(/fingerprint ([0-9a-f]{16})/)[1];

let server;
let driver;
const problems = [];

before(async () => {
  server = await startServer();
  const options = new firefox.Options()
    .setBinary(process.env.FIREFOX ?? '/usr/bin/firefox-esr')
    .addArguments('-headless')
    .windowSize({ width: 1280, height: 800 })
    // WebDriver BiDi: the console and uncaught errors of the page arrive as log entries.
    .enableBidi();
  const service = new firefox.ServiceBuilder(process.env.GECKODRIVER ?? join(homedir(), '.cargo/bin/geckodriver'));
  // Starting Firefox and its BiDi socket can fail on a loaded machine ('socket hang up' while the
  // browser is still starting; seen once in a CI run where the other test files ran alongside): that is
  // the harness failing to start, not the page failing, so a fresh browser gets two more attempts.
  for (let attempt = 1; ; attempt += 1) {
    try {
      driver = await new Builder().forBrowser('firefox').setFirefoxOptions(options).setFirefoxService(service).build();
      const logs = await logInspector(driver);
      await logs.onLog((entry) => {
        if (entry.level === 'error') problems.push(`${entry.type}: ${entry.text}`);
      });
      break;
    } catch (e) {
      await driver?.quit().catch(() => {});
      driver = undefined;
      if (attempt === 3) throw e;
      console.log(`# Firefox did not start (attempt ${attempt}: ${e.message}); starting a fresh one`);
    }
  }
});
after(async () => { await driver?.quit(); server?.stop(); });

// Waits, with a deadline, until the page is idle (not playing, no fast-forward) showing `step`.
const idleAt = (step, timeout = 90000) => driver.wait(
  () => driver.executeScript(
    (s) => document.body.dataset.ready === 'true' && document.body.dataset.mode === 'idle'
      && Number(document.getElementById('step-count').textContent) === s,
    step,
  ),
  timeout,
  `the page did not become idle at step ${step}`,
);

const links = {
  abs: 'v=3&model=abs&n=100&m=40&density=0.01&importance=0.8&step=1000&view=stack',
  'relu-hidden': 'v=3&model=relu-hidden&hidden-bias=1&n=10&m=5&density=0.35&importance=0.75&seed=3&step=3000&view=hidden',
  'relu-output': 'v=3&model=relu-output&n=20&m=5&density=0.01&importance=0.7&steps=10000&seed=0&step=8000&view=bars',
};

for (const [model, link] of Object.entries(links)) {
  test(`in Firefox, the ${model} link opens on the native fingerprint, trained in the worker`, async () => {
    problems.length = 0;
    // A new document each time (a link differing only in its fragment would not reload the page).
    await driver.get('about:blank');
    await driver.get(`${server.url}#${link}`);
    const step = Number(link.match(/&step=(\d+)/)[1]);
    await idleAt(step);
    const fingerprint = await driver.executeScript(() => document.getElementById('fingerprint').textContent);
    assert.equal(fingerprint, nativeFingerprint(link));
    assert.equal(await driver.executeScript(() => document.body.dataset.engine), 'worker');
    assert.deepEqual(problems, []);
  });
}

// Embeds in an article (headless Chromium): ready, driven by the host, sandboxed, polite when scrolled
// away, and unbreakable by malformed messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

// The article with every embed loaded (a tall window, since embeds load lazily).
async function article(height = 4200) {
  const context = await browser.newContext({ viewport: { width: 1000, height } });
  const { page, problems } = await openPage(context, `${server.url}article.html`);
  await page.waitForFunction(() => ['intro', 'neurons', 'abs'].every((e) => window.embedLog?.some((m) => m.embed === e && m.type === 'ready')), null, { timeout: 20000 });
  const events = (embed, type) => page.evaluate(([e, t]) => window.embedLog.filter((m) => m.embed === e && m.type === t), [embed, type]);
  const waitFor = (predicate, arg) => page.waitForFunction(predicate, arg, { timeout: 20000 });
  return { context, page, problems, events, waitFor };
}

test('every embed of the article reaches ready, sandboxed with an opaque origin', async () => {
  const { context, page, problems, events } = await article();
  for (const name of ['intro', 'neurons', 'abs']) {
    const [ready] = await events(name, 'ready');
    assert.match(ready.fragment, /^v=3&model=/);
    assert.equal(ready.origin, 'null', 'a sandbox="allow-scripts" embed has an opaque origin');
    assert.match(await page.getAttribute(`#${name}`, 'sandbox'), /^allow-scripts/);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('a command from the text changes the embed and the state event reports the new fragment', async () => {
  const { context, page, problems, waitFor } = await article();
  await page.click('button[data-embed="neurons"]:has-text("0.04")');
  await waitFor(() => window.embedLog.some((m) => m.embed === 'neurons' && m.type === 'state' && m.fragment.includes('density=0.04')));
  await waitFor(() => window.embedLog.some((m) => m.embed === 'neurons' && m.type === 'progress' && m.step > 100));
  // The abs embed: step, highlight, export.
  await page.click('button[data-command="step"]');
  await waitFor(() => window.embedLog.some((m) => m.embed === 'abs' && m.type === 'state' && m.step === 5000));
  await page.click('button[data-neuron="1"]');
  await page.click('button[data-command="export"]');
  await waitFor(() => window.embedLog.some((m) => m.embed === 'abs' && m.type === 'export'));
  const exported = await page.evaluate(() => window.embedLog.find((m) => m.embed === 'abs' && m.type === 'export'));
  assert.equal(exported.json.step, 5000);
  assert.equal(exported.json.params.W1.length, 6);
  assert.equal(exported.json.params.W1[0].length, 3);
  assert.ok(Number.isInteger(exported.re), 'the reply names the command it answers');
  assert.match(await page.textContent('#abs-export'), /W₁ \(6 × 3\)/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('an embed scrolled out of view stops advancing, and resumes back in view', async () => {
  const { context, page, waitFor } = await article(900);
  await page.locator('#intro').scrollIntoViewIfNeeded();
  // A budget far beyond what it can reach during the test, so only scrolling can stop it.
  await page.evaluate(() => {
    const frame = document.getElementById('intro').contentWindow;
    frame.postMessage({ tms: 1, type: 'setState', fragment: 'v=3&model=relu-output&n=5&m=2&density=0.05&steps=10000000&step=0' }, '*');
    frame.postMessage({ tms: 1, type: 'play' }, '*');
  });
  await waitFor(() => window.embedLog.some((m) => m.embed === 'intro' && m.type === 'progress' && m.step > 200));
  const seen = await page.evaluate(() => window.embedLog.length);
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await waitFor((n) => window.embedLog.slice(n).some((m) => m.embed === 'intro' && m.type === 'state' && !m.playing), seen);
  const paused = await page.evaluate((n) => window.embedLog.slice(n).find((m) => m.embed === 'intro' && m.type === 'state' && !m.playing), seen);
  // While away, asking for its weights shows it has not moved.
  await page.evaluate(() => document.getElementById('intro').contentWindow.postMessage({ tms: 1, type: 'export', id: 'away' }, '*'));
  await waitFor(() => window.embedLog.some((m) => m.re === 'away'));
  const away = await page.evaluate(() => window.embedLog.find((m) => m.re === 'away'));
  assert.equal(away.json.step, paused.step);
  const back = await page.evaluate(() => window.embedLog.length);
  await page.locator('#intro').scrollIntoViewIfNeeded();
  await waitFor((n) => window.embedLog.slice(n).some((m) => m.embed === 'intro' && m.type === 'state' && m.playing), back);
  await waitFor((s) => window.embedLog.some((m) => m.embed === 'intro' && m.type === 'progress' && m.step > s), paused.step);
  await context.close();
});

test('malformed messages get error events and the embed keeps working', async () => {
  const { context, page, problems, waitFor } = await article();
  const bad = [
    'play', 42, null, [1, 2], { type: 'play' }, { tms: 2, type: 'play' }, { tms: 1, type: 'explode' },
    { tms: 1, type: 'step', n: 1e12 }, { tms: 1, type: 'step', n: -1 }, { tms: 1, type: 'step', n: 'ten' },
    { tms: 1, type: 'setState', fragment: 7 }, { tms: 1, type: 'highlight', feature: 2, neuron: 1 },
    { tms: 1, type: 'highlight', feature: 1.5 },
  ];
  const before = await page.evaluate(() => window.embedLog.filter((m) => m.embed === 'abs' && m.type === 'error').length);
  await page.evaluate((messages) => {
    const frame = document.getElementById('abs').contentWindow;
    for (const m of messages) frame.postMessage(m, '*');
  }, bad);
  await waitFor(([n, want]) => window.embedLog.filter((m) => m.embed === 'abs' && m.type === 'error').length >= n + want, [before, bad.length]);
  const errors = await page.evaluate(() => window.embedLog.filter((m) => m.embed === 'abs' && m.type === 'error').map((m) => m.message));
  assert.ok(errors.some((e) => /unknown command "explode"/.test(e)), errors.join('\n'));
  assert.ok(errors.some((e) => /step: n must be a whole number from 1 to 100000/.test(e)));
  assert.ok(errors.some((e) => /must be an object/.test(e)));
  // A bad link through setState is read like any link: adjusted, with notices.
  await page.evaluate(() => document.getElementById('abs').contentWindow.postMessage({ tms: 1, type: 'setState', fragment: 'v=3&model=abs&n=1000000000&m=6' }, '*'));
  await waitFor(() => window.embedLog.some((m) => m.embed === 'abs' && m.type === 'state' && m.notices?.some((n) => n.includes('n = 1000000000 is above the maximum 1000'))));
  // Still working.
  await page.evaluate(() => document.getElementById('abs').contentWindow.postMessage({ tms: 1, type: 'step', n: 3 }, '*'));
  await waitFor(() => window.embedLog.some((m) => m.embed === 'abs' && m.type === 'state' && m.step === 3));
  assert.deepEqual(problems, []);
  await context.close();
});

test('the full explorer copies an embed code for the current run', async () => {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const { page, problems } = await openPage(context, server.url);
  await page.waitForSelector('body[data-ready="true"]');
  await page.selectOption('#preset', 'abs-basic');
  await page.click('#copy-embed');
  const code = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(code, /^<iframe src="http:\/\/[^"]+\?embed=1&amp;views=stack,matrix&amp;controls=play,step,reset#v=3&amp;model=abs&amp;/);
  assert.match(code, /title="Toy model of superposition: abs, n = 3, m = 6, 1−S = 1"/);
  assert.match(code, /loading="lazy"/);
  assert.match(code, /aspect-ratio: 16 \/ 10/);
  // The code works: an embed opened from it shows that run.
  const src = code.match(/src="([^"]+)"/)[1].replaceAll('&amp;', '&');
  const { page: embedded, problems: more } = await openPage(context, src);
  await embedded.waitForSelector('body.embed[data-ready="true"]');
  assert.equal(await embedded.isVisible('header.top'), false);
  assert.equal(await embedded.getAttribute('#open-full', 'href'), `/#${src.split('#')[1]}`);
  assert.deepEqual([...problems, ...more], []);
  await context.close();
});

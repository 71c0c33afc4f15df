// Embeds in an article (headless Chromium): ready, driven by the host, sandboxed, sized to their content,
// polite when scrolled away, and unbreakable by malformed messages; the <tms-explorer> element on a
// host page of another origin with a strict CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';

let server;
let host; // another origin, for host pages
let hostDir;
let browser;
before(async () => {
  server = await startServer();
  hostDir = await mkdtemp(join(tmpdir(), 'tms-host-'));
  host = await startServer(hostDir);
  browser = await launch();
});
after(async () => { await browser?.close(); server?.stop(); host?.stop(); });

const frameOf = (name) => `document.getElementById('${name}').tagName === 'IFRAME' ? document.getElementById('${name}').contentWindow : document.querySelector('#${name} iframe').contentWindow`;

// The article with every embed loaded (a tall window, since embeds load lazily).
async function article(height = 6000) {
  const context = await browser.newContext({ viewport: { width: 1000, height } });
  const { page, problems } = await openPage(context, `${server.url}article.html`);
  await page.waitForFunction(() => ['intro', 'neurons', 'abs', 'phase'].every((e) => window.embedLog?.some((m) => m.embed === e && m.type === 'ready')), null, { timeout: 30000 });
  const events = (embed, type) => page.evaluate(([e, t]) => window.embedLog.filter((m) => m.embed === e && m.type === t), [embed, type]);
  const waitFor = (predicate, arg) => page.waitForFunction(predicate, arg, { timeout: 30000 });
  const post = (name, message) => page.evaluate(([f, m]) => new Function(`return ${f}`)().postMessage(m, '*'), [frameOf(name), message]);
  return { context, page, problems, events, waitFor, post };
}

// A host page on another origin: `body` is its HTML body; `csp` its policy.
async function hostPage(name, body, { csp = "script-src 'self'", width = 800 } = {}) {
  await writeFile(join(hostDir, `${name}.html`), `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}"><link rel="icon" href="data:,"><title>host</title></head><body style="margin:0">${body}</body></html>`);
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  await context.addInitScript(() => { window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective)); });
  const { page, problems } = await openPage(context, `${host.url}${name}.html`);
  return { context, page, problems };
}

test('every embed of the article reaches ready, sandboxed with an opaque origin', async () => {
  const { context, page, problems, events } = await article();
  const [ready] = await events('intro', 'ready');
  assert.match(ready.fragment, /^v=4&model=/);
  assert.equal(ready.origin, 'null', 'a sandbox="allow-scripts" embed has an opaque origin');
  for (const name of ['intro', 'neurons', 'abs', 'phase']) {
    const sandbox = await page.evaluate((n) => (document.querySelector(`iframe#${n}`) ?? document.querySelector(`#${n} iframe`)).getAttribute('sandbox'), name);
    assert.match(sandbox, /^allow-scripts/);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('commands from the text change the embeds and their replies and events say what happened', async () => {
  const { context, page, problems, waitFor } = await article();
  await page.click('button[data-embed="neurons"]:has-text("0.04")');
  await waitFor(() => window.embedLog.some((m) => m.embed === 'neurons' && m.type === 'state' && m.fragment.includes('density=0.04')));
  await waitFor(() => window.embedLog.some((m) => m.embed === 'neurons' && m.type === 'progress' && m.step > 100));
  // The abs element: step, seek, highlight, export — each awaited by the article through its promise.
  await page.click('button[data-command="step"]');
  await waitFor(() => window.embedLog.some((m) => m.embed === 'abs' && m.type === 'state' && m.step === 5000));
  await page.click('button[data-command="seek"]');
  await waitFor(() => window.embedLog.some((m) => m.embed === 'abs' && m.type === 'state' && m.step === 500));
  await page.click('button[data-embed="abs"][data-neuron="1"]');
  await page.click('button[data-command="export"]');
  await waitFor(() => window.embedLog.some((m) => m.embed === 'abs' && m.type === 'export'));
  const exported = await page.evaluate(() => window.embedLog.find((m) => m.embed === 'abs' && m.type === 'export'));
  assert.equal(exported.json.step, 500);
  assert.equal(exported.json.params.W1.length, 6);
  assert.match(await page.textContent('#abs-export'), /W₁ \(6 × 3\)/);
  // The abs embed was asked for the timeline control: it shows the scrubber and nothing else.
  const frame = page.frameLocator('#abs iframe');
  assert.equal(await frame.locator('#timeline').isVisible(), true);
  assert.equal(await frame.locator('#play').isVisible(), false);
  assert.deepEqual(problems, []);
  await context.close();
});

test('an embed scrolled out of view stops advancing, and resumes back in view', async () => {
  const { context, page, waitFor, post } = await article(900);
  await page.locator('#intro').scrollIntoViewIfNeeded();
  // A budget far beyond what it can reach during the test, so only scrolling can stop it.
  await post('intro', { tms: 1, type: 'setState', fragment: 'v=3&model=relu-output&n=5&m=2&density=0.05&steps=10000000&step=0' });
  await post('intro', { tms: 1, type: 'play' });
  await waitFor(() => window.embedLog.some((m) => m.embed === 'intro' && m.type === 'progress' && m.step > 200));
  const seen = await page.evaluate(() => window.embedLog.length);
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await waitFor((n) => window.embedLog.slice(n).some((m) => m.embed === 'intro' && m.type === 'state' && !m.playing), seen);
  const paused = await page.evaluate((n) => window.embedLog.slice(n).find((m) => m.embed === 'intro' && m.type === 'state' && !m.playing), seen);
  // While away, asking for its weights shows it has not moved.
  await post('intro', { tms: 1, type: 'export', id: 'away' });
  await waitFor(() => window.embedLog.some((m) => m.re === 'away'));
  const away = await page.evaluate(() => window.embedLog.find((m) => m.re === 'away'));
  assert.equal(away.json.step, paused.step);
  const back = await page.evaluate(() => window.embedLog.length);
  await page.locator('#intro').scrollIntoViewIfNeeded();
  await waitFor((n) => window.embedLog.slice(n).some((m) => m.embed === 'intro' && m.type === 'state' && m.playing), back);
  await waitFor((s) => window.embedLog.some((m) => m.embed === 'intro' && m.type === 'progress' && m.step > s), paused.step);
  await context.close();
});

test('malformed messages of any kind get error replies and the embed answers the next valid command', async () => {
  const { context, page, problems, waitFor } = await article();
  const before = await page.evaluate(() => window.embedLog.filter((m) => m.embed === 'intro' && m.type === 'error').length);
  // Everything structured clone can carry, including what JSON cannot: BigInt, cyclic objects, Maps,
  // typed arrays.
  const count = await page.evaluate(() => {
    const frame = document.getElementById('intro').contentWindow;
    const cyclic = { tms: 1, type: 'step' };
    cyclic.self = cyclic;
    const bad = [
      'play', 42, null, [1, 2], { type: 'play' }, { tms: 2, type: 'play' }, { tms: 1, type: 'explode' },
      { tms: 1, type: 'step', n: 1e12 }, { tms: 1, type: 'step', n: -1 }, { tms: 1, type: 'step', n: 'ten' },
      { tms: 1, type: 'setState', fragment: 7 }, { tms: 1, type: 'highlight', feature: 2, neuron: 1 },
      { tms: 1, type: 'highlight', feature: 1.5 }, { tms: 1, type: 'seek', step: -5 },
      { tms: 1n }, { tms: 1, type: 'step', n: 5n }, { tms: 1, type: 5n }, cyclic, new Map([['tms', 1]]),
      { tms: 1, type: 'step', n: new Float32Array(2) }, { tms: 1, type: 'setState', fragment: new Map() },
      new Uint8Array(8), { tms: 1, type: 'step', id: 3n },
    ];
    for (const m of bad) frame.postMessage(m, '*');
    return bad.length;
  });
  // Two of them are valid commands after all (an unreadable id is ignored; so is an extra field, even a
  // cyclic one): a step each. Every other one gets an error.
  await waitFor(([n, want]) => window.embedLog.filter((m) => m.embed === 'intro' && m.type === 'error').length >= n + want, [before, count - 2]);
  const errors = await page.evaluate(() => window.embedLog.filter((m) => m.embed === 'intro' && m.type === 'error').map((m) => m.message));
  assert.ok(errors.some((e) => /unknown command "explode"/.test(e)), errors.join('\n'));
  assert.ok(errors.some((e) => /step: n must be a whole number from 1 to 100000, not 5n \(a BigInt\)/.test(e)), errors.join('\n'));
  assert.ok(errors.some((e) => /unknown API version 1n \(a BigInt\)/.test(e)), errors.join('\n'));
  assert.ok(errors.some((e) => /must be an object/.test(e)));
  assert.ok(!errors.some((e) => /the explorer stopped/.test(e)), 'no message stops the explorer');
  // A bad link through setState is read like any link: adjusted, and its own notices in its reply.
  await page.evaluate(() => document.getElementById('intro').contentWindow.postMessage({ tms: 1, type: 'setState', id: 'big', fragment: 'v=3&model=abs&n=1000000000&m=6' }, '*'));
  await waitFor(() => window.embedLog.some((m) => m.re === 'big' && m.type === 'state'));
  const reply = await page.evaluate(() => window.embedLog.find((m) => m.re === 'big'));
  assert.ok(reply.notices.some((n) => n.includes('n = 1000000000 is above the maximum 1000')), JSON.stringify(reply.notices));
  // Still working: steps are exact.
  await page.evaluate(() => document.getElementById('intro').contentWindow.postMessage({ tms: 1, type: 'step', n: 3, id: 's3' }, '*'));
  await waitFor(() => window.embedLog.some((m) => m.re === 's3' && m.type === 'state' && m.step === 3));
  assert.deepEqual(problems, []);
  await context.close();
});

test('quick setStates each get their own reply and notices, and many small steps add up exactly', async () => {
  const { context, page, waitFor } = await article();
  await page.evaluate(() => {
    const frame = document.getElementById('intro').contentWindow;
    frame.postMessage({ tms: 1, type: 'setState', id: 'a', fragment: 'v=3&n=0&m=2' }, '*');
    frame.postMessage({ tms: 1, type: 'setState', id: 'b', fragment: 'v=3&n=4&m=2&colour=red' }, '*');
  });
  await waitFor(() => ['a', 'b'].every((id) => window.embedLog.some((m) => m.re === id)));
  const [a, b] = await page.evaluate(() => ['a', 'b'].map((id) => window.embedLog.find((m) => m.re === id)));
  assert.ok(a.notices.some((n) => n.startsWith('n = 0 is below the minimum 1')), JSON.stringify(a.notices));
  assert.ok(b.notices.some((n) => n.includes("unknown setting 'colour'")), JSON.stringify(b.notices));
  assert.ok(!b.notices.some((n) => n.startsWith('n = 0')), 'each reply has its own notices');
  await page.evaluate(() => {
    const frame = document.getElementById('intro').contentWindow;
    for (let k = 0; k < 500; k++) frame.postMessage({ tms: 1, type: 'step', n: 1, id: `one-${k}` }, '*');
  });
  await waitFor(() => window.embedLog.some((m) => m.re === 'one-499'));
  const last = await page.evaluate(() => window.embedLog.filter((m) => m.re?.startsWith?.('one-')).at(-1));
  assert.equal(last.step, 500, '500 messages of one step are 500 steps');
  await context.close();
});

test('the full explorer copies an embed code that opens the same run', async () => {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const { page, problems } = await openPage(context, server.url);
  await page.waitForSelector('body[data-ready="true"]');
  await page.selectOption('#preset', 'abs-basic');
  await page.waitForFunction(() => document.body.dataset.mode === 'idle');
  await page.click('#copy-embed');
  const code = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(code, /^<iframe src="http:\/\/[^"]+\?embed=1&amp;views=stack,matrix&amp;controls=play,step,reset#v=4&amp;model=abs&amp;/);
  assert.match(code, /title="Toy model of superposition: abs, n = 3, m = 6, 1−S = 1"/);
  assert.match(code, /loading="lazy"/);
  assert.match(code, /aspect-ratio: 16 \/ \d+/);
  assert.match(code, /<script>[\s\S]*type !== 'resize'[\s\S]*<\/script>$/);
  const src = code.match(/src="([^"]+)"/)[1].replaceAll('&amp;', '&');
  const { page: embedded, problems: more } = await openPage(context, src);
  await embedded.waitForSelector('body.embed[data-ready="true"]');
  assert.equal(await embedded.isVisible('header.top'), false);
  assert.equal(await embedded.getAttribute('#open-full', 'href'), `/#${src.split('#')[1]}`);
  assert.deepEqual([...problems, ...more], []);
  await context.close();
});

for (const width of [560, 320]) {
  test(`the pasted snippet grows to its content at ${width} px: no view is clipped`, async () => {
    const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    const { page } = await openPage(context, `${server.url}#v=3&model=abs&n=3&m=6&density=1&importance=1&step=50&view=stack`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.click('#copy-embed');
    const code = await page.evaluate(() => navigator.clipboard.readText());
    await context.close();
    // The snippet's script is inline: a host page that pastes it allows it.
    const { context: hc, page: hp, problems } = await hostPage(`snippet-${width}`, `<div style="width:${width}px">${code}</div>`, { csp: "script-src 'unsafe-inline'", width: 900 });
    const frame = hp.frameLocator('iframe');
    await frame.locator('body[data-ready="true"]').waitFor();
    await frame.locator('body').evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    // The frame is another origin: compare its height from inside with the host's iframe, until the
    // last resize event has been applied (with a deadline).
    const measure = async () => ({
      fit: await hp.evaluate(() => Number.parseFloat(document.querySelector('iframe').style.height)),
      inside: await frame.locator('body').evaluate(() => ({
        content: Math.ceil(document.documentElement.scrollHeight),
        viewport: window.innerHeight,
        figures: [...document.querySelectorAll('figure')].map((f) => f.getBoundingClientRect().bottom),
      })),
    });
    let { fit, inside } = await measure();
    for (const deadline = Date.now() + 20000; fit !== inside.content && Date.now() < deadline;) {
      await hp.waitForTimeout(100);
      ({ fit, inside } = await measure());
    }
    assert.equal(fit, inside.content, 'the iframe is as tall as the embed says it is');
    for (const bottom of inside.figures) assert.ok(bottom <= inside.viewport + 1, `a figure ends at ${bottom} in a ${inside.viewport} px frame`);
    assert.deepEqual(problems, []);
    await hc.close();
  });
}

test('controls=play,density shows exactly those controls and no sweep form', async () => {
  const { page, problems } = await openPage(browser, `${server.url}?embed=1&views=stack&controls=play,density#v=3&model=relu-hidden&n=10&m=5&density=0.75&step=0`);
  await page.waitForSelector('body[data-ready="true"]');
  const visible = async (sel) => page.isVisible(sel);
  assert.equal(await visible('#play'), true);
  assert.equal(await visible('#setting-density'), true);
  for (const sel of ['#step', '#step100', '#reset', '#new-seed', '#speed', '#sweep-start', '#sweep-values', '#setting-n', '#setting-lr', '#preset', '#copy-link', 'header.top', '#timeline']) {
    assert.equal(await visible(sel), false, `${sel} is not shown`);
  }
  assert.deepEqual(problems, []);
});

test('unknown views and controls are shown in the embed and listed in its ready and state events', async () => {
  await writeFile(join(hostDir, 'log.js'), "window.events = []; addEventListener('message', (e) => window.events.push(e.data));");
  const { page, problems } = await hostPage('unknown', `<script src="log.js"></script><iframe id="f" sandbox="allow-scripts" style="width:600px;height:500px"
    src="${server.url}?embed=1&amp;controls=bogus,play&amp;views=nope,stack#v=3&amp;n=5&amp;m=2"></iframe>`);
  await page.waitForFunction(() => window.events?.some((m) => m.type === 'ready'));
  const ready = await page.evaluate(() => window.events.find((m) => m.type === 'ready'));
  assert.ok(ready.notices.some((n) => n.includes("'bogus' is not a control")), JSON.stringify(ready.notices));
  assert.ok(ready.notices.some((n) => n.includes("'nope' is not a view")), JSON.stringify(ready.notices));
  await page.waitForFunction(() => window.events.some((m) => m.type === 'state' && m.notices?.length));
  const frame = page.frameLocator('#f');
  const text = await frame.locator('#notices').textContent();
  assert.match(text, /Embed: controls: 'bogus' is not a control/);
  assert.match(text, /Embed: views: 'nope' is not a view/);
  await frame.locator('#notices-dismiss').click();
  assert.equal(await frame.locator('#notices').isVisible(), false, 'dismissible');
  assert.deepEqual(problems, []);
});

test('<tms-explorer> on a host page with a strict CSP: loads, step(100) resolves, events arrive, auto-height', async () => {
  // The host serves its own copy of the element (as a writer would); the explorer is on its own origin.
  await copyFile(fileURLToPath(new URL('../../www/tms-explorer.js', import.meta.url)), join(hostDir, 'tms-explorer.js'));
  await writeFile(join(hostDir, 'element.js'), `
    const el = document.querySelector('tms-explorer');
    window.seen = [];
    for (const t of ['ready', 'state', 'progress', 'resize']) el.addEventListener(t, (e) => window.seen.push(e.detail.type));
    el.addEventListener('ready', (e) => { window.readyFragment = e.detail.fragment; });
    window.stepped = el.step(100).then((m) => m.step);
    window.exported = window.stepped.then(() => el.export()).then((json) => json.step);`);
  const { context, page, problems } = await hostPage('element', `<script type="module" src="tms-explorer.js"></script>
    <tms-explorer src="${server.url}index.html" model="abs" n="3" m="6" density="1" importance="1" views="stack,graph" controls="play,step"></tms-explorer>
    <script type="module" src="element.js"></script>`);
  assert.equal(await page.evaluate(() => window.stepped), 100);
  assert.equal(await page.evaluate(() => window.exported), 100);
  // The element writes the link version the explorer writes (src/app/link.rs).
  const src = await page.evaluate(() => document.querySelector('tms-explorer iframe').src);
  const written = await page.evaluate(() => window.readyFragment);
  assert.equal(new URL(src).hash.match(/^#(v=\d+)&/)[1], written.match(/^(v=\d+)&/)[1]);
  await page.waitForFunction(() => ['ready', 'state', 'resize'].every((t) => window.seen.includes(t)));
  const sizes = await page.evaluate(() => {
    const f = document.querySelector('tms-explorer iframe');
    return { style: f.style.height, sandbox: f.getAttribute('sandbox') };
  });
  assert.match(sizes.style, /^\d+px$/);
  assert.match(sizes.sandbox, /^allow-scripts/);
  const inside = await page.frameLocator('tms-explorer iframe').locator('body').evaluate(() => Math.ceil(document.documentElement.scrollHeight));
  await page.waitForFunction((h) => Number.parseFloat(document.querySelector('tms-explorer iframe').style.height) === h, inside);
  assert.deepEqual(await page.evaluate(() => window.cspViolations), [], 'no wasm-unsafe-eval or other allowance needed on the host');
  assert.deepEqual(problems, []);
  await context.close();
});

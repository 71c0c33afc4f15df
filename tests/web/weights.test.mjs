// Weights through the browser: a file Python wrote in the notebook's shapes is uploaded (Playwright
// file upload) to a small page that calls the wasm API the explorer's page calls (import_weights,
// Run.export; tests/web/weights-page/), and opens at the chosen instance with the metrics numpy
// computes and `tms inspect` prints; bad files are refused in words with the current run kept; and
// the page exports exactly the bytes `tms train --save` writes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, cpSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tmsBin = process.env.TMS_BIN ?? join(root, 'target/release/tms');
// The virtual environment .ci/tools.sh makes (it sets TMS_PYTHON).
const python = process.env.TMS_PYTHON ?? join(root, 'target/venv/bin/python');

let dir;
let server;
let browser;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tms-weights-page-'));
  cpSync(join(root, 'www/pkg'), join(dir, 'pkg'), { recursive: true });
  cpSync(join(root, 'tests/web/weights-page'), dir, { recursive: true });
  server = await startServer(dir);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function testPage() {
  const { page, problems } = await openPage(browser, `${server.url}index.html`);
  await page.waitForSelector('body[data-ready="true"]');
  return { page, problems };
}

// Chooses `path` in the page's file input and returns the outcome the page shows.
async function upload(page, path, instance = 0) {
  const done = Number((await page.getAttribute('#result', 'data-done')) ?? 0);
  await page.fill('#instance', String(instance));
  await page.setInputFiles('#file', path);
  await page.waitForFunction((n) => Number(document.getElementById('result').dataset.done ?? 0) > n, done);
  return JSON.parse(await page.textContent('#result'));
}

const close = (a, b) => Math.abs(a - b) <= 1e-5 + 1e-5 * Math.abs(b);

test('a file Python wrote in the notebook\'s shapes opens at the chosen instance with numpy\'s metrics', async (t) => {
  if (!existsSync(python)) {
    if (process.env.TMS_PYTHON) assert.fail(`TMS_PYTHON=${python} does not exist`);
    t.skip('no Python with numpy and safetensors (bash .ci/test makes target/venv)');
    return;
  }
  execFileSync(python, [join(root, 'tests/weights_python.py'), 'notebook', dir, '3']);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  const { page, problems } = await testPage();
  for (const file of ['notebook.safetensors', 'notebook.npz']) {
    const shown = await upload(page, join(dir, file), 3);
    assert.equal(shown.ok, true, JSON.stringify(shown));
    assert.equal(shown.description,
      'W [10, 5, 2], b_final [10, 5]: instance 3 of 10, n = 5, m = 2, relu-output assumed; set the model if it is another');
    assert.equal(shown.step, 0);
    for (const key of ['feature_norms', 'superposition', 'dimensionality']) {
      assert.equal(shown.metrics[key].length, 5);
      shown.metrics[key].forEach((v, i) => assert.ok(close(v, expected[key][i]), `${file} ${key}[${i}]: ${v} vs numpy ${expected[key][i]}`));
    }
    assert.ok(close(shown.metrics.dims_per_feature, expected.dims_per_feature));
    assert.equal(shown.metrics.features_represented, expected.features_represented);
    // The same numbers, bit for bit, as the native command prints for the same file.
    execFileSync(tmsBin, ['inspect', join(dir, file), '--instance', '3', '--json', join(dir, 'native.json')]);
    const native = JSON.parse(readFileSync(join(dir, 'native.json'), 'utf8'));
    assert.deepEqual(shown.metrics, native.metrics, `${file}: wasm = native`);
    assert.equal(shown.fingerprint, native.fingerprint);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

// A safetensors file written byte by byte: 8-byte header length, JSON header, data.
function safetensors(header, data) {
  const text = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([length, text, data]);
}

test('bad files are refused in words and the current run stays', async () => {
  const { page, problems } = await testPage();
  const kept = await page.evaluate(() => window.currentRun().fingerprint());
  const good = safetensors({ W: { dtype: 'F32', shape: [5, 2], data_offsets: [0, 40] } }, Buffer.alloc(40, 1));
  writeFileSync(join(dir, 'truncated.safetensors'), good.subarray(0, good.length - 9));
  writeFileSync(join(dir, 'ints.safetensors'),
    safetensors({ W: { dtype: 'I64', shape: [5, 2], data_offsets: [0, 80] } }, Buffer.alloc(80, 0)));
  for (const [file, words] of [['truncated.safetensors', /truncated/], ['ints.safetensors', /W is i64; weights must be float32/]]) {
    const shown = await upload(page, join(dir, file));
    assert.equal(shown.ok, false, `${file} should be refused`);
    assert.match(shown.error, words);
    assert.equal(shown.fingerprint, kept, `${file}: the current run is unchanged`);
  }
  // And a good file after them still opens.
  writeFileSync(join(dir, 'good.safetensors'), good);
  const shown = await upload(page, join(dir, 'good.safetensors'));
  assert.equal(shown.ok, true, JSON.stringify(shown));
  assert.match(shown.notices.join(' '), /no b_final in the file/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the page exports the same bytes as tms train --save', async () => {
  const { page } = await testPage();
  // The page's run: model=relu-output&n=5&m=2&density=0.1&seed=1, trained 25 steps.
  for (const format of ['safetensors', 'npz', 'json']) {
    const bytes = Buffer.from(await page.evaluate((f) => Array.from(window.currentRun().export(f)), format));
    const path = join(dir, `native.${format}`);
    execFileSync(tmsBin, ['train', '--model', 'relu-output', '--n', '5', '--m', '2', '--density', '0.1', '--seed', '1',
      '--step', '25', '--save', path]);
    assert.ok(bytes.equals(readFileSync(path)), `${format}: wasm export = native export`);
  }
  await page.close();
});

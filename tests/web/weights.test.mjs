// Weights through the explorer's page: a file Python wrote in the notebook's shapes is chosen in the
// page's file picker (Playwright file upload), and opens at the chosen instance with the metrics numpy
// computes and `tms inspect` prints; bad files are refused in words with the current run kept; and the
// page's export buttons give exactly the bytes `tms train --save` writes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';
import { exported, idleAt, ready } from './helpers.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tmsBin = process.env.TMS_BIN ?? join(root, 'target/release/tms');
// The virtual environment .ci/tools.sh makes (it sets TMS_PYTHON).
const python = process.env.TMS_PYTHON ?? join(root, 'target/venv/bin/python');

let dir;
let server;
let browser;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tms-weights-'));
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function explorer(fragment = 'v=3&model=relu-output&n=5&m=2&density=0.1&seed=1&step=25') {
  const { page, problems } = await openPage(browser, `${server.url}#${fragment}`);
  await ready(page);
  await idleAt(page, Number(fragment.match(/step=(\d+)/)[1]));
  return { page, problems };
}

// Chooses `path` in the page's "Open weights" picker at `instance`; resolves once the page has said
// what happened (the notice strip changes).
async function upload(page, path, instance = 0) {
  const before = await page.textContent('#notices');
  await page.fill('#weights-instance', String(instance));
  await page.setInputFiles('#weights-file', path);
  await page.waitForFunction((b) => document.getElementById('notices').textContent !== b, before);
  await page.waitForFunction(() => document.body.dataset.mode === 'idle');
  return page.textContent('#notices');
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
  const { page, problems } = await explorer();
  for (const file of ['notebook.safetensors', 'notebook.npz']) {
    const said = await upload(page, join(dir, file), 3);
    assert.match(said, /W \[10, 5, 2\], b_final \[10, 5\]: instance 3 of 10, n = 5, m = 2, relu-output assumed; set the model if it is another/);
    assert.match(said, /not a share link/);
    assert.equal(await page.textContent('#step-count'), '0');
    const shown = await exported(page);
    for (const key of ['feature_norms', 'superposition', 'dimensionality']) {
      assert.equal(shown.metrics[key].length, 5);
      shown.metrics[key].forEach((v, i) => assert.ok(close(v, expected[key][i]), `${file} ${key}[${i}]: ${v} vs numpy ${expected[key][i]}`));
    }
    assert.ok(close(shown.metrics.dims_per_feature, expected.dims_per_feature));
    // The same numbers, bit for bit, as the native command prints for the same file.
    execFileSync(tmsBin, ['inspect', join(dir, file), '--instance', '3', '--json', join(dir, 'native.json')]);
    const native = JSON.parse(readFileSync(join(dir, 'native.json'), 'utf8'));
    assert.deepEqual(shown.metrics, native.metrics, `${file}: wasm = native`);
    assert.equal(shown.fingerprint, native.fingerprint);
    assert.equal(await page.evaluate(() => window.location.hash), '', 'a run from a file has no link in the address');
  }
  // It trains on from the weights.
  await page.click('#step100');
  await idleAt(page, 100);
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
  const { page, problems } = await explorer();
  const kept = await page.textContent('#fingerprint');
  const good = safetensors({ W: { dtype: 'F32', shape: [5, 2], data_offsets: [0, 40] } }, Buffer.alloc(40, 1));
  writeFileSync(join(dir, 'truncated.safetensors'), good.subarray(0, good.length - 9));
  writeFileSync(join(dir, 'ints.safetensors'),
    safetensors({ W: { dtype: 'I64', shape: [5, 2], data_offsets: [0, 80] } }, Buffer.alloc(80, 0)));
  for (const [file, words] of [['truncated.safetensors', /truncated/], ['ints.safetensors', /W is i64; weights must be float32/]]) {
    const said = await upload(page, join(dir, file));
    assert.match(said, new RegExp(`${file} was not opened: .*${words.source}.*The current run is kept`));
    assert.equal(await page.textContent('#fingerprint'), kept, `${file}: the current run is unchanged`);
    assert.equal(await page.textContent('#step-count'), '25');
  }
  // And a good file after them still opens.
  writeFileSync(join(dir, 'good.safetensors'), good);
  const said = await upload(page, join(dir, 'good.safetensors'));
  assert.match(said, /no b_final in the file/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the page\'s export buttons give the same bytes as tms train --save', async () => {
  const { page, problems } = await explorer();
  for (const format of ['safetensors', 'npz']) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#export-${format}`)]);
    const bytes = await readFile(await download.path());
    const path = join(dir, `native.${format}`);
    execFileSync(tmsBin, ['train', '--model', 'relu-output', '--n', '5', '--m', '2', '--density', '0.1', '--seed', '1',
      '--step', '25', '--save', path]);
    assert.ok(bytes.equals(readFileSync(path)), `${format}: wasm export = native export`);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

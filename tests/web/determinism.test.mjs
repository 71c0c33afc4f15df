// The same settings give bit-identical weights natively (`tms train --json`) and in the wasm build, at
// every step checked, for every model. Needs target/release/tms and www/pkg (.ci/test builds both).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import tms from './wasm.mjs';

const tmsBin = process.env.TMS_BIN ?? fileURLToPath(new URL('../../target/release/tms', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tms-det-'));

function nativeExport(settings, steps) {
  const flags = settings.split('&').flatMap((pair) => {
    const [k, v] = pair.split('=');
    return [`--${k}`, v];
  });
  const out = join(dir, 'run.json');
  execFileSync(tmsBin, ['train', ...flags, '--step', String(steps), '--json', out], { stdio: 'ignore' });
  return JSON.parse(readFileSync(out, 'utf8'));
}

const runs = {
  linear: 'model=linear&n=20&m=5&density=0.1&importance=0.7&batch=256&seed=3',
  'relu-output': 'model=relu-output&n=20&m=5&density=0.01&importance=0.7&batch=1024&seed=1',
  'relu-hidden': 'model=relu-hidden&n=10&m=5&density=0.15&importance=0.75&batch=512&seed=2',
  'relu-hidden with hidden bias': 'model=relu-hidden&hidden-bias=1&n=10&m=5&density=0.3&batch=256&seed=4',
  'abs sparse': 'model=abs&n=100&m=40&density=0.01&importance=0.8&batch=256&seed=5',
  'abs dense, cosine schedule': 'model=abs&n=30&m=12&density=1&schedule=cosine&steps=200&batch=128&seed=6',
  'per-feature densities': 'model=relu-output&n=4&m=2&density=1,0.3,0.1,0.01&lr=0.01&batch=64&seed=9',
};

for (const [name, settings] of Object.entries(runs)) {
  test(`native and wasm give the same weights: ${name}`, () => {
    const run = new tms.Run(settings);
    try {
      for (const steps of [1, 10, 200]) {
        run.seek(steps);
        const wasm = JSON.parse(run.export_json());
        const native = nativeExport(settings, steps);
        assert.equal(wasm.step, steps);
        assert.equal(native.step, steps);
        assert.deepEqual(wasm.params, native.params, `${name}: weights differ at step ${steps}`);
        assert.equal(wasm.fingerprint, native.fingerprint, `${name}: fingerprint at step ${steps}`);
        assert.equal(wasm.loss, native.loss);
      }
    } finally {
      run.free();
    }
  });
}

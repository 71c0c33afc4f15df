// The dist build works from a static host under a sub-path, and asks for nothing but its own files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';

test('the dist folder runs under any path with no request outside it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tms-dist-'));
  mkdirSync(join(root, 'some', 'path'), { recursive: true });
  const out = join(root, 'some', 'path', 'explorer');
  execFileSync('bash', [fileURLToPath(new URL('../../.ci/dist', import.meta.url)), out], { stdio: 'ignore' });
  const server = await startServer(root);
  const browser = await launch();
  try {
    const { page, problems } = await openPage(browser, `${server.url}some/path/explorer/#v=3&model=abs&n=3&m=6&density=1&importance=1&step=20`);
    const requested = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForFunction(() => document.getElementById('step-count').textContent === '20');
    assert.ok(requested.length > 0);
    for (const url of requested) assert.ok(url.startsWith(`${server.url}some/path/explorer/`), url);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    server.stop();
  }
});

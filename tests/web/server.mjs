// Starts `tms serve` (on www/, or `dir`) on a free loopback port; returns its URL and a stop function.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const tmsBin = process.env.TMS_BIN ?? fileURLToPath(new URL('../../target/release/tms', import.meta.url));
const www = fileURLToPath(new URL('../../www', import.meta.url));

export function startServer(dir = www) {
  const child = spawn(tmsBin, ['serve', '--port', '0', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/at (http:\/\/\S+)/);
      if (m) resolve({ url: m[1], stop: () => child.kill() });
    });
    child.on('exit', (code) => reject(new Error(`tms serve exited with ${code}: ${out}`)));
  });
}

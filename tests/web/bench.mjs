// The wasm half of `tms bench`: times the same cases (bench_cases() from the wasm build) in Node and
// prints "name<TAB>steps per second" lines, the median of RUNS runs after one warm-up.
import { performance } from 'node:perf_hooks';
import tms from './wasm.mjs';

const runs = Number(process.argv[2] ?? 5);
for (const c of JSON.parse(tms.bench_cases())) {
  const rates = [];
  for (let r = 0; r <= runs; r++) {
    const run = new tms.Run(c.settings);
    const start = performance.now();
    run.step(c.steps);
    const secs = (performance.now() - start) / 1000;
    run.free();
    if (r > 0) rates.push(c.steps / secs);
  }
  rates.sort((a, b) => a - b);
  process.stdout.write(`${c.name}\t${rates[Math.floor(rates.length / 2)]}\n`);
}

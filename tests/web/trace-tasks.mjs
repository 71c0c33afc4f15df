// By hand (node tests/web/trace-tasks.mjs 'fragment' [ms]): a Chrome trace of the page at a link, and
// what each of its main-thread tasks over 50 ms contains: the trace's own events (scripts, layout, the
// compositor's commit) and, from V8's sampling profiler, where its script time went (the functions
// most sampled, self time, and the wasm or JS functions of ours they were called from).
// TRACE_OUT=path keeps the trace (default /tmp/prof/trace.json); TRACE_PROFILE=0 leaves V8's sampling
// profiler out, which lengthens the tasks it samples (the largest corner's longest frame: 145 ms with it,
// 113 ms without; the bounded test saw at most 93 ms untraced), for task lengths nearer the real ones.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { startServer } from './server.mjs';
import { launch } from './browser.mjs';

const out = process.env.TRACE_OUT ?? '/tmp/prof/trace.json';
await mkdir(dirname(out), { recursive: true });
const server = await startServer();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await browser.startTracing(page, {
    path: out,
    categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink',
      ...(process.env.TRACE_PROFILE === '0' ? [] : ['disabled-by-default-v8.cpu_profiler'])],
  });
  await page.goto(`${server.url}#${process.argv[2]}`);
  await page.waitForTimeout(Number(process.argv[3] ?? 12000));
  await browser.stopTracing();
  await context.close();
} finally {
  await browser.close();
  server.stop();
}
const trace = JSON.parse(await readFile(out, 'utf8'));
const events = trace.traceEvents ?? trace;
const names = new Map(events.filter((e) => e.name === 'thread_name').map((e) => [`${e.pid}:${e.tid}`, e.args.name]));
// The page's renderer: the one whose main thread ran our scripts (other renderers, such as the
// browser's own start page, have main threads of the same name).
const ourUrl = (e) => String(e.args?.data?.url ?? '').startsWith(server.url);
const ourPids = new Set(events.filter((e) => names.get(`${e.pid}:${e.tid}`) === 'CrRendererMain' && ourUrl(e)).map((e) => e.pid));
const isMain = (e) => names.get(`${e.pid}:${e.tid}`) === 'CrRendererMain' && ourPids.has(e.pid);
const main = events.filter((e) => isMain(e) && e.ph === 'X');

// The profiler's samples on the main thread: [time µs, node id], and the call tree's nodes.
const nodes = new Map();
const samples = [];
const profiles = new Map(); // profile id → {time, thread}
for (const e of events) {
  if (e.name === 'Profile' && isMain(e)) profiles.set(e.id, { time: e.args.data.startTime, main: true });
}
for (const e of events) {
  if (e.name !== 'ProfileChunk' || !profiles.has(e.id)) continue;
  const p = profiles.get(e.id);
  const data = e.args.data;
  for (const n of data.cpuProfile?.nodes ?? []) nodes.set(n.id, n);
  const ids = data.cpuProfile?.samples ?? [];
  const deltas = data.timeDeltas ?? [];
  for (let k = 0; k < ids.length; k++) {
    p.time += deltas[k] ?? 0;
    samples.push([p.time, ids[k]]);
  }
}
const label = (n) => {
  const f = n?.callFrame ?? {};
  const name = f.functionName || '(anonymous)';
  const file = (f.url ?? '').split('/').pop();
  return file ? `${name}[${file.replace(/\.wasm.*$/, '.wasm')}]` : name;
};
// The innermost frame of ours (wasm, or our own JS) on a sample's stack.
const ours = (id) => {
  for (let n = nodes.get(id); n; n = nodes.get(n.parent)) {
    const url = n.callFrame?.url ?? '';
    if (url.includes('.wasm') || url.endsWith('.js')) return label(n);
  }
  return label(nodes.get(id));
};
const top = (counts, k) => [...counts].sort((a, b) => b[1] - a[1]).slice(0, k).map(([f, c]) => `${f} ${c}`).join(', ');

const tasks = main.filter((e) => e.name === 'RunTask' && e.dur > 50000);
for (const t of tasks) {
  const inside = main.filter((e) => e !== t && e.pid === t.pid && e.tid === t.tid && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur && e.dur > 15000);
  console.log(`task ${Math.round(t.dur / 1000)} ms at ${Math.round((t.ts - tasks[0].ts) / 1000)} ms:`, inside.map((e) => `${e.name}${e.args?.data?.functionName ? `(${e.args.data.functionName})` : ''}${e.args?.data?.url ? `[${e.args.data.url.split('/').pop()}]` : ''} ${Math.round(e.dur / 1000)}`).join(' · '));
  const within = samples.filter(([time]) => time >= t.ts && time <= t.ts + t.dur);
  if (!within.length) continue;
  const self = new Map();
  const of = new Map();
  for (const [, id] of within) {
    const s = label(nodes.get(id));
    self.set(s, (self.get(s) ?? 0) + 1);
    const o = ours(id);
    of.set(o, (of.get(o) ?? 0) + 1);
  }
  console.log(`  ${within.length} samples; self: ${top(self, 6)}`);
  console.log(`  ours: ${top(of, 8)}`);
}

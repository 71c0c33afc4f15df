// By hand (node tests/web/trace-tasks.mjs 'fragment' [ms]): a Chrome trace of the page at a link, and
// what each of its main-thread tasks over 50 ms contains (scripts, layout, the compositor's commit).
import { readFile } from 'node:fs/promises';
import { startServer } from './server.mjs';
import { launch, openPage } from './browser.mjs';

const server = await startServer();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await browser.startTracing(page, { path: '/tmp/prof/trace.json', categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink'] });
  await page.goto(`${server.url}#${process.argv[2]}`);
  await page.waitForTimeout(Number(process.argv[3] ?? 12000));
  await browser.stopTracing();
  await context.close();
} finally {
  await browser.close();
  server.stop();
}
const trace = JSON.parse(await readFile('/tmp/prof/trace.json', 'utf8'));
const events = trace.traceEvents ?? trace;
const names = new Map(events.filter((e) => e.name === 'thread_name').map((e) => [`${e.pid}:${e.tid}`, e.args.name]));
const main = events.filter((e) => names.get(`${e.pid}:${e.tid}`) === 'CrRendererMain' && e.ph === 'X');
const tasks = main.filter((e) => e.name === 'RunTask' && e.dur > 50000);
for (const t of tasks) {
  const inside = main.filter((e) => e !== t && e.pid === t.pid && e.tid === t.tid && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur && e.dur > 15000);
  console.log(`task ${Math.round(t.dur / 1000)} ms:`, inside.map((e) => `${e.name}${e.args?.data?.functionName ? `(${e.args.data.functionName})` : ''}${e.args?.data?.url ? `[${e.args.data.url.split('/').pop()}]` : ''} ${Math.round(e.dur / 1000)}`).join(' · '));
}

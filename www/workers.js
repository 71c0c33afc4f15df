// Starting a Web Worker wherever the page runs. A module worker from the page's own URL is the plain
// way; a sandboxed iframe (an embed with sandbox="allow-scripts") has an opaque origin, and Chromium
// refuses a worker script from any other origin, so there the worker is a tiny classic script made
// in memory (a blob: URL, allowed by the page's worker-src) that imports the real module by its full
// URL (fetched with CORS; the files are served with Access-Control-Allow-Origin: *).
//
// `start(url)` resolves to a Worker that has said {type: 'ready'}, or rejects with the reason it could
// not start (in words), once: callers fall back or say so instead of retrying.

export function startWorker(url, { onFail } = {}) {
  return new Promise((resolve, reject) => {
    let worker = null;
    let settled = false;
    const fail = (why) => {
      if (settled) {
        onFail?.(why);
        return;
      }
      settled = true;
      worker?.terminate();
      reject(new Error(why));
    };
    try {
      worker = new Worker(url, { type: 'module' });
    } catch {
      try {
        const source = `import(${JSON.stringify(String(url))}).catch((e) => postMessage({ type: 'failed', message: 'its script did not load (' + ((e && e.message) || e) + ')' }));`;
        worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
      } catch (e) {
        fail(`a worker cannot start here (${e?.message ?? e})`);
        return;
      }
    }
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      fail(`its script did not load (${event.message || 'the browser gave no reason; the page may be offline'})`);
    });
    const first = (event) => {
      const m = event.data;
      if (m?.type === 'ready' && !settled) {
        settled = true;
        worker.removeEventListener('message', first);
        resolve(worker);
      } else if (m?.type === 'failed' && !settled) {
        fail(m.message);
      }
    };
    worker.addEventListener('message', first);
  });
}

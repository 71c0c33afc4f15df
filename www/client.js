// The page's side of the engine (engine.js): commands go out, frames and replies come back. The engine
// runs in a worker where one can start, and in the page otherwise; the page cannot tell the difference
// except that, in the page, training shares the thread (in short slices) with drawing.
import { Engine } from './engine.js';
import { startWorker } from './workers.js';

export class EngineClient {
  constructor() {
    this.listeners = new Map();
    this.waiting = new Map();
    this.next = 1;
    this.where = 'page';
    this.why = '';
  }

  // Starts the engine in a worker, or in the page when no worker can start (and says why).
  static async start(tms) {
    const client = new EngineClient();
    try {
      const worker = await startWorker(new URL('./engine-worker.js', import.meta.url), {
        onFail: (why) => client.receive({ type: 'fatal', message: `the training worker stopped: ${why}` }),
      });
      worker.addEventListener('message', (event) => client.receive(event.data));
      client.deliver = (message) => worker.postMessage(message);
      client.where = 'worker';
      client.worker = worker;
    } catch (error) {
      client.why = error.message;
      const engine = new Engine(tms, (message) => queueMicrotask(() => client.receive(message)), 'page');
      client.deliver = (message) => queueMicrotask(() => engine.handle(message));
    }
    return client;
  }

  on(type, f) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(f);
  }

  send(type, fields = {}) {
    this.deliver({ type, ...fields });
  }

  // A command whose reply (the message carrying `re` = its id) resolves the promise; an `error` reply
  // rejects it.
  request(type, fields = {}) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.deliver({ type, id, ...fields });
    });
  }

  receive(m) {
    if (m.re !== undefined && this.waiting.has(m.re)) {
      const { resolve, reject } = this.waiting.get(m.re);
      this.waiting.delete(m.re);
      if (m.type === 'error') reject(new Error(m.message));
      else resolve(m);
    }
    for (const f of this.listeners.get(m.type) ?? []) f(m);
  }
}

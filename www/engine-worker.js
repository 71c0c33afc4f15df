// The training worker: one Engine (engine.js) with its own wasm instance, so training never runs on
// the page's thread. Says {type: 'ready'} once it can take commands, or {type: 'failed', message}.
import init, * as tms from './pkg/tms_explorer.js';
import { Engine } from './engine.js';

init().then(() => {
  const engine = new Engine(tms, (message, transfer) => self.postMessage(message, transfer ?? []), 'worker');
  self.onmessage = (event) => engine.handle(event.data);
  self.postMessage({ type: 'ready' });
}).catch((error) => self.postMessage({ type: 'failed', message: `the explorer's code did not load (${error?.message ?? error})` }));

// The host side of the embed API, as an article would write it: send commands, listen to events.
const VERSION = 1;
const frames = new Map([...document.querySelectorAll('iframe')].map((f) => [f.id, f]));
const log = []; // every event received, for readers curious about the protocol (and for tests)
window.embedLog = log;
let nextId = 1;

function send(name, message) {
  const frame = frames.get(name);
  // Sandboxed embeds have an opaque origin, so no narrower target origin can be named.
  frame.contentWindow.postMessage({ tms: VERSION, id: nextId++, ...message }, '*');
}

window.addEventListener('message', (event) => {
  const name = [...frames].find(([, f]) => f.contentWindow === event.source)?.[0];
  const data = event.data;
  if (!name || data === null || typeof data !== 'object' || data.tms !== VERSION) return;
  log.push({ embed: name, origin: event.origin, ...data });
  const status = document.querySelector(`[data-status="${name}"]`);
  if (data.type === 'ready') status.textContent = 'Ready.';
  if (data.type === 'progress') status.textContent = `Step ${data.step}, loss ${Number(data.loss).toExponential(3)}`;
  if (data.type === 'state') status.textContent = `Step ${data.step}${data.playing ? ', training…' : ''}`;
  if (data.type === 'error') status.textContent = `The embed said: ${data.message}`;
  if (data.type === 'export') {
    const w1 = data.json.params.W1;
    document.getElementById(`${name}-export`).textContent = `step ${data.json.step}, loss ${data.json.loss}\nW₁ (${w1.length} × ${w1[0].length}):\n${w1.map((row) => row.map((v) => v.toFixed(2).padStart(6)).join(' ')).join('\n')}`;
  }
});

for (const button of document.querySelectorAll('button[data-embed]')) {
  button.addEventListener('click', () => {
    const name = button.dataset.embed;
    const d = button.dataset;
    if (d.state !== undefined) {
      send(name, { type: 'setState', fragment: d.state });
      if (d.play !== undefined) send(name, { type: 'play' });
    } else if (d.command === 'step') {
      send(name, { type: 'step', n: Number(d.n) });
    } else if (d.command === 'highlight') {
      send(name, d.neuron !== undefined ? { type: 'highlight', neuron: Number(d.neuron) } : { type: 'highlight' });
    } else {
      send(name, { type: d.command });
    }
  });
}

// The host side of the article's embeds, as a writer would write it: the iframe speaks the postMessage
// API directly; the <tms-explorer> elements are driven through their methods and events.
const VERSION = 1;
const log = []; // every event received, for readers curious about the protocol (and for tests)
window.embedLog = log;

const status = (name, text) => {
  const box = document.querySelector(`[data-status="${name}"]`);
  if (box) box.textContent = text;
};

function describe(name, data) {
  log.push({ embed: name, ...data });
  if (data.type === 'ready') status(name, 'Ready.');
  if (data.type === 'progress') status(name, `Step ${data.step}, loss ${Number(data.loss).toExponential(3)}`);
  if (data.type === 'state') status(name, `Step ${data.step}${data.playing ? ', training…' : ''}${data.notices?.length ? ` (${data.notices.join('; ')})` : ''}`);
  if (data.type === 'error') status(name, `The embed said: ${data.message}`);
}

// Way 1: the iframe. Messages are matched to the frame they come from; the frame is sized to its
// content from its resize events.
const frames = new Map([...document.querySelectorAll('iframe[data-tms-embed]')].map((f) => [f.id, f]));
let nextId = 1;
window.addEventListener('message', (event) => {
  const name = [...frames].find(([, f]) => f.contentWindow === event.source)?.[0];
  const data = event.data;
  if (!name || data === null || typeof data !== 'object' || data.tms !== VERSION) return;
  if (data.type === 'resize' && Number.isFinite(data.height)) frames.get(name).style.height = `${Math.ceil(data.height)}px`;
  describe(name, { origin: event.origin, ...data });
});
const sendFrame = (name, message) => {
  // Sandboxed embeds have an opaque origin, so no narrower target origin can be named.
  frames.get(name).contentWindow.postMessage({ tms: VERSION, id: nextId++, ...message }, '*');
};

// Way 2: the elements: their events are the embed's messages.
const elements = new Map([...document.querySelectorAll('tms-explorer')].map((e) => [e.id, e]));
for (const [name, element] of elements) {
  for (const type of ['ready', 'state', 'progress', 'error', 'resize']) {
    element.addEventListener(type, (event) => describe(name, event.detail));
  }
}

async function command(name, d) {
  const element = elements.get(name);
  if (!element) {
    if (d.state !== undefined) {
      sendFrame(name, { type: 'setState', fragment: d.state });
      if (d.play !== undefined) sendFrame(name, { type: 'play' });
    } else {
      sendFrame(name, { type: d.command });
    }
    return;
  }
  if (d.state !== undefined) {
    await element.setState(d.state);
    if (d.play !== undefined) await element.play();
  } else if (d.command === 'step') {
    await element.step(Number(d.n));
  } else if (d.command === 'seek') {
    await element.seek(Number(d.step));
  } else if (d.command === 'highlight') {
    await element.highlight(d.neuron !== undefined ? { neuron: Number(d.neuron) } : {});
  } else if (d.command === 'export') {
    const json = await element.export();
    log.push({ embed: name, type: 'export', json });
    const w1 = json.params.W1;
    document.getElementById(`${name}-export`).textContent = `step ${json.step}, loss ${json.loss}\nW₁ (${w1.length} × ${w1[0].length}):\n${w1.map((row) => row.map((v) => v.toFixed(2).padStart(6)).join(' ')).join('\n')}`;
  }
}

for (const button of document.querySelectorAll('button[data-embed]')) {
  button.addEventListener('click', () => command(button.dataset.embed, button.dataset).catch((e) => status(button.dataset.embed, `The embed said: ${e.message}`)));
}

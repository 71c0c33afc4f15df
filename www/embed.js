// Embed mode: the explorer inside someone else's article, driven by the text around it.
//
// Good manners: it shows only the chosen views and controls, never autoplays off screen, pauses when
// scrolled out of view or when the tab is hidden, never touches the host's history or storage, and
// works inside <iframe sandbox="allow-scripts">.
//
// The host-page API (version 1) is postMessage with plain objects {tms: 1, type, ...}:
//   commands  play · pause · step {n} · seek {step} · reset · setState {fragment} · export
//             · highlight {feature}|{neuron}|{} · load {bytes, name, instance} (weights from a file)
//             · probe {x: [n numbers], neuron?, output?} (the input probe; [] or null clears it)
//   events    ready {fragment, notices} · state {fragment, step, playing, notices} · progress {step, loss}
//             · resize {height} · export {json} · error {message}
//             · probe {x, h, out, active, notices, readout} (the input as used, the hidden layer, the output,
//               the neurons that fire, what had to change, and the selected neuron's or output's equation)
// A command may carry an `id`, echoed as `re` in the reply it causes: `export` by an `export`, `probe` by a
// `probe`, a bad
// command by an `error`, every other command by the `state` it led to (`setState`'s with its own
// notices). Replies go to the sender's origin; other events go to the host's
// origin once known (before that, to any origin: they carry nothing but the public state of the run).

const VERSION = 1;
const MAX_STEP = 100000;
const COMMANDS = ['play', 'pause', 'step', 'seek', 'reset', 'setState', 'export', 'highlight', 'load', 'probe'];
const MAX_PROBE = 1000; // values: the largest n

export function startEmbed(options, page) {
  document.body.classList.add('embed');
  showOnly(options.controls);

  const full = document.getElementById('open-full');
  let hostOrigin = '*';
  try {
    if (document.referrer) hostOrigin = new URL(document.referrer).origin;
  } catch {
    hostOrigin = '*';
  }

  const send = (message, target = window.parent, origin = hostOrigin) => {
    try {
      target.postMessage({ tms: VERSION, ...message }, origin === 'null' ? '*' : origin);
    } catch {
      // A host that went away cannot be told anything.
    }
  };

  const describe = () => ({ fragment: page.fragment(), step: page.step(), playing: page.playing() });

  // The "open in the full explorer" link carries the run as it is now.
  const updateLink = () => {
    let base = '';
    try {
      base = window.location.pathname;
    } catch {
      base = '';
    }
    full.href = `${base}#${page.fragment()}`;
  };

  // What the embed had to change or could not use (its options, a link's adjustments): shown in the
  // embed, compactly, and sent with the next `state` event.
  let pendingNotices = [];
  page.on('state', () => {
    updateLink();
    send({ type: 'state', ...describe(), notices: pendingNotices });
    pendingNotices = [];
  });
  page.on('playing', () => send({ type: 'state', ...describe(), notices: [] }));
  let lastProgress = 0;
  page.on('progress', () => {
    const now = performance.now();
    if (now - lastProgress < 250) return;
    lastProgress = now;
    send({ type: 'progress', step: page.step(), loss: page.loss() });
  });
  page.on('fatal', (message) => send({ type: 'error', message: `the explorer stopped: ${message}` }));

  // On screen or not: pause when scrolled away, resume (or autoplay) when back.
  let onScreen = false;
  let resume = options.autoplay;
  new IntersectionObserver((entries) => {
    onScreen = entries[entries.length - 1].isIntersecting;
    if (!onScreen && page.playing()) {
      resume = true;
      page.stop();
    } else if (onScreen && resume && !document.hidden) {
      resume = false;
      page.play();
    }
  }, { threshold: 0.25 }).observe(document.body);

  // The host can size the iframe to the content.
  let lastHeight = 0;
  new ResizeObserver(() => {
    const height = Math.ceil(document.documentElement.scrollHeight);
    if (height !== lastHeight) {
      lastHeight = height;
      send({ type: 'resize', height });
    }
  }).observe(document.body);

  window.addEventListener('message', async (event) => {
    if (event.source !== window.parent) return;
    const data = event.data;
    const reply = (message) => send({ ...message, ...(validId(data) ? { re: data.id } : {}) }, event.source, event.origin);
    const problem = check(data);
    if (problem) {
      reply({ type: 'error', message: problem });
      return;
    }
    hostOrigin = event.origin === 'null' ? '*' : event.origin;
    try {
      switch (data.type) {
        case 'play':
          if (onScreen) await page.play();
          else resume = true; // plays once it is on screen
          reply({ type: 'state', ...describe(), playing: page.playing() || resume, notices: [] });
          break;
        case 'pause':
          resume = false;
          await page.stop();
          reply({ type: 'state', ...describe(), notices: [] });
          break;
        case 'step':
          await page.stepBy(data.n ?? 1);
          reply({ type: 'state', ...describe(), notices: [] });
          break;
        case 'seek':
          await page.seek(data.step);
          reply({ type: 'state', ...describe(), notices: [] });
          break;
        case 'reset':
          await page.reset();
          reply({ type: 'state', ...describe(), notices: [] });
          break;
        case 'setState': {
          resume = false;
          await page.stop();
          const notices = page.open(data.fragment);
          showNotices(notices);
          reply({ type: 'state', ...describe(), notices });
          break;
        }
        case 'export':
          reply({ type: 'export', json: JSON.parse(await page.exportJson()) });
          break;
        case 'load': {
          resume = false;
          const bytes = data.bytes instanceof ArrayBuffer ? data.bytes : data.bytes.buffer.slice(data.bytes.byteOffset, data.bytes.byteOffset + data.bytes.byteLength);
          if (!(await page.load(bytes, data.name, data.instance))) {
            reply({ type: 'error', message: `load: ${document.getElementById('notices').textContent}` });
          } else {
            reply({ type: 'state', ...describe(), notices: [] });
          }
          break;
        }
        case 'probe': {
          const x = data.x === null || data.x.length === 0 ? null : Array.from(data.x, Number);
          const target = data.neuron !== undefined ? { kind: 'neuron', index: data.neuron }
            : data.output !== undefined ? { kind: 'output', index: data.output } : null;
          reply({ type: 'probe', ...page.probe(x, target), fragment: page.fragment() });
          break;
        }
        case 'highlight':
          page.highlight(data.feature !== undefined ? { kind: 'feature', index: data.feature }
            : data.neuron !== undefined ? { kind: 'neuron', index: data.neuron } : null);
          reply({ type: 'state', ...describe(), notices: [] });
          break;
        default:
          break;
      }
    } catch (error) {
      reply({ type: 'error', message: `${data.type}: ${String(error?.message ?? error)}` });
    }
  });

  // What the embed's own options and the link it opened could not use: shown, and sent with `ready`
  // and with the first `state`.
  const initial = [...options.notices, ...(page.openingNotices ?? [])];
  showNotices(initial);
  updateLink();
  send({ type: 'ready', fragment: page.fragment(), notices: initial });
  send({ type: 'state', ...describe(), notices: initial });
  pendingNotices = [];
}

// The embed's notices, compactly, in the page's notice strip (dismissible), prefixed so a reader knows
// they are about the embed.
function showNotices(notices) {
  if (!notices.length) return;
  const list = document.getElementById('notices');
  const items = notices.map((text) => {
    const li = document.createElement('li');
    li.className = 'warning';
    li.textContent = `Embed: ${text}.`;
    return li;
  });
  list.replaceChildren(...items);
  document.getElementById('notice-strip').hidden = false;
}

const validId = (data) => isObject(data) && (typeof data.id === 'string' || Number.isFinite(data.id));

function isObject(data) {
  return data !== null && typeof data === 'object' && !Array.isArray(data);
}

// A short, safe description of any structured-clone value for an error message: never throws (BigInt,
// cyclic objects, Maps and typed arrays have no JSON form).
function show(value) {
  try {
    if (typeof value === 'bigint') return `${value}n (a BigInt)`;
    if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
    if (value === undefined) return 'nothing';
    if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
    if (Array.isArray(value)) return 'an array';
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return 'binary data';
    if (value instanceof Map) return 'a Map';
    if (value instanceof Set) return 'a Set';
    return `a ${Object.prototype.toString.call(value).slice(8, -1)}`;
  } catch {
    return 'a value that cannot be shown';
  }
}

// What is wrong with a message, in words; '' when it is a valid command. Reads only the fields it
// checks, each with a type test first, so no value a host can send makes it throw.
function check(data) {
  if (!isObject(data)) return `a message must be an object {tms: ${VERSION}, type, ...}, not ${data === null ? 'null' : show(data)}`;
  if (data.tms !== VERSION) return `unknown API version ${show(data.tms)}; this explorer speaks {tms: ${VERSION}}`;
  if (typeof data.type !== 'string' || !COMMANDS.includes(data.type)) {
    return `unknown command ${show(data.type)}; allowed ${COMMANDS.join(', ')}`;
  }
  const whole = (v, max) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
  switch (data.type) {
    case 'step':
      if (data.n !== undefined && !(whole(data.n, MAX_STEP) && data.n >= 1)) {
        return `step: n must be a whole number from 1 to ${MAX_STEP}, not ${show(data.n)}`;
      }
      return '';
    case 'seek':
      if (!whole(data.step, 1e12)) return `seek: step must be a whole number from 0 (up to the run's budget), not ${show(data.step)}`;
      return '';
    case 'setState':
      if (typeof data.fragment !== 'string') return `setState: fragment must be a string (a share link's part after #), not ${show(data.fragment)}`;
      if (data.fragment.length > 100000) return 'setState: fragment is longer than 100,000 characters';
      return '';
    case 'load':
      if (!(data.bytes instanceof ArrayBuffer || ArrayBuffer.isView(data.bytes))) return `load: bytes must be an ArrayBuffer or a typed array of the file, not ${show(data.bytes)}`;
      if (typeof data.name !== 'string' || !/\.(safetensors|npz|json)$/i.test(data.name)) return `load: name must be the file's name ending in .safetensors, .npz or .json, not ${show(data.name)}`;
      if (data.instance !== undefined && !whole(data.instance, 1e6)) return `load: instance must be a whole number, not ${show(data.instance)}`;
      return '';
    case 'probe':
      if (!(data.x === null || Array.isArray(data.x) || data.x instanceof Float32Array || data.x instanceof Float64Array)) return `probe: x must be an array of numbers (one per feature), or null to clear, not ${show(data.x)}`;
      if (data.x !== null && data.x.length > MAX_PROBE) return `probe: x has ${data.x.length} values; at most ${MAX_PROBE} (one per feature)`;
      if (data.x !== null && Array.isArray(data.x)) {
        const bad = data.x.findIndex((v) => typeof v !== 'number');
        if (bad >= 0) return `probe: x[${bad}] must be a number, not ${show(data.x[bad])}`;
      }
      if (data.neuron !== undefined && !whole(data.neuron, 1000)) return `probe: neuron must be a whole number from 0 to 999, not ${show(data.neuron)}`;
      if (data.output !== undefined && !whole(data.output, 1000)) return `probe: output must be a whole number from 0 to 999, not ${show(data.output)}`;
      if (data.neuron !== undefined && data.output !== undefined) return 'probe: give a neuron or an output, not both';
      return '';
    case 'highlight':
      if (data.feature !== undefined && !whole(data.feature, 1000)) return `highlight: feature must be a whole number from 0 to 999, not ${show(data.feature)}`;
      if (data.neuron !== undefined && !whole(data.neuron, 1000)) return `highlight: neuron must be a whole number from 0 to 999, not ${show(data.neuron)}`;
      if (data.feature !== undefined && data.neuron !== undefined) return 'highlight: give a feature or a neuron, not both';
      return '';
    default:
      return '';
  }
}

// Shows only what was asked for: the chosen buttons, and the chosen settings as a compact row in the
// control strip; no panel, sweep form or page furniture.
function showOnly(controls) {
  const buttons = { play: 'play', step: 'step', step100: 'step100', reset: 'reset', 'new-seed': 'new-seed', speed: 'speed', timeline: 'timeline-bar' };
  for (const [name, id] of Object.entries(buttons)) {
    const element = document.getElementById(id);
    const target = name === 'speed' ? element.closest('label') : element;
    target.hidden = !controls.includes(name);
  }
  const row = document.getElementById('embed-settings');
  for (const field of [...document.querySelectorAll('#settings .setting')]) {
    if (controls.includes(field.dataset.key)) row.append(field);
  }
  row.hidden = row.children.length === 0;
  document.querySelector('.panel').hidden = true;
}

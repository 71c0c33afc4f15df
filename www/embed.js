// Embed mode: the explorer inside someone else's article, driven by the text around it.
//
// Good manners: it shows only the chosen views and controls, never autoplays off screen, pauses when
// scrolled out of view or when the tab is hidden, never touches the host's history or storage, and
// works inside <iframe sandbox="allow-scripts">.
//
// The host-page API (version 1) is postMessage with plain objects {tms: 1, type, ...}:
//   commands  play · pause · step {n} · reset · setState {fragment} · export · highlight {feature}|{neuron}|{}
//   events    ready {fragment} · state {fragment, step, playing, notices} · progress {step, loss}
//             · resize {height} · export {json} · error {message}
// A command may carry an `id`, echoed as `re` in the reply it causes. Replies go to the sender's
// origin; other events go to the host's origin once known (before that, to any origin: they carry
// nothing but the public state of the run).

const VERSION = 1;
const MAX_STEP = 100000;

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

  const describe = () => {
    const run = page.run();
    return { fragment: run.fragment(page.view()), step: run.step_count, playing: page.playing() };
  };

  // The "open in the full explorer" link carries the run as it is now.
  const updateLink = () => {
    const fragment = page.run().fragment(page.view());
    let base = '';
    try {
      base = window.location.pathname;
    } catch {
      base = '';
    }
    full.href = `${base}#${fragment}`;
  };

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
    const run = page.run();
    const loss = run.last_loss;
    send({ type: 'progress', step: run.step_count, loss: Number.isNaN(loss) ? null : loss });
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

  window.addEventListener('message', (event) => {
    if (event.source !== window.parent) return;
    const reply = (message) => send({ ...message, ...(validId(event.data) ? { re: event.data.id } : {}) }, event.source, event.origin);
    const problem = check(event.data);
    if (problem) {
      reply({ type: 'error', message: problem });
      return;
    }
    hostOrigin = event.origin === 'null' ? '*' : event.origin;
    const command = event.data;
    switch (command.type) {
      case 'play':
        if (onScreen) page.play();
        else resume = true; // plays once it is on screen
        break;
      case 'pause':
        resume = false;
        page.stop();
        break;
      case 'step':
        page.step(command.n ?? 1);
        break;
      case 'reset':
        page.reset();
        break;
      case 'setState':
        resume = false;
        pendingNotices = page.open(command.fragment);
        break;
      case 'export':
        reply({ type: 'export', json: JSON.parse(page.run().export_json()) });
        break;
      case 'highlight':
        page.highlight(command.feature !== undefined ? { kind: 'feature', index: command.feature }
          : command.neuron !== undefined ? { kind: 'neuron', index: command.neuron } : null);
        reply({ type: 'state', ...describe(), notices: [] });
        break;
      default:
        break;
    }
  });

  updateLink();
  send({ type: 'ready', fragment: page.run().fragment(page.view()) });
}

const COMMANDS = ['play', 'pause', 'step', 'reset', 'setState', 'export', 'highlight'];

const validId = (data) => data !== null && typeof data === 'object' && (typeof data.id === 'string' || Number.isFinite(data.id));

// What is wrong with a message, in words; '' when it is a valid command.
function check(data) {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return `a message must be an object {tms: ${VERSION}, type, ...}, not ${data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data}`;
  }
  if (data.tms !== VERSION) return `unknown API version ${JSON.stringify(data.tms)?.slice(0, 20)}; this explorer speaks {tms: ${VERSION}}`;
  if (typeof data.type !== 'string' || !COMMANDS.includes(data.type)) {
    return `unknown command ${JSON.stringify(data.type)?.slice(0, 40)}; allowed ${COMMANDS.join(', ')}`;
  }
  const whole = (v, max) => Number.isInteger(v) && v >= 0 && v <= max;
  switch (data.type) {
    case 'step':
      if (data.n !== undefined && !(whole(data.n, MAX_STEP) && data.n >= 1)) {
        return `step: n must be a whole number from 1 to ${MAX_STEP}, not ${JSON.stringify(data.n)?.slice(0, 40)}`;
      }
      return '';
    case 'setState':
      if (typeof data.fragment !== 'string') return 'setState: fragment must be a string (a share link\'s part after #)';
      if (data.fragment.length > 100000) return 'setState: fragment is longer than 100,000 characters';
      return '';
    case 'highlight':
      if (data.feature !== undefined && !whole(data.feature, 1000)) return 'highlight: feature must be a whole number from 0 to 999';
      if (data.neuron !== undefined && !whole(data.neuron, 1000)) return 'highlight: neuron must be a whole number from 0 to 999';
      if (data.feature !== undefined && data.neuron !== undefined) return 'highlight: give a feature or a neuron, not both';
      return '';
    default:
      return '';
  }
}

// Shows only the chosen buttons and settings; the rest of the panel stays hidden in embed mode.
function showOnly(controls) {
  const buttons = { play: 'play', step: 'step', step100: 'step100', reset: 'reset', 'new-seed': 'new-seed', speed: 'speed' };
  for (const [name, id] of Object.entries(buttons)) {
    const element = document.getElementById(id);
    const target = name === 'speed' ? element.closest('label') : element;
    target.hidden = !controls.includes(name);
  }
  for (const label of document.querySelectorAll('#settings .setting')) {
    const input = label.querySelector('[name]');
    label.hidden = !controls.includes(input.name);
  }
  const anySetting = [...document.querySelectorAll('#settings .setting')].some((l) => !l.hidden);
  document.getElementById('controls').hidden = !anySetting;
  document.getElementById('controls').open = true;
}

// <tms-explorer>: the explorer as one element an article can drop in. A zero-dependency ES module: it
// makes a sandboxed iframe of the explorer's page (so the host page needs no wasm-unsafe-eval in its
// own CSP: the wasm runs inside the iframe), sizes it to its content, and turns the embed API
// (postMessage, version 1) into methods that return promises and DOM events.
//
//   <script type="module" src="https://example.org/tms/tms-explorer.js"></script>
//   <tms-explorer model="abs" n="3" m="6" density="1" step="0" views="stack,graph" controls="play,step"
//                 autoplay></tms-explorer>
//
// Attributes: `fragment` (a share link's part after #), or one attribute per setting (model, n, m,
// density, importance, lr, …; read by the explorer's own link reader, which reports anything it cannot
// use), `step`, `views`, `controls`, `autoplay`, `theme` (light or dark), `src` (the explorer's page;
// default index.html beside this module).
// Methods: play(), pause(), step(n), seek(step), setState(fragment), export(), highlight({feature} |
// {neuron} | {}), probe(x, {neuron} | {output}) — each resolves with the embed's reply (rejects with
// its error).
// Events: ready, state, progress, resize, error (CustomEvents whose detail is the embed's message).

const VERSION = 1;
const OWN = new Set(['fragment', 'views', 'controls', 'autoplay', 'theme', 'src', 'step', 'id', 'class', 'style', 'title', 'hidden', 'lang', 'dir', 'slot', 'tabindex']);

class TmsExplorer extends HTMLElement {
  constructor() {
    super();
    this.waiting = new Map();
    this.next = 1;
    this.queue = [];
    this.isReady = false;
    this.onMessage = (event) => this.receive(event);
  }

  connectedCallback() {
    if (this.frame) return;
    this.style.display ||= 'block';
    const frame = document.createElement('iframe');
    frame.title = this.getAttribute('title') ?? 'Toy model of superposition, live';
    frame.loading = 'lazy';
    frame.setAttribute('sandbox', 'allow-scripts allow-popups allow-popups-to-escape-sandbox');
    frame.style.cssText = 'display: block; width: 100%; border: 0;';
    frame.style.height = `${this.initialHeight()}px`;
    frame.src = this.url();
    this.frame = frame;
    window.addEventListener('message', this.onMessage);
    this.replaceChildren(frame);
  }

  disconnectedCallback() {
    window.removeEventListener('message', this.onMessage);
    this.frame?.remove();
    this.frame = null;
    this.isReady = false;
    for (const { reject } of this.waiting.values()) reject(new Error('the explorer was removed from the page'));
    this.waiting.clear();
  }

  // Before the first resize event: tall enough for the views asked for at this width, so nothing is
  // clipped while the explorer loads (the embed's views are about 0.6 of its width tall, the first one
  // larger, plus the control strip).
  initialHeight() {
    const width = this.clientWidth || 640;
    const views = (this.getAttribute('views') ?? 'a,b').split(',').filter(Boolean).length;
    const perRow = Math.max(1, Math.floor(width / 290));
    const rows = Math.ceil(Math.max(0, views - 1) / perRow);
    return Math.round(60 + Math.min(420, width * 0.56) + rows * 250);
  }

  fragment() {
    const given = this.getAttribute('fragment');
    if (given !== null) return given.replace(/^#/, '');
    const pairs = ['v=4']; // the link version of src/app/link.rs (tests/web/embed.test.mjs checks)
    for (const { name, value } of this.attributes) {
      if (!OWN.has(name) && !name.startsWith('data-') && !name.startsWith('aria-')) pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
    }
    pairs.push(`step=${encodeURIComponent(this.getAttribute('step') ?? '0')}`);
    return pairs.join('&');
  }

  url() {
    const base = new URL(this.getAttribute('src') ?? './index.html', import.meta.url);
    const query = new URLSearchParams({ embed: '1' });
    for (const key of ['views', 'controls', 'theme']) if (this.hasAttribute(key)) query.set(key, this.getAttribute(key));
    if (this.hasAttribute('autoplay')) query.set('autoplay', '1');
    base.search = query.toString();
    base.hash = this.fragment();
    return base.href;
  }

  // A command; resolves with the embed's reply to it (the message whose `re` is its id).
  command(type, fields = {}) {
    const id = `tms-${this.next++}`;
    const message = { tms: VERSION, id, type, ...fields };
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (this.isReady) this.frame.contentWindow.postMessage(message, '*');
      else this.queue.push(message);
    });
  }

  play() { return this.command('play'); }
  pause() { return this.command('pause'); }
  step(n = 1) { return this.command('step', { n }); }
  seek(step) { return this.command('seek', { step }); }
  setState(fragment) { return this.command('setState', { fragment }); }
  export() { return this.command('export').then((m) => m.json); }
  highlight(what = {}) { return this.command('highlight', what); }
  // The input probe: x (one number per feature; null clears), and a neuron or output to read out.
  probe(x, what = {}) { return this.command('probe', { x, ...what }); }
  reset() { return this.command('reset'); }

  receive(event) {
    if (!this.frame || event.source !== this.frame.contentWindow) return;
    const m = event.data;
    if (m === null || typeof m !== 'object' || m.tms !== VERSION || typeof m.type !== 'string') return;
    if (m.type === 'ready') {
      this.isReady = true;
      for (const queued of this.queue.splice(0)) this.frame.contentWindow.postMessage(queued, '*');
    }
    if (m.type === 'resize' && Number.isFinite(m.height)) this.frame.style.height = `${Math.ceil(m.height)}px`;
    if (m.re !== undefined && this.waiting.has(m.re)) {
      const { resolve, reject } = this.waiting.get(m.re);
      this.waiting.delete(m.re);
      if (m.type === 'error') reject(new Error(m.message));
      else resolve(m);
    }
    this.dispatchEvent(new CustomEvent(m.type, { detail: m }));
  }
}

if (!customElements.get('tms-explorer')) customElements.define('tms-explorer', TmsExplorer);
export { TmsExplorer };

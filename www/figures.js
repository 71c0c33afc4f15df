// The figures of one run: which views are shown (the first one large), drawing them from the latest
// snapshot, hovering, turning the m = 3 hidden space, and exporting each view. Drawing is Rust's
// (Snapshot.draw); this file only places canvases and forwards pointers.
import { views_schema } from './pkg/tms_explorer.js';

// Which views a model gets, most useful first, with their names, captions and formulas for this model,
// and why a view cannot be drawn (or ''): all from Rust's views table (`views_schema`).
export function viewsFor(settings) {
  const schema = JSON.parse(views_schema(settings));
  const byId = Object.fromEntries(schema.views.map((v) => [v.id, v]));
  const reason = (v) => (byId[v] && !byId[v].available ? byId[v].reason : '');
  return { order: schema.order, reason, views: schema.views, byId, sweepViews: schema.sweep_views, sweepFigures: schema.sweep_figures };
}

export class Figures {
  constructor({ container, template, theme, onPick, onSeek, exportName, onTarget, onProbe, belowMain }) {
    this.belowMain = belowMain;
    this.onTarget = onTarget;
    this.onProbe = onProbe;
    this.probe = null; // the probe's input (n numbers), or null
    this.probeInfo = null; // what Rust made of it on the snapshot shown
    this.container = container;
    this.template = template;
    this.theme = theme;
    this.onSeek = onSeek;
    this.exportName = exportName;
    this.onPick = onPick;
    this.figures = [];
    this.snapshot = null;
    this.rotation = { yaw: 0.6, pitch: 0.35 };
    this.highlight = null;
    this.drawCost = 0;
    // A canvas that changes size is drawn again at its new size.
    this.sizes = new ResizeObserver((entries) => this.resized(entries.map((e) => e.target)));
  }

  // Shows `views` (the first one large) and keeps the canvases of views already shown; `info` is the
  // views table's entries by id for the model shown (captions and formulas follow the model).
  arrange(views, info) {
    this.info = info;
    const existing = new Map(this.figures.map((f) => [f.dataset.view, f]));
    this.figures = views.map((v) => existing.get(v) ?? this.make(v));
    for (const f of this.figures) this.describe(f);
    // The probe's panel goes right under the large view, where its input and that view are seen together.
    const below = this.belowMain ? [this.belowMain] : [];
    this.container.replaceChildren(...this.figures.slice(0, 1), ...below, ...this.figures.slice(1));
    this.figures.forEach((f, k) => f.classList.toggle('main', k === 0));
  }

  describe(figure) {
    const v = this.info?.[figure.dataset.view];
    if (!v) return;
    figure.querySelector('canvas').setAttribute('aria-label', `${v.name}: ${v.caption}`);
    figure.querySelector('.caption').textContent = v.caption;
    figure.querySelector('.formula').textContent = v.formula;
  }

  get shown() {
    return this.figures.map((f) => f.dataset.view);
  }

  make(view) {
    const figure = this.template.content.firstElementChild.cloneNode(true);
    figure.dataset.view = view;
    const canvas = figure.querySelector('canvas');
    canvas.dataset.view = view;
    canvas.setAttribute('role', 'img');
    this.sizes.observe(canvas);
    this.describe(figure);
    const readout = figure.querySelector('output');
    const at = (e) => {
      const box = canvas.getBoundingClientRect();
      return [box.width, box.height, e.clientX - box.left, e.clientY - box.top];
    };
    canvas.addEventListener('pointermove', (e) => {
      if (e.buttons && view === 'hidden') {
        this.rotation = { yaw: this.rotation.yaw + e.movementX * 0.01, pitch: Math.max(-1.5, Math.min(1.5, this.rotation.pitch + e.movementY * 0.01)) };
        this.drawOne(figure);
      }
      if (this.snapshot) readout.textContent = this.snapshot.pick(view, ...at(e));
    });
    canvas.addEventListener('pointerleave', () => { readout.textContent = ''; });
    // The loss curve is a scrubber (click or drag to show that step); in the dynamics view a line marks
    // its feature or neuron in every view, and anywhere else shows that step.
    const scrub = (e) => {
      const step = this.snapshot.step_at(view, ...at(e));
      if (step >= 0) this.onSeek(step);
    };
    canvas.addEventListener('pointerdown', (e) => {
      if (!this.snapshot) return;
      if (view === 'loss') scrub(e);
      if (view === 'dynamics') {
        const line = this.snapshot.series_at(view, ...at(e));
        if (line) this.onPick(line);
        else scrub(e);
      }
    });
    canvas.addEventListener('pointermove', (e) => {
      if (this.snapshot && e.buttons && view === 'loss') scrub(e);
    });
    // A click (not a drag that turned the hidden space) on a neuron, an output or a feature selects it
    // for the probe's readout.
    let down = null;
    canvas.addEventListener('pointerdown', (e) => { down = [e.clientX, e.clientY]; });
    canvas.addEventListener('click', (e) => {
      if (!this.snapshot || view === 'loss' || view === 'dynamics') return;
      if (down && Math.hypot(e.clientX - down[0], e.clientY - down[1]) > 4) return;
      const target = this.snapshot.target_at(view, ...at(e), this.rotation.yaw, this.rotation.pitch);
      if (target) this.onTarget?.(target);
    });
    figure.querySelector('[data-export="png"]').addEventListener('click', () => {
      canvas.toBlob((blob) => download(blob, `${this.exportName()}-${view}.png`), 'image/png');
    });
    figure.querySelector('[data-export="svg"]').addEventListener('click', () => {
      if (!this.snapshot) return;
      const box = canvas.getBoundingClientRect();
      const svg = this.snapshot.svg(view, box.width, box.height, this.theme());
      download(new Blob([svg], { type: 'image/svg+xml' }), `${this.exportName()}-${view}.svg`);
    });
    return figure;
  }

  // Takes a new snapshot (freeing the old one) and draws every view.
  show(snapshot, done) {
    this.snapshot?.free();
    this.snapshot = snapshot;
    if (this.highlight) snapshot.set_highlight(this.highlight.kind, this.highlight.index);
    this.applyProbe();
    this.draw(done);
  }

  // The probe's input on the snapshot shown (Rust reads it for the model and says what it changed).
  applyProbe() {
    if (!this.snapshot) return;
    if (this.probe) this.probeInfo = JSON.parse(this.snapshot.set_probe(Float32Array.from(this.probe)));
    else {
      this.snapshot.clear_probe();
      this.probeInfo = null;
    }
    this.onProbe?.(this.probeInfo);
  }

  setProbe(x) {
    this.probe = x;
    if (this.snapshot) {
      this.applyProbe();
      this.draw();
    }
  }

  setHighlight(h) {
    this.highlight = h;
    if (this.snapshot) {
      this.snapshot.set_highlight(h?.kind ?? '', h?.index ?? 0);
      this.draw();
    }
  }

  // Draws every view, the large one first, in slices of the page's thread of about SLICE_MS: a view
  // is laid out by Rust (Snapshot.prepare), its costliest shapes rasterised a band at a time over as
  // many slices as they take (Drawing.work), then painted at once (Drawing.paint), so its canvas shows
  // the previous drawing until the new one is whole. The page answers clicks between slices, and each
  // frame's commit holds only what that frame painted. `which` are the views that need drawing (all
  // by default); a new snapshot makes every view stale again and the round under way draws them (the
  // large one first). `done` is called once every view shows this snapshot.
  draw(done, which = this.figures) {
    if (!this.snapshot) {
      done?.();
      return;
    }
    this.stale ??= new Set();
    for (const f of which) this.stale.add(f);
    // A round still owes its `done` (the engine's credit for the next frame) until it finishes.
    this.owed = [...(this.owed ?? []), ...(done ? [done] : [])];
    if (this.drawing) return; // the round under way takes them
    this.drawing = true;
    const start = performance.now();
    const next = () => {
      const sliceStart = performance.now();
      const spent = () => performance.now() - sliceStart;
      let worked = false;
      for (;;) {
        if (!this.job) {
          const figure = this.figures.find((f) => this.stale.has(f));
          if (!figure) break;
          if (worked && spent() > SLICE_MS) {
            requestAnimationFrame(next);
            return;
          }
          this.stale.delete(figure);
          this.job = this.prepare(figure);
          worked = true;
          if (!this.job) continue;
        }
        if (!this.job.drawing.work(Math.max(1, SLICE_MS - spent()))) {
          requestAnimationFrame(next);
          return;
        }
        this.paintJob();
      }
      this.stale.clear(); // views no longer shown
      this.drawing = false;
      this.drawCost = performance.now() - start;
      const owed = this.owed;
      this.owed = [];
      owed.forEach((f) => f());
    };
    next();
  }

  // Redraws the views whose canvases changed size since they were drawn (a resize, a new layout).
  resized(canvases) {
    const dpr = window.devicePixelRatio || 1;
    const changed = this.figures.filter((f) => {
      const c = f.querySelector('canvas');
      return canvases.includes(c) && c.dataset.drawn !== `${c.clientWidth}×${c.clientHeight}@${dpr}`;
    });
    if (changed.length) this.draw(undefined, changed);
  }

  // The view of `figure` laid out for its canvas, to be rasterised and painted; null when the canvas
  // is not laid out (hidden).
  prepare(figure) {
    const canvas = figure.querySelector('canvas');
    if (canvas.clientWidth === 0) return null;
    const dpr = window.devicePixelRatio || 1;
    const drawing = this.snapshot.prepare(canvas, figure.dataset.view, this.theme(), dpr, this.rotation.yaw, this.rotation.pitch);
    return { figure, canvas, drawing, size: `${canvas.clientWidth}×${canvas.clientHeight}@${dpr}` };
  }

  paintJob() {
    const job = this.job;
    this.job = null;
    paint(job);
  }

  // Draws `figure` now, in one go (turning the hidden space follows the pointer); a drawing of it
  // under way is dropped, as this one is newer.
  drawOne(figure) {
    if (this.job?.figure === figure) {
      this.job.drawing.free();
      this.job = null;
    }
    const job = this.prepare(figure);
    if (job) paint(job);
  }
}

function paint({ canvas, drawing, size }) {
  canvas.dataset.drawn = size;
  drawing.paint(canvas); // frees the drawing
}

// About how long each slice of drawing the views takes of the page's thread, in ms.
const SLICE_MS = 8;

export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

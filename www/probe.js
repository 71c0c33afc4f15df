// The input probe: a strip of the n input features where a person sets an input (click to step a value
// through 0, 1 and, for abs, −1; drag up or down for any value in the model's range), the readout of a
// selected neuron or output (its equation with the current numbers, from Rust's readout), and the named
// geometry of the features. Rust reads the input (range, count), computes every number and writes
// every sentence; this file only keeps the values, forwards pointers and keys, and shows the text.

const $ = (id) => document.getElementById(id);

// How many of the strip's cells are made in one frame.
const CELLS_AT_ONCE = 250;

export class Probe {
  // `onChange(x)`: the input changed (null: cleared); `onSelect(target)`: the readout's target changed.
  constructor({ onChange, onSelect }) {
    this.onChange = onChange;
    this.onSelect = onSelect;
    this.n = 0;
    this.m = 0;
    this.signed = false;
    this.x = null; // the input (n numbers), or null when no probe is set
    this.target = null; // {kind: 'neuron' | 'output', index}
    this.seed = 0; // the next batch row's seed
    this.focus = 0; // the strip's cell that takes the keyboard
    this.strip = $('probe-strip');
    this.cells = [];
    this.wire();
  }

  // A new model: its sizes and whether its inputs take both signs. A probe of another size is dropped.
  setModel(settings) {
    const s = new URLSearchParams(settings);
    const n = Number(s.get('n')) || 0;
    const m = Number(s.get('m')) || 0;
    const signed = s.get('model') === 'abs';
    if (n !== this.n || signed !== this.signed) this.x = null;
    this.signed = signed;
    if (n !== this.n || m !== this.m) {
      this.n = n;
      this.m = m;
      this.buildStrip();
      if (this.target && this.target.index >= (this.target.kind === 'neuron' ? m : n)) this.target = null;
      this.buildTargets();
      this.showTarget();
    }
    this.names = {
      hidden: ['relu-hidden', 'abs'].includes(s.get('model')) ? 'neurons that fire' : 'hidden h',
      output: signed ? 'y′' : 'x′',
    };
    $('probe-range').textContent = signed ? 'each xᵢ in [−1, 1]' : 'each xᵢ in [0, 1]';
    this.showValues();
  }

  get range() {
    return this.signed ? [-1, 1] : [0, 1];
  }

  // What a click does to a cell's value.
  get how() {
    return this.signed ? '0 → 1 → −1' : '0 ↔ 1';
  }

  // The cells, each showing 0, made CELLS_AT_ONCE a frame (a thousand in one task are a long task of
  // style and layout): one cell made and cloned into a fragment, inserted at once. No markup from
  // strings. Values set before every cell is made are shown as each is made.
  buildStrip() {
    this.strip.replaceChildren();
    this.cells = [];
    this.shownValues = [];
    this.focus = 0;
    this.building = (this.building ?? 0) + 1;
    this.addCells(this.building);
  }

  addCells(building) {
    if (building !== this.building) return;
    const how = this.how;
    const model = document.createElement('button');
    model.type = 'button';
    model.className = 'probe-cell';
    model.dataset.sign = '0';
    const cells = document.createDocumentFragment();
    const end = Math.min(this.n, this.cells.length + CELLS_AT_ONCE);
    for (let i = this.cells.length; i < end; i += 1) {
      const name = `x${sub(i)} = 0`;
      const cell = model.cloneNode(true);
      cell.dataset.feature = String(i);
      cell.tabIndex = i === 0 ? 0 : -1;
      cell.setAttribute('aria-label', name);
      cell.title = `${name} (click: ${how}; drag up or down: any value)`;
      cells.append(cell);
      this.cells.push(cell);
      this.shownValues.push(`0${how}`);
    }
    this.strip.append(cells);
    if (this.x) this.showValues();
    if (end < this.n) requestAnimationFrame(() => this.addCells(building));
  }

  // One option per neuron and per output, n + m of them: made a few hundred at a time when the page is
  // idle (thousands at once are a long task of style and layout), all at once when one is chosen first.
  buildTargets() {
    const select = $('probe-target');
    select.replaceChildren(new Option('— click a neuron or an output in a view —', ''));
    this.filled = 0;
    this.filling = (this.filling ?? 0) + 1;
    this.fillTargets(TARGETS_AT_ONCE);
  }

  fillTargets(count) {
    const total = this.m + this.n;
    const end = Math.min(total, this.filled + count);
    const options = document.createDocumentFragment();
    for (let k = this.filled; k < end; k += 1) {
      options.append(k < this.m ? new Option(`neuron h${sub(k)}`, `neuron ${k}`) : new Option(`output ${sub(k - this.m)}`, `output ${k - this.m}`));
    }
    $('probe-target').append(options);
    this.filled = end;
    if (end < total) {
      const filling = this.filling;
      const later = window.requestIdleCallback ?? ((f) => setTimeout(f, 50));
      later(() => { if (filling === this.filling) this.fillTargets(TARGETS_AT_ONCE); });
    }
  }

  showTarget() {
    if (this.target && this.filled < this.m + this.n) this.fillTargets(Infinity);
    $('probe-target').value = this.target ? `${this.target.kind} ${this.target.index}` : '';
  }

  // Sets the input (Rust reads it again: what it had to change comes back as notices).
  set(x) {
    this.x = x ? Array.from(x, Number) : null;
    this.showValues();
    this.onChange(this.x);
  }

  setValue(i, v) {
    const x = this.x ? [...this.x] : new Array(this.n).fill(0);
    const [lo, hi] = this.range;
    x[i] = Math.max(lo, Math.min(hi, Math.round(v * 100) / 100));
    if (Object.is(x[i], -0)) x[i] = 0;
    this.set(x);
  }

  // Click: 0 → 1 → (abs: −1 →) 0.
  cycle(i) {
    const v = this.x?.[i] ?? 0;
    const next = v === 0 ? 1 : v > 0 && this.signed ? -1 : 0;
    this.setValue(i, next);
  }

  select(target) {
    this.target = target;
    this.showTarget();
    this.onSelect(target);
  }

  // The strip shows each value as a bar up (positive) or down (negative) from the middle line. Only the
  // cells whose value or range changed are written (n = 1000 cells, four attributes each, is a cost to
  // pay once per model, not on every input).
  showValues() {
    const [lo] = this.range;
    const signed = lo < 0;
    this.strip.classList.toggle('signed', signed);
    this.shownValues ??= [];
    const how = this.how;
    for (let i = 0; i < this.cells.length; i += 1) {
      const v = this.x?.[i] ?? 0;
      const key = `${v}${how}`;
      if (this.shownValues[i] === key) continue;
      this.shownValues[i] = key;
      const cell = this.cells[i];
      const name = `x${sub(i)} = ${show(v)}`;
      cell.style.setProperty('--v', String(v));
      cell.dataset.sign = v > 0 ? '+' : v < 0 ? '−' : '0';
      cell.setAttribute('aria-label', name);
      cell.title = `${name} (click: ${how}; drag up or down: any value)`;
    }
    $('probe-clear').disabled = this.x === null;
  }

  // The input's footprint in words: the hidden values and outputs that are not 0, largest first.
  showActivations(info, names) {
    const box = $('probe-activations');
    if (!info) {
      box.textContent = 'No input set: click the strip (or a preset) to feed the model one.';
      return;
    }
    const top = (values, symbol) => values.map((v, k) => [v, k]).filter(([v]) => v !== 0)
      .sort((a, b) => Math.abs(b[0]) - Math.abs(a[0]) || a[1] - b[1]).slice(0, 6)
      .map(([v, k]) => `${symbol}${sub(k)} = ${show(v)}`);
    const h = top(info.h, 'h');
    const out = top(info.out, names.output);
    box.textContent = `${names.hidden}: ${h.length ? h.join(', ') : 'all 0'}${info.active.length > 6 ? ` (${info.active.length} fire)` : ''} · outputs: ${out.length ? out.join(', ') : 'all 0'}`;
  }

  // The readout and the input's notices, as Rust wrote them.
  showReadout(readout, notices) {
    const box = $('probe-readout');
    const lines = readout ? [readout.equation, readout.numbers, readout.note].filter(Boolean) : ['Click a neuron or an output in a view (or choose one here) to read how it is computed.'];
    box.replaceChildren(...lines.map((text, k) => {
      const p = document.createElement('p');
      p.className = k < 2 && readout ? 'equation' : 'note';
      p.textContent = text;
      return p;
    }));
    $('probe-notices').textContent = notices.length ? `Input: ${notices.join('; ')}.` : '';
  }

  // The named geometry: the arrangement and its badge (tied models, m ≤ 3), and the feature-geometry
  // graph's components.
  showGeometry(g) {
    const name = $('probe-shape');
    const badge = $('probe-badge');
    if (g.arrangement) {
      name.textContent = g.arrangement.name;
      badge.textContent = g.arrangement.badge;
      badge.dataset.superposition = String(g.arrangement.superposition);
      badge.hidden = false;
      badge.title = g.arrangement.reason;
      $('probe-shape-why').textContent = g.arrangement.reason;
    } else {
      name.textContent = '';
      badge.hidden = true;
      $('probe-shape-why').textContent = g.no_arrangement ?? '';
    }
    if (!g.graph) {
      $('probe-graph').textContent = `Feature-geometry graph: not computed here: ${g.no_graph}.`;
      return;
    }
    const c = g.graph.components;
    const shown = c.slice(0, 6).map((k) => {
      const span = k.features.length === 1 ? `feature ${k.features[0]}` : `${k.features.length} features (${list(k.features)})`;
      const shape = k.shape ?? k.fraction_shape;
      return `${span}: Dᵢ ≈ ${k.fraction}${shape ? ` (${shape})` : ''}`;
    });
    if (c.length > 6) shown.push(`${c.length - 6} more`);
    const none = g.graph.not_represented.length;
    $('probe-graph').textContent = c.length === 0
      ? 'Feature-geometry graph: no feature is represented (‖Wᵢ‖ ≥ 0.5).'
      : `Feature-geometry graph (edges where |Wᵢ·Wⱼ| ≥ ${g.graph.edge_cut}): ${c.length} component${c.length === 1 ? '' : 's'}: ${shown.join('; ')}${none ? `; ${none} feature${none === 1 ? '' : 's'} not represented` : ''}.`;
  }

  wire() {
    // Pointer: a click steps the value; a drag sets the value under the pointer (its height in the
    // strip), across cells as it moves.
    let drag = null;
    const at = (e) => {
      const box = this.strip.getBoundingClientRect();
      const i = Math.max(0, Math.min(this.n - 1, Math.floor(((e.clientX - box.left) / box.width) * this.n)));
      const t = 1 - (e.clientY - box.top) / box.height; // 0 at the bottom, 1 at the top
      const [lo, hi] = this.range;
      return [i, lo + (hi - lo) * Math.max(0, Math.min(1, t))];
    };
    this.strip.addEventListener('pointerdown', (e) => {
      if (this.n === 0) return;
      drag = { start: [e.clientX, e.clientY], moved: false, feature: at(e)[0] };
      this.strip.setPointerCapture?.(e.pointerId);
    });
    this.strip.addEventListener('pointermove', (e) => {
      if (!drag) return;
      if (!drag.moved && Math.hypot(e.clientX - drag.start[0], e.clientY - drag.start[1]) < 4) return;
      drag.moved = true;
      const [i, v] = at(e);
      this.setValue(i, v);
    });
    this.strip.addEventListener('pointerup', () => {
      if (drag && !drag.moved) {
        this.cycle(drag.feature);
        this.moveFocus(drag.feature);
      }
      drag = null;
    });
    this.strip.addEventListener('pointercancel', () => { drag = null; });
    // A click from the keyboard (Enter or space on a cell) steps its value.
    this.strip.addEventListener('click', (e) => {
      if (e.detail !== 0) return; // pointer clicks were handled on pointerup
      const cell = e.target.closest('.probe-cell');
      if (cell) this.cycle(Number(cell.dataset.feature));
    });
    // Keys on the strip (one tab stop): ←/→ move between features, ↑/↓ change the value by 0.1, 0, 1
    // and − set it, Home/End go to the first and last feature.
    this.strip.addEventListener('keydown', (e) => {
      const cell = e.target.closest('.probe-cell');
      if (!cell) return;
      const i = Number(cell.dataset.feature);
      const v = this.x?.[i] ?? 0;
      const keys = {
        ArrowLeft: () => this.moveFocus(i - 1),
        ArrowRight: () => this.moveFocus(i + 1),
        Home: () => this.moveFocus(0),
        End: () => this.moveFocus(this.n - 1),
        ArrowUp: () => this.setValue(i, v + 0.1),
        ArrowDown: () => this.setValue(i, v - 0.1),
        0: () => this.setValue(i, 0),
        1: () => this.setValue(i, 1),
        '-': () => this.setValue(i, -1),
      };
      const action = keys[e.key];
      if (!action) return;
      e.preventDefault();
      e.stopPropagation();
      action();
    });
    $('probe-one').addEventListener('click', () => {
      const i = this.x ? Math.max(0, this.x.findIndex((v) => v !== 0)) : 0;
      const x = new Array(this.n).fill(0);
      x[(this.x && this.x.some((v) => v !== 0) ? i + 1 : 0) % this.n] = 1;
      this.set(x);
    });
    $('probe-two').addEventListener('click', () => {
      const x = new Array(this.n).fill(0);
      x[0] = 1;
      if (this.n > 1) x[1] = this.signed ? -1 : 1;
      this.set(x);
    });
    $('probe-row').addEventListener('click', () => {
      this.seed += 1;
      this.onRow?.(this.seed);
    });
    $('probe-clear').addEventListener('click', () => this.set(null));
    $('probe-target').addEventListener('change', () => {
      const [kind, index] = $('probe-target').value.split(' ');
      this.select(kind ? { kind, index: Number(index) } : null);
    });
  }

  moveFocus(i) {
    const k = Math.max(0, Math.min(this.n - 1, i));
    if (!this.cells[k]) return;
    this.cells[this.focus].tabIndex = -1;
    this.focus = k;
    this.cells[k].tabIndex = 0;
    this.cells[k].focus();
  }
}

// How many of the readout's options are made at once.
const TARGETS_AT_ONCE = 250;

const SUB = '₀₁₂₃₄₅₆₇₈₉';
function sub(k) {
  return String(k).replace(/\d/g, (d) => SUB[Number(d)]);
}

// Two decimals from 0.1 up, two significant digits below (as the readout writes numbers).
function show(v) {
  const text = Math.abs(v) >= 0.1 || v === 0 ? String(Math.round(v * 100) / 100) : String(Number(v.toPrecision(2)));
  return text.replace('-', '−');
}

// "0, 2, 5–9": feature indices, runs shortened.
function list(features) {
  const parts = [];
  for (let k = 0; k < features.length;) {
    let e = k;
    while (e + 1 < features.length && features[e + 1] === features[e] + 1) e += 1;
    parts.push(e - k >= 2 ? `${features[k]}–${features[e]}` : features.slice(k, e + 1).join(', '));
    k = e + 1;
  }
  const text = parts.join(', ');
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

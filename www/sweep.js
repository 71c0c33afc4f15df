// Sweeps in the page: every (value, restart) of a sweep link is an independent run (restart k the run of
// seed + k), trained in a pool of Web Workers (one wasm instance each) a few restarts at a time, and
// each value's best run is drawn here as small multiples, the dimensionality figure and, for
// hidden-layer models, the neuron phase change. A worker that throws or dies is reported on its value's
// row; the rest of the sweep carries on. Where workers cannot start at all (a sandbox the trampoline of
// workers.js cannot get through, the page gone offline), the sweep says so once, with a link to the page
// opened directly, instead of failing job after job.
import { Panels, restart_choice, snapshot_of, sweep_plan, views_schema } from './pkg/tms_explorer.js';
import { startWorker } from './workers.js';

// Which restart to keep and how many agree is Rust's choice (`restart_choice`, as `tms sweep` makes it).
const choose = (losses) => JSON.parse(restart_choice(losses instanceof Float32Array ? losses : new Float32Array(losses)));

// "about 40 s", "about 12 min", "about 2 h 5 min".
function duration(seconds) {
  if (!Number.isFinite(seconds)) return 'unknown';
  if (seconds < 90) return `about ${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `about ${minutes} min`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

// A sweep's work is Rust's plan (`sweep_plan`): for each value, restarts 0..K of its setting, split into
// jobs of a few restarts that train together (in vector lanes where the model is small) and are queued
// for the worker pool, the values in turn. Of each job only what the panels need comes back: every
// restart's evaluation loss and its best run, which replaces the value's kept run when it ranks before
// it. So memory holds a run per value and per worker, however many restarts.
// A status line at the top of the sweep's section (replacing an earlier one of the same id), or null
// where the page has no sweep section.
function sweepNotice(id, ...content) {
  const section = document.getElementById('sweep');
  if (!section) return null;
  const notice = document.createElement('p');
  notice.id = id;
  notice.className = 'sweep-notice';
  notice.setAttribute('role', 'status');
  notice.append(...content);
  section.querySelector(`#${id}`)?.remove();
  section.prepend(notice);
  return notice;
}

export class SweepRunner {
  constructor(fragment, ui) {
    this.plan = JSON.parse(sweep_plan(fragment));
    this.fragment = fragment;
    this.ui = ui; // { panels, dimensionality, list, overall, time, theme(), view(), onChange() }
    const K = this.plan.restarts;
    this.values = this.plan.values.map((v, index) => ({
      ...v, index, losses: new Float32Array(K), ranked: new Uint8Array(K), finished: 0, best: null, training: null,
    }));
    this.jobs = this.plan.jobs.map((job, id) => ({ ...job, id, step: 0, state: 'waiting' }));
    this.groups = this.values.map((v) => v.index);
    this.queue = [...this.jobs];
    this.workers = [];
    this.paused = false;
    this.finished = false;
    this.started = false;
    this.drawPending = false;
    this.panels = new Panels();
    this.phase = new PhaseFigure(this);
    // A worker that dies without a word (killed, out of memory) goes silent: training workers report
    // every quarter second, so this much silence means it is gone.
    this.silence = 20000;
    this.size = Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1, this.jobs.length));
    // Time spent training (pauses left out), for the rate behind "time left".
    this.clock = { since: null, spent: 0, startSteps: 0 };
    // The estimate of the whole sweep on this pool (Rust's cost model); a long sweep asks first, and
    // meanwhile measures this machine (`measure`), whose figure then replaces the cost model's.
    this.estimate = this.plan.estimate_seconds / this.size;
    this.measured = null; // {rates, pace, estimate} once measured; {failure} when it could not be
    this.probes = [];
    this.buildList();
    if (this.estimate > this.plan.ask_above_seconds) {
      this.ask();
      this.measure();
    } else this.start();
    this.update();
  }

  // Starts the pool (once).
  start() {
    if (this.started || this.finished) return;
    this.started = true;
    this.stopProbes();
    this.askNotice?.remove();
    this.askNotice = null;
    this.watchdog = setInterval(() => this.checkSilence(), 500);
    this.clock.since = performance.now();
    for (let k = 0; k < this.size; k++) this.spawn();
    this.update();
  }

  // Before a long sweep: what it trains, how long it should take here, and a Start button.
  ask() {
    const start = document.createElement('button');
    start.type = 'button';
    start.id = 'sweep-go';
    start.textContent = 'Start';
    start.addEventListener('click', () => this.start());
    this.askNotice = sweepNotice('sweep-estimate', document.createTextNode(this.askText()), start);
  }

  // The notice's words, on the estimate there is: the cost model's until this machine is measured.
  askText() {
    const runs = this.values.length * this.plan.restarts;
    let basis = 'an estimate from the cost model; measuring this machine…';
    if (this.measured?.pace) {
      basis = `the cost model's ${duration(this.plan.estimate_seconds / this.size).replace('about ', '')}, scaled to this machine: measured at ${this.measured.pace.toFixed(1)}× the pace it assumes`;
    } else if (this.measured?.failure) basis = `an estimate from the cost model; this machine could not be measured: ${this.measured.failure}`;
    return `This sweep trains ${runs.toLocaleString('en')} runs (${this.values.length} values × ${this.plan.restarts.toLocaleString('en')} restarts) of ${this.plan.until.toLocaleString('en')} steps: ${duration(this.estimate)} with ${this.size} worker${this.size === 1 ? '' : 's'} here (${basis}). It keeps each run's evaluation loss and each value's best run; pause, resume or cancel at any time. `;
  }

  // The notice again, its Start button kept (and the focus on it).
  reask() {
    if (this.askNotice) this.askNotice.firstChild.textContent = this.askText();
    this.update();
  }

  // While a long sweep waits for Start: this machine's pace against the cost model behind
  // `estimate_seconds`, measured on Rust's speed probe (work whose every step costs the same, so a
  // fifth of a second tells; the sweep's own first steps would not: in the rows order a trained
  // model's steps are cheaper than its first). As many workers measure at once as the pool will have,
  // so they share the cores as the pool will. The cost model is calibrated on one machine and was off
  // by twice on another; scaled by this pace it is not. Nothing measured is kept but the rates.
  measure() {
    const probe = this.plan.speed_probe;
    const sample = { settings: probe.settings, first: 0, count: probe.count, until: probe.until, evalSeed: 0 };
    const rates = [];
    const probing = [];
    for (let k = 0; k < this.size; k++) {
      const slot = { worker: null };
      this.probes.push(slot);
      probing.push(startWorker(new URL('./worker.js', import.meta.url)).then((worker) => new Promise((resolve, reject) => {
        if (!this.probes.includes(slot)) {
          worker.terminate();
          resolve();
          return;
        }
        slot.worker = worker;
        worker.addEventListener('message', (event) => {
          const m = event.data;
          if (m.type === 'measured') {
            rates.push(m.rate);
            resolve();
          } else if (m.type === 'failed') reject(new Error(`a worker stopped: ${m.message}`));
        });
        worker.postMessage({ type: 'measure', sample, warmup: 250, windows: 5, ms: 40 });
      })));
    }
    Promise.all(probing).then(() => {
      if (this.started || this.finished) return;
      this.stopProbes();
      if (rates.length === 0 || !rates.every((r) => r > 0)) {
        this.measured = { failure: 'the measurement trained no step' };
      } else {
        // Restart-steps per second a worker, and that over what the cost model assumes.
        const rate = rates.reduce((a, b) => a + b, 0) / rates.length;
        const pace = (rate * probe.ns_per_restart_step) / 1e9;
        this.estimate = this.plan.estimate_seconds / pace / this.size;
        this.measured = { rates, pace, estimate: this.estimate };
      }
      this.reask();
    }, (error) => {
      if (this.started || this.finished) return;
      this.stopProbes();
      this.measured = { failure: error.message };
      this.reask();
    });
  }

  stopProbes() {
    for (const probe of this.probes) probe.worker?.terminate();
    this.probes = [];
  }

  // A worker slot: it takes jobs once its worker has said it is ready.
  spawn() {
    const slot = { worker: null, job: null, lastSeen: performance.now() };
    this.workers.push(slot);
    startWorker(new URL('./worker.js', import.meta.url), {
      onFail: (why) => this.fail(slot, `the worker stopped: ${why}`),
    }).then((worker) => {
      if (this.finished || !this.workers.includes(slot)) {
        worker.terminate();
        return;
      }
      slot.worker = worker;
      worker.addEventListener('message', (event) => {
        slot.lastSeen = performance.now();
        this.receive(slot, event.data);
      });
      worker.onmessageerror = () => this.fail(slot, 'the worker sent a message that could not be read');
      this.next(slot);
    }, (error) => this.cannotStart(slot, error.message));
  }

  // A worker that could not load takes no job with it and is not replaced (its replacement would not
  // load either). With no worker left, the sweep stops and says why, once.
  cannotStart(slot, why) {
    if (!this.workers.includes(slot)) return;
    this.workers = this.workers.filter((s) => s !== slot);
    this.startFailure ??= why;
    if (this.workers.length > 0 || this.finished) return;
    for (const job of this.jobs) if (job.state === 'waiting') job.state = 'not run';
    this.queue = [];
    this.showUnavailable(this.startFailure);
    this.update();
    this.checkDone();
  }

  // The plain notice where the sweep's panels would be: why, and the page opened directly.
  showUnavailable(why) {
    const direct = new URL(window.location.href);
    direct.search = '';
    direct.hash = this.fragment;
    const link = document.createElement('a');
    link.href = direct.href;
    link.target = '_blank';
    link.rel = 'noopener';
    link.textContent = 'Open this sweep in the page itself ↗';
    this.notice = sweepNotice('sweep-unavailable', `Sweeps train in background workers, and none can start here (${why}). Sweeps need the page opened directly. `, link);
  }

  next(slot) {
    if (this.paused || this.finished) return;
    const job = this.queue.shift();
    slot.job = job ?? null;
    if (!job) {
      this.checkDone();
      return;
    }
    job.state = 'running';
    slot.lastSeen = performance.now();
    const value = this.values[job.value];
    slot.worker.postMessage({
      type: 'job', id: job.id, settings: value.settings, first: job.first, count: job.count,
      until: this.plan.until, evalSeed: this.plan.eval_seed,
    });
  }

  receive(slot, m) {
    if (m.type === 'failed') {
      this.fail(slot, `the worker stopped: ${m.message}`);
      return;
    }
    const job = this.jobs[m.id];
    if (!job || job.state === 'failed' || job.state === 'cancelled') return;
    job.step = m.steps;
    if (m.type === 'paused') {
      // How long after the pause this worker stopped (the page's promise: within 250 ms).
      slot.paused = true;
      slot.pausedAfter = performance.now() - this.pausedAt;
      this.update();
      return;
    }
    const value = this.values[job.value];
    try {
      if (m.type === 'progress' && m.training && !value.best) {
        // A picture of the value while none of its restarts is done: the furthest one training.
        if (!value.training || value.training.job === job.id || m.training.step >= value.training.step) {
          value.training?.snapshot.free();
          value.training = { job: job.id, settings: m.training.settings, step: m.training.step, snapshot: this.snapshotOf(value, m.training) };
        }
      } else if (m.type === 'done') {
        this.keep(value, job, m);
      }
    } catch (e) {
      this.fail(slot, `its weights could not be read: ${e.message ?? e}`);
      return;
    }
    if (m.type === 'done') {
      job.state = 'done';
      job.step = job.count * this.plan.until;
      slot.job = null;
      this.next(slot);
    }
    this.update();
  }

  snapshotOf(value, run) {
    const snapshot = snapshot_of(run.settings, run.params, run.step, run.losses);
    snapshot.set_label(value.label);
    return snapshot;
  }

  // A finished job's restarts: their losses recorded, and its best run kept when it ranks before the
  // value's kept run (Rust's rule on the two, in seed order: the lower loss, ties to the lower seed).
  keep(value, job, m) {
    m.evalLosses.forEach((loss, k) => {
      value.losses[job.first + k] = loss;
      value.ranked[job.first + k] = 1;
    });
    value.finished += m.evalLosses.length;
    const mine = { restart: m.best, loss: m.bestLoss };
    const kept = value.best;
    let better = !kept;
    if (kept) {
      const pair = kept.restart < mine.restart ? [kept, mine] : [mine, kept];
      better = pair[choose(pair.map((r) => r.loss)).best] === mine;
    }
    if (!better) return;
    const snapshot = this.snapshotOf(value, m);
    kept?.snapshot.free();
    value.best = { ...mine, settings: m.settings, step: m.step, snapshot, json: JSON.parse(m.json), diverged: m.diverged };
    value.training?.snapshot.free();
    value.training = null;
  }

  // The job on this worker failed: say so on its value's row, replace the worker, carry on.
  fail(slot, message) {
    if (!this.workers.includes(slot)) return; // already failed (an error event and a message, say)
    const job = slot.job;
    slot.worker?.terminate();
    this.workers = this.workers.filter((s) => s !== slot);
    if (job && job.state !== 'done') {
      job.state = 'failed';
      job.message = message;
    }
    slot.job = null;
    if (!this.finished && this.queue.length > 0) this.spawn();
    this.update();
    this.checkDone();
  }

  checkSilence() {
    if (this.paused || this.finished) return;
    const now = performance.now();
    for (const slot of [...this.workers]) {
      if (slot.worker && slot.job && now - slot.lastSeen > this.silence) this.fail(slot, `the worker stopped responding (silent for ${Math.round((now - slot.lastSeen) / 1000)} s)`);
    }
  }

  checkDone() {
    if (this.jobs.every((j) => ['done', 'failed', 'cancelled', 'not run'].includes(j.state))) {
      this.finished = true;
      this.stopClock();
      clearInterval(this.watchdog);
      for (const slot of this.workers) slot.worker?.terminate();
      this.workers = [];
      this.update();
    }
  }

  stopClock() {
    if (this.clock.since !== null) this.clock.spent += performance.now() - this.clock.since;
    this.clock.since = null;
  }

  pause() {
    if (this.paused || this.finished) return;
    this.paused = true;
    this.pausedAt = performance.now();
    this.stopClock();
    for (const slot of this.workers) {
      slot.paused = false;
      slot.worker?.postMessage({ type: 'pause' });
    }
    this.update();
  }

  resume() {
    if (!this.paused || this.finished) return;
    this.paused = false;
    if (!this.started) {
      this.start();
      return;
    }
    this.clock.since = performance.now();
    for (const slot of this.workers) {
      slot.lastSeen = performance.now();
      slot.paused = false;
    }
    for (const slot of this.workers) {
      if (!slot.worker) continue; // still starting: takes a job when ready
      if (slot.job) slot.worker.postMessage({ type: 'resume' });
      else this.next(slot);
    }
    this.update();
  }

  // Frees every worker; unfinished jobs are marked cancelled, and what finished stays (and says so).
  cancel() {
    clearInterval(this.watchdog);
    this.stopClock();
    this.stopProbes();
    this.askNotice?.remove();
    this.askNotice = null;
    for (const slot of this.workers) slot.worker?.terminate();
    this.workers = [];
    for (const job of this.jobs) if (job.state === 'waiting' || job.state === 'running') job.state = 'cancelled';
    this.queue = [];
    this.finished = true;
    this.update();
  }

  // Tests and the curious: make worker k fail the way a bug in the trainer would (a wasm panic).
  crash(k = 0) {
    this.workers[k]?.worker?.postMessage({ type: 'crash' });
  }

  // What a value's panel shows: its kept run (the best of the restarts finished), or while none is
  // finished the furthest restart training ({settings, step, snapshot}); null before either.
  shown(group) {
    const value = this.values[group];
    if (!value) return null;
    if (value.best) return { settings: value.best.settings, step: this.plan.until, snapshot: value.best.snapshot, json: value.best.json };
    return value.training;
  }

  // The kept restart of a value and how many of the finished ones agree (Rust's choice over all of
  // them, in seed order: the same restart `keep` kept).
  choice(value) {
    if (value.finished === value.losses.length) return choose(value.losses);
    return choose(value.losses.filter((_, k) => value.ranked[k]));
  }

  summary(group) {
    const value = this.values[group];
    const jobs = this.jobs.filter((j) => j.value === group);
    const failed = jobs.filter((j) => j.state === 'failed');
    const steps = jobs.reduce((s, j) => s + j.step, 0);
    const K = this.plan.restarts;
    const best = () => {
      const c = this.choice(value);
      return `best of ${c.of}: seed ${value.best.json.config.seed}, eval loss ${c.eval_loss.toExponential(3)}; ${c.agree} of ${c.of} agree${neuronText(value.best.json.metrics)}`;
    };
    let text;
    if (failed.length) text = `failed: ${failed[0].message}`;
    else if (jobs.some((j) => j.state === 'not run')) text = `not run: ${this.startFailure}`;
    else if (jobs.some((j) => j.state === 'cancelled')) {
      text = value.best ? `cancelled with ${value.finished} of ${K} restarts finished; ${best()}` : 'cancelled before any restart finished';
    } else if (value.finished === K && value.best) text = best();
    else {
      const counted = K > 1 ? ` ${value.finished} of ${K} restarts done` : '';
      text = `${this.paused ? 'paused' : this.started ? 'training…' : 'waiting to start'}${counted}`;
    }
    return { steps, total: this.plan.until * K, text, failed: failed.length > 0 };
  }

  buildList() {
    this.rows = this.values.map((value) => {
      const row = document.createElement('li');
      const label = document.createElement('span');
      label.className = 'sweep-label';
      label.textContent = value.label;
      const bar = document.createElement('progress');
      bar.max = 1;
      const status = document.createElement('span');
      status.className = 'sweep-status';
      row.append(label, bar, status);
      return { row, bar, status };
    });
    this.ui.list.replaceChildren(...this.rows.map((r) => r.row));
  }

  // Restart-steps per second of training so far (pauses left out); null before a second of it.
  rate() {
    const spent = this.clock.spent + (this.clock.since === null ? 0 : performance.now() - this.clock.since);
    const done = this.jobs.reduce((s, j) => s + j.step, 0);
    return spent > 1000 && done > 0 ? done / (spent / 1000) : null;
  }

  update() {
    let steps = 0;
    let total = 0;
    this.groups.forEach((group, k) => {
      const s = this.summary(group);
      steps += s.steps;
      total += s.total;
      this.rows[k].bar.value = s.total ? s.steps / s.total : 1;
      this.rows[k].status.textContent = s.text;
      this.rows[k].row.classList.toggle('failed', s.failed);
    });
    this.ui.overall.value = total ? steps / total : 1;
    if (this.ui.time) {
      const rate = this.rate();
      let text;
      if (this.finished) {
        const cancelled = this.jobs.some((j) => j.state === 'cancelled');
        const finished = this.values.reduce((n, v) => n + v.finished, 0);
        const runs = (this.values.length * this.plan.restarts).toLocaleString('en');
        text = cancelled ? `cancelled: ${finished.toLocaleString('en')} of ${runs} runs finished, and kept` : '';
      } else if (!this.started) text = `estimate ${duration(this.estimate)}`;
      else if (this.paused) text = 'paused';
      else text = `${duration(rate ? (total - steps) / rate : this.estimate * (1 - steps / total))} left`;
      this.ui.time.textContent = text;
    }
    if (!this.drawPending) {
      this.drawPending = true;
      requestAnimationFrame(() => {
        this.drawPending = false;
        this.draw();
      });
    }
    this.ui.onChange(this);
  }

  draw() {
    if (this.freed) return;
    const shown = this.groups.map((g) => this.shown(g));
    if (shown.some((j) => !j)) return; // every panel needs weights first
    shown.forEach((run, k) => this.panels.set(k, run.snapshot));
    const dpr = window.devicePixelRatio || 1;
    this.panels.draw(this.ui.panels, this.ui.view(), this.ui.theme(), dpr);
    this.panels.draw(this.ui.dimensionality, 'dimensionality', this.ui.theme(), dpr);
    this.phase.draw(dpr);
  }

  // The sweep's result as `tms sweep --json` writes it: the kept run of each value, with every
  // restart's evaluation loss (null for one not trained).
  exportJson() {
    return this.values.map((value, group) => {
      const losses = Array.from(value.losses, (l, k) => (value.ranked[k] ? l : null));
      return value.best ? { ...value.best.json, eval_losses: losses } : { failed: this.summary(group).text };
    });
  }

  // Runs held on this page now: each value's kept run and picture (the workers hold one job each).
  runsHeld() {
    return this.values.reduce((n, v) => n + (v.best ? 1 : 0) + (v.training ? 1 : 0), 0);
  }

  free() {
    this.freed = true;
    this.notice?.remove();
    this.phase.free();
    this.cancel();
    for (const value of this.values) {
      value.best?.snapshot.free();
      value.training?.snapshot.free();
      value.best = null;
      value.training = null;
    }
    this.panels.free();
  }
}

// " · 34 monosemantic, 6 polysemantic, 0 dead · 19 of 100 computed" for hidden-layer models (as the
// phase-change figure and `tms sweep` count them); empty otherwise.
function neuronText(metrics) {
  const c = metrics.neuron_counts;
  if (!c) return '';
  const computed = metrics.features_computed === undefined ? ''
    : ` · ${metrics.features_computed} of ${metrics.feature_norms.length} computed`;
  return ` · ${c.monosemantic} monosemantic, ${c.polysemantic} polysemantic, ${c.dead} dead${computed}`;
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// The neuron phase-change figure of a sweep (the 'phase' figure of `Panels`): shown under the
// dimensionality figure for hidden-layer models, with a hover readout and PNG/SVG export. Its listeners
// live as long as the sweep.
class PhaseFigure {
  constructor(runner) {
    this.runner = runner;
    this.figure = document.getElementById('sweep-phase-figure');
    this.canvas = document.getElementById('sweep-phase');
    this.readout = document.getElementById('sweep-phase-hover');
    const settings = runner.plan.values[0]?.settings ?? '';
    const model = new URLSearchParams(settings).get('model');
    // Rust's views table says which sweep figures a model gets (the phase change: hidden-layer models).
    this.shown = Boolean(settings) && JSON.parse(views_schema(settings)).sweep_figures.some((f) => f.id === 'phase');
    this.figure.hidden = !this.shown;
    this.readout.textContent = '';
    const size = () => this.canvas.getBoundingClientRect();
    const stem = () => `tms-sweep-${model}-phase`;
    this.listeners = [
      [this.canvas, 'pointermove', (e) => {
        const b = size();
        this.readout.textContent = this.runner.panels.len === 0 ? ''
          : this.runner.panels.pick('phase', b.width, b.height, e.clientX - b.left, e.clientY - b.top);
      }],
      [this.canvas, 'pointerleave', () => { this.readout.textContent = ''; }],
      [document.getElementById('sweep-phase-png'), 'click', () => {
        this.canvas.toBlob((blob) => download(blob, `${stem()}.png`), 'image/png');
      }],
      [document.getElementById('sweep-phase-svg'), 'click', () => {
        if (this.runner.panels.len === 0) return;
        const b = size();
        const svg = this.runner.panels.svg('phase', b.width, b.height, this.runner.ui.theme());
        download(new Blob([svg], { type: 'image/svg+xml' }), `${stem()}.svg`);
      }],
    ];
    for (const [target, type, listener] of this.listeners) target.addEventListener(type, listener);
  }

  draw(dpr) {
    if (this.shown) this.runner.panels.draw(this.canvas, 'phase', this.runner.ui.theme(), dpr);
  }

  free() {
    for (const [target, type, listener] of this.listeners) target.removeEventListener(type, listener);
    this.listeners = [];
    this.figure.hidden = true;
  }
}

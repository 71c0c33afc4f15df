// Sweeps in the page: every (value, restart) of a sweep link is an independent run, trained in a pool of
// Web Workers (one wasm instance each) and drawn here as small multiples, the dimensionality figure and,
// for hidden-layer models, the neuron phase change. A worker that throws or dies is reported on its
// panel; the rest of the sweep carries on. Where workers cannot start at all (a sandbox the trampoline
// of workers.js cannot get through, the page gone offline), the sweep says so once, with a link to the
// page opened directly, instead of failing job after job.
import { Panels, restart_choice, snapshot_of, sweep_plan, views_schema } from './pkg/tms_explorer.js';
import { startWorker } from './workers.js';

// Which restart to keep and how many agree is Rust's choice (`restart_choice`, as `tms sweep` makes it).
const choose = (runs) => JSON.parse(restart_choice(new Float32Array(runs.map((j) => j.evalLoss))));

export class SweepRunner {
  constructor(fragment, ui) {
    this.plan = JSON.parse(sweep_plan(fragment));
    this.fragment = fragment;
    this.ui = ui; // { panels, dimensionality, list, overall, theme(), view(), onChange() }
    this.jobs = this.plan.jobs.map((job, id) => ({ ...job, id, step: 0, state: 'waiting', snapshot: null }));
    this.groups = [...new Set(this.jobs.map((j) => j.group))];
    this.queue = [...this.jobs];
    this.workers = [];
    this.paused = false;
    this.finished = false;
    this.drawPending = false;
    this.panels = new Panels();
    this.phase = new PhaseFigure(this);
    // A worker that dies without a word (killed, out of memory) goes silent: training workers report
    // every quarter second, so this much silence means it is gone.
    this.silence = 20000;
    this.watchdog = setInterval(() => this.checkSilence(), 500);
    const size = Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1, this.jobs.length));
    for (let k = 0; k < size; k++) this.spawn();
    this.buildList();
    this.update();
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
    const section = document.getElementById('sweep');
    if (!section) return;
    const notice = document.createElement('p');
    notice.id = 'sweep-unavailable';
    notice.className = 'sweep-notice';
    notice.setAttribute('role', 'status');
    const direct = new URL(window.location.href);
    direct.search = '';
    direct.hash = this.fragment;
    const link = document.createElement('a');
    link.href = direct.href;
    link.target = '_blank';
    link.rel = 'noopener';
    link.textContent = 'Open this sweep in the page itself ↗';
    notice.append(`Sweeps train in background workers, and none can start here (${why}). Sweeps need the page opened directly. `, link);
    section.querySelector('#sweep-unavailable')?.remove();
    section.prepend(notice);
    this.notice = notice;
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
    slot.worker.postMessage({ type: 'job', id: job.id, settings: job.settings, until: this.plan.until, evalSeed: this.plan.eval_seed });
  }

  receive(slot, m) {
    if (m.type === 'failed') {
      this.fail(slot, `the worker stopped: ${m.message}`);
      return;
    }
    const job = this.jobs[m.id];
    if (!job || job.state === 'failed') return;
    job.step = m.step;
    try {
      job.snapshot?.free();
      job.snapshot = snapshot_of(job.settings, m.params, m.step, m.losses);
      job.snapshot.set_label(job.label);
    } catch (e) {
      this.fail(slot, `its weights could not be read: ${e.message ?? e}`);
      return;
    }
    if (m.type === 'done') {
      job.state = 'done';
      job.evalLoss = m.evalLoss;
      job.json = JSON.parse(m.json);
      job.diverged = m.diverged;
      this.next(slot);
    }
    this.update();
  }

  // The job on this worker failed: say so on its panel, replace the worker, carry on.
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
      clearInterval(this.watchdog);
      for (const slot of this.workers) slot.worker?.terminate();
      this.workers = [];
      this.update();
    }
  }

  pause() {
    this.paused = true;
    for (const slot of this.workers) slot.worker?.postMessage({ type: 'pause' });
    this.update();
  }

  resume() {
    this.paused = false;
    for (const slot of this.workers) slot.lastSeen = performance.now();
    for (const slot of this.workers) {
      if (!slot.worker) continue; // still starting: takes a job when ready
      if (slot.job) slot.worker.postMessage({ type: 'resume' });
      else this.next(slot);
    }
    this.update();
  }

  // Frees every worker; unfinished runs are marked cancelled.
  cancel() {
    clearInterval(this.watchdog);
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

  // The run a group's panel shows: the best finished restart, or the furthest one still training.
  shown(group) {
    const runs = this.jobs.filter((j) => j.group === group);
    const done = runs.filter((j) => j.state === 'done').sort((a, b) => a.restart - b.restart);
    if (done.length) return done[choose(done).best];
    return runs.filter((j) => j.snapshot).sort((a, b) => b.step - a.step)[0] ?? null;
  }

  summary(group) {
    const runs = this.jobs.filter((j) => j.group === group);
    const failed = runs.filter((j) => j.state === 'failed');
    const done = runs.filter((j) => j.state === 'done');
    const steps = runs.reduce((s, j) => s + (j.state === 'done' ? this.plan.until : j.step), 0);
    let text;
    if (failed.length) text = `failed: ${failed[0].message}`;
    else if (runs.some((j) => j.state === 'not run')) text = `not run: ${this.startFailure}`;
    else if (runs.some((j) => j.state === 'cancelled')) text = 'cancelled';
    else if (done.length === runs.length) {
      const c = choose(done.sort((a, b) => a.restart - b.restart));
      const metrics = this.shown(group).json.metrics;
      text = `best of ${c.of}: seed ${this.shown(group).json.config.seed}, eval loss ${c.eval_loss.toExponential(3)}; ${c.agree} of ${c.of} agree${neuronText(metrics)}`;
    } else text = this.paused ? 'paused' : 'training…';
    return { steps, total: this.plan.until * runs.length, text, failed: failed.length > 0 };
  }

  buildList() {
    this.rows = this.groups.map((group) => {
      const row = document.createElement('li');
      const label = document.createElement('span');
      label.className = 'sweep-label';
      label.textContent = this.jobs.find((j) => j.group === group).label;
      const bar = document.createElement('progress');
      bar.max = 1;
      const status = document.createElement('span');
      status.className = 'sweep-status';
      row.append(label, bar, status);
      return { row, bar, status };
    });
    this.ui.list.replaceChildren(...this.rows.map((r) => r.row));
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
    shown.forEach((job, k) => this.panels.set(k, job.snapshot));
    const dpr = window.devicePixelRatio || 1;
    this.panels.draw(this.ui.panels, this.ui.view(), this.ui.theme(), dpr);
    this.panels.draw(this.ui.dimensionality, 'dimensionality', this.ui.theme(), dpr);
    this.phase.draw(dpr);
  }

  // The sweep's result as `tms sweep --json` writes it: the kept run of each value.
  exportJson() {
    return this.groups.map((group) => {
      const best = this.shown(group);
      const losses = this.jobs.filter((j) => j.group === group).map((j) => j.evalLoss ?? null);
      return best?.json ? { ...best.json, eval_losses: losses } : { failed: this.summary(group).text };
    });
  }

  free() {
    this.freed = true;
    this.notice?.remove();
    this.phase.free();
    this.cancel();
    for (const job of this.jobs) job.snapshot?.free();
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
    const settings = runner.plan.jobs[0]?.settings ?? '';
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

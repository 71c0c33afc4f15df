// The engine: owns one run (a wasm `Run`) and does all of its training, in slices of bounded time, so a
// click or a message is answered within a slice. The same code runs in a Web Worker (the page's usual
// case: training never touches the page's thread) and, where no worker can start, in the page itself
// (then slices are shorter, leaving the thread free between them).
//
// Messages in (each may carry an `id`, answered with `re`):
//   open {settings, target, generation}  a new run from settings text (already read by the link
//                                reader), then a fast-forward to `target`; frames carry `generation`
//                                so the page can tell them from an earlier run's frames still in flight
//   play {rate}                  train on to the budget; `rate` is steps per second at most (Infinity)
//   pause                        stop at the end of the current slice
//   step {n}                     exactly n more steps (within the budget)
//   seek {step}                  show exactly this step (back by snapshot and replay, or forward)
//   cancel                       stop a fast-forward, step or seek where it is
//   new-seed                     the same settings with a fresh seed
//   extend {steps}               raise the budget (a constant learning rate continues exactly)
//   frame                        the page is ready to draw one more frame
//   export {format}              the run as 'json', 'safetensors' or 'npz', or its learning dynamics as
//                                'trace' (CSV)
//   load {bytes, name, instance, model, settings, generation}  a run from weights in a file
// Messages out: opened {settings, budget} · frame {step, frontier, budget, loss, fingerprint,
// diverged, message, bytes, settings} · progress {step, target, etaMs} · mode {mode, step} · done {step}
// · error {message} · fatal {message} · exported {data}.

const SLICE_MS = { worker: 40, page: 20 };
const PROGRESS_MS = 100;
// A seek's first frame waits this long: a seek within the trained timeline replays at most a snapshot
// interval and ends sooner, so its only frame is the step asked for (a frame of a step on the way would
// cost the page a drawing, and the asked step would wait for the page's next credit). A longer seek
// (training past the frontier) shows its progress in frames after it.
const SEEK_QUIET_MS = 200;

export class Engine {
  constructor(tms, post, where) {
    this.tms = tms; // the wasm module's exports
    this.post = post;
    this.slice = SLICE_MS[where];
    this.run = null;
    this.mode = 'idle'; // idle · playing · job
    this.job = null; // {kind: 'seek' | 'step' | 'open', target, id, started, from}
    this.credit = 0;
    this.dirty = false;
    this.scheduled = false;
    this.rate = Infinity;
    this.allowance = 0;
    this.lastTick = 0;
    this.lastProgress = 0;
    this.channel = new MessageChannel();
    this.channel.port1.onmessage = () => this.guard(undefined, () => this.tick());
  }

  handle(m) {
    this.guard(m?.id, () => this.command(m));
  }

  // A panic inside the wasm run leaves the module unusable: say so as `fatal`, in the panic's words.
  // Any other exception is an answer to one command: `error`, and the engine carries on.
  guard(id, f) {
    try {
      f();
    } catch (error) {
      let detail = '';
      try {
        detail = this.tms.last_panic();
      } catch {
        detail = '';
      }
      if (detail) {
        this.mode = 'idle';
        this.post({ type: 'fatal', message: detail });
      } else {
        this.post({ type: 'error', re: id, message: String(error?.message ?? error) });
      }
    }
  }

  command(m) {
    switch (m.type) {
      case 'open':
        this.generation = m.generation ?? 0;
        this.open(m.settings, m.target ?? 0, m.id);
        break;
      case 'new-seed': {
        this.stopAll();
        const seed = this.run.new_seed();
        this.pacing();
        this.post({ type: 'opened', re: m.id, settings: this.run.settings, budget: this.run.budget, seed });
        this.changed();
        break;
      }
      case 'play':
        this.cancelJob();
        this.rate = m.rate ?? Infinity;
        if (this.run.step_count >= this.run.budget || this.run.diverged >= 0) {
          this.post({ type: 'done', re: m.id, step: this.run.step_count, complete: true });
          return;
        }
        this.setMode('playing');
        this.allowance = 0;
        this.schedule();
        break;
      case 'rate':
        this.rate = m.rate ?? Infinity;
        break;
      case 'pause':
        this.cancelJob();
        if (this.mode === 'playing') this.setMode('idle');
        this.post({ type: 'done', re: m.id, step: this.run?.step_count ?? 0 });
        this.changed();
        break;
      case 'step': {
        // Steps add up: a step command while steps are being trained extends them (each command is
        // exactly its n more steps), and is answered when all of them are done.
        const n = Math.max(0, m.n ?? 1);
        if (this.job?.kind === 'step') {
          this.job.target = Math.min(this.run.budget, this.job.target + n);
          this.job.ids.push(m.id);
          break;
        }
        this.stopAll();
        this.startJob('step', Math.min(this.run.budget, this.run.step_count + n), m.id);
        break;
      }
      case 'seek':
        this.stopAll();
        this.startJob('seek', Math.max(0, Math.min(m.step, this.run.budget)), m.id);
        break;
      case 'cancel': {
        const job = this.job;
        this.cancelJob();
        this.post({ type: 'done', re: m.id, step: this.run?.step_count ?? 0, cancelled: job ? { kind: job.kind, target: job.target } : null });
        this.changed();
        break;
      }
      case 'extend':
        this.run.extend_budget(m.steps);
        this.post({ type: 'opened', re: m.id, settings: this.run.settings, budget: this.run.budget });
        this.changed();
        break;
      case 'frame':
        this.credit = 1;
        if (this.dirty && this.mode === 'idle') this.sendFrame();
        break;
      case 'export': {
        // json (text), trace (CSV text), safetensors or npz (bytes).
        if (m.format === 'trace' || m.format === 'json') {
          this.post({ type: 'exported', re: m.id, format: m.format, data: m.format === 'trace' ? this.run.trace_csv() : this.run.export_json() });
        } else {
          const bytes = this.run.export(m.format);
          this.post({ type: 'exported', re: m.id, format: m.format, data: bytes }, [bytes.buffer]);
        }
        break;
      }
      case 'load': {
        // Weights from a file: a new run whose step 0 is them (fresh optimizer state). A bad file is an
        // error in words, and the current run is kept.
        const imported = this.tms.import_weights(new Uint8Array(m.bytes), m.name, m.instance, m.model ?? '', m.settings ?? '');
        const description = imported.description;
        const notices = JSON.parse(imported.notices);
        const next = imported.take_run();
        imported.free();
        this.stopAll();
        this.generation = m.generation ?? this.generation;
        this.viewing = null;
        this.run?.free();
        this.run = next;
        this.pacing();
        this.post({ type: 'opened', re: m.id, settings: this.run.settings, budget: this.run.budget, description, notices });
        this.changed();
        break;
      }
      default:
        this.post({ type: 'error', re: m.id, message: `unknown engine command ${m.type}` });
    }
  }

  open(settings, target, id) {
    this.stopAll();
    const next = new this.tms.Run(settings);
    this.viewing = null; // its view belonged to the run being freed
    this.run?.free();
    this.run = next;
    this.pacing();
    this.post({ type: 'opened', re: id, settings: this.run.settings, budget: this.run.budget });
    this.changed();
    if (target > 0) this.startJob('open', Math.min(target, this.run.budget), undefined);
  }

  // Pacing belongs to the run: every new run starts from the cost model's estimate of a step, then
  // learns its real speed from the first calls (never from an earlier run).
  pacing() {
    this.perStep = Math.max(1e-4, this.run.step_ns / 1e6); // ms
  }

  stopAll() {
    this.cancelJob();
    if (this.mode === 'playing') this.setMode('idle');
  }

  // Stops the current job where it is; its commands are answered as done there.
  cancelJob() {
    const job = this.job;
    if (!job) return;
    this.job = null;
    this.setMode('idle');
    for (const re of job.ids) if (re !== undefined) this.post({ type: 'done', re, step: this.run.step_count, kind: job.kind, stopped: true });
  }

  startJob(kind, target, id) {
    // A frame of the step being left, still being made, would only delay the target's: drop it (the
    // page's credit for it is still ours).
    if (this.viewing) {
      this.viewing = null;
      this.credit = 1;
    }
    // The nearest known state at or before the target (the shown step or a snapshot, back or forward),
    // then replay in slices: at most a snapshot interval within the trained timeline.
    this.run.restore(target);
    this.job = { kind, target, ids: [id], started: performance.now(), from: this.run.step_count };
    this.setMode('job');
    this.schedule();
  }

  // Mode changes carry the numbers of the step reached, so the page shows them exactly when training
  // stops (the views follow with the next frame).
  setMode(mode) {
    if (this.mode === mode) return;
    this.mode = mode;
    this.post({ type: 'mode', mode, ...this.numbers(), job: this.job ? { kind: this.job.kind, target: this.job.target } : null });
  }

  numbers() {
    const run = this.run;
    if (!run) return { step: 0 };
    const loss = run.last_loss;
    this.seq = (this.seq ?? 0) + 1;
    return { step: run.step_count, frontier: run.frontier, loss: Number.isNaN(loss) ? null : loss, fingerprint: run.fingerprint(), generation: this.generation, seq: this.seq };
  }

  changed() {
    this.dirty = true;
    if (this.credit > 0 && this.mode === 'idle') this.sendFrame();
  }

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    this.channel.port2.postMessage(0);
  }

  // One slice: train towards the current goal for at most `slice` ms, in calls sized from the measured
  // speed of this run, then report and yield so messages (pause, cancel) get in.
  tick() {
    this.scheduled = false;
    if (!this.run) return;
    const start = performance.now();
    // A frame being made takes half of the slice while training (all of it when idle).
    if (this.viewing) this.workView(start + (this.mode === 'idle' ? this.slice : this.slice / 2));
    if (this.mode === 'idle') return;
    const run = this.run;
    const goal = () => (this.mode === 'job' ? this.job.target : run.budget);
    if (this.mode === 'playing' && Number.isFinite(this.rate)) {
      this.allowance = Math.min(this.rate, this.allowance + (this.rate * (start - (this.lastTick || start))) / 1000);
    }
    this.lastTick = start;
    let stalled = false; // the run would not go on (it diverges at the next step)
    while (run.step_count < goal() && !stalled && performance.now() - start < this.slice) {
      let k = Math.floor((this.slice - (performance.now() - start)) / this.perStep);
      k = Math.max(1, Math.min(k, goal() - run.step_count, 1 << 20));
      if (this.mode === 'playing' && Number.isFinite(this.rate)) {
        k = Math.min(k, Math.floor(this.allowance));
        if (k < 1) break;
        this.allowance -= k;
      }
      const t0 = performance.now();
      const before = run.step_count;
      run.step(k);
      const done = run.step_count - before;
      const took = performance.now() - t0;
      if (done > 0) this.perStep = 0.7 * this.perStep + 0.3 * Math.max(1e-4, took / done);
      stalled = done < k;
    }
    this.dirty = true;
    const now = performance.now();
    const finished = run.step_count >= goal() || stalled;
    if (this.mode === 'job' && (now - this.lastProgress > PROGRESS_MS || finished)) {
      this.lastProgress = now;
      // Time left from this job's own pace so far (its first steps are often the slowest), or from the
      // run's pace until a fifth of a second has passed.
      const left = Math.max(0, this.job.target - run.step_count);
      const done = run.step_count - this.job.from;
      const elapsed = now - this.job.started;
      const per = elapsed > 200 && done > 0 ? elapsed / done : this.perStep;
      this.post({ type: 'progress', step: run.step_count, target: this.job.target, kind: this.job.kind, etaMs: left * per });
    }
    if (finished) {
      const job = this.job;
      this.job = null;
      this.setMode('idle');
      const done = { type: 'done', step: run.step_count, kind: job?.kind ?? 'play', complete: run.step_count >= run.budget, diverged: run.diverged >= 0 };
      for (const re of job?.ids ?? [undefined]) this.post({ ...done, re });
    }
    const quiet = this.mode === 'job' && this.job.kind === 'seek' && now - this.job.started < SEEK_QUIET_MS;
    if (this.credit > 0 && !quiet) this.sendFrame();
    if (this.mode !== 'idle') this.schedule();
  }

  // A frame is the view of one step. Its feature metrics cost n·m·min(n, m) (a billion multiply-adds
  // at n = m = 1000), so the view is taken now and its metrics computed in slices (`workView`, between
  // training slices) before it is sent: no command waits behind a whole frame.
  sendFrame() {
    const run = this.run;
    if (!run || this.viewing) return;
    this.credit = 0;
    this.dirty = false;
    run.begin_view();
    this.viewing = {
      type: 'frame',
      ...this.numbers(),
      budget: run.budget,
      diverged: run.diverged,
      message: run.diverged >= 0 ? run.divergence_message() : '',
      settings: run.settings,
      mode: this.mode,
      interval: run.snapshot_interval,
      memory: run.snapshot_bytes,
    };
    this.workView(performance.now() + this.slice / 2);
  }

  // Works on the begun frame until `deadline` (ms), in calls sized from this run's measured pace, and
  // sends it when done; otherwise the next tick goes on with it.
  workView(deadline) {
    const run = this.run;
    if (!this.viewing || !run) return;
    this.perWork ??= 5e-7; // ms per multiply-add, until measured
    let ready = false;
    while (!ready && performance.now() < deadline) {
      const amount = Math.max(1, (deadline - performance.now()) / this.perWork);
      const t0 = performance.now();
      ready = run.view_work(amount);
      const took = performance.now() - t0;
      if (!ready && took > 0.5) this.perWork = 0.7 * this.perWork + 0.3 * (took / amount);
    }
    if (!ready) {
      this.schedule();
      return;
    }
    const bytes = run.take_view_bytes();
    const frame = { ...this.viewing, bytes };
    this.viewing = null;
    this.post(frame, [bytes.buffer]);
  }
}

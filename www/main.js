// The explorer page. JS wires controls, the loop and canvases; Rust owns the run, the settings and their
// ranges, the share link and all drawing. Training runs in the engine (engine.js: a worker, or slices
// of this thread where no worker can start); this thread only draws the frames the engine sends.
// Untrusted text (links, notices, messages) only ever goes to textContent.
import init, * as tms from './pkg/tms_explorer.js';
import { EngineClient } from './client.js';
import { startEmbed } from './embed.js';
import { Figures, download, viewsFor } from './figures.js';
import { SweepRunner } from './sweep.js';
import { Probe } from './probe.js';

const $ = (id) => document.getElementById(id);
const dark = window.matchMedia('(prefers-color-scheme: dark)');
const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');
const touch = window.matchMedia('(hover: none) and (pointer: coarse)');
const theme = () => embed?.theme || (dark.matches ? 'dark' : 'light');

await init();

let embed = null; // embed mode's options, when the page is inside someone else's article
let engine = null;
let schema = [];
let settings = ''; // the run's settings text, as Rust writes it
let budget = 0;
let shown = { step: 0, frontier: 0, loss: null, fingerprint: '–', diverged: -1, message: '' };
let mode = 'idle'; // the engine's: idle · playing · job
document.body.dataset.mode = mode;
let job = null; // the engine's current job: {kind: 'open' | 'seek' | 'step', target}
let mainView = 'hidden';
let sweep = null;
let sweepFragment = '';
let resumeWhenVisible = false;
let presetId = '';
let generation = 0; // which opened run the frames shown belong to
let numbersSeq = 0; // the engine's sequence number of the numbers shown (newer ones win)
const listeners = { state: [], progress: [], playing: [], fatal: [], notices: [] };
const emit = (kind, ...args) => listeners[kind].forEach((f) => f(...args));

// ---- notices -------------------------------------------------------------------------------------

// Messages about the run show in a strip above the views, where they are seen without scrolling.
function showNotices(items) {
  $('notices').replaceChildren(...items);
  $('notice-strip').hidden = items.length === 0;
}

function notify(lines, kind = 'info') {
  showNotices(lines.map((text) => {
    const item = document.createElement('li');
    item.textContent = text;
    item.className = kind;
    return item;
  }));
}

// A notice with a button: [text] [label].
function offer(text, label, action, kind = 'info', id = '') {
  const item = document.createElement('li');
  item.className = kind;
  item.textContent = `${text} `;
  const button = document.createElement('button');
  button.type = 'button';
  if (id) button.id = id;
  button.textContent = label;
  button.addEventListener('click', action);
  item.append(button);
  return item;
}

// ---- fatal errors ------------------------------------------------------------------------------------

let fatalShown = false;
function fatal(error) {
  if (fatalShown) return;
  fatalShown = true;
  let detail = '';
  try {
    detail = tms.last_panic();
  } catch {
    detail = '';
  }
  const message = detail || String(error?.message ?? error);
  emit('fatal', message);
  const box = $('fatal');
  box.querySelector('.what').textContent = message;
  box.hidden = false;
  document.body.dataset.failed = 'true';
}
window.addEventListener('error', (e) => fatal(e.error ?? e.message));
window.addEventListener('unhandledrejection', (e) => fatal(e.reason));
$('reload').addEventListener('click', () => window.location.reload());
$('notices-dismiss').addEventListener('click', () => showNotices([]));

// ---- the settings form, built from the settings table in Rust -------------------------------------

function control(setting) {
  const c = setting.control;
  const label = document.createElement('div');
  label.className = `setting setting-${c.kind}`;
  label.dataset.key = setting.key;
  const id = `setting-${setting.key}`;
  const name = document.createElement('label');
  name.htmlFor = id;
  name.textContent = setting.key;
  const help = document.createElement('button');
  help.type = 'button';
  help.className = 'help';
  help.textContent = '?';
  help.setAttribute('aria-label', `What is ${setting.key}?`);
  help.setAttribute('aria-expanded', 'false');
  const explain = document.createElement('p');
  explain.className = 'explain';
  explain.id = `${id}-help`;
  explain.hidden = true;
  explain.textContent = `${setting.help} Allowed: ${setting.range}; default ${setting.default}.`;
  help.setAttribute('aria-controls', explain.id);
  help.title = setting.help;
  help.addEventListener('click', () => {
    explain.hidden = !explain.hidden;
    help.setAttribute('aria-expanded', String(!explain.hidden));
  });
  const head = document.createElement('span');
  head.className = 'setting-head';
  head.append(name, help);
  label.append(head);
  let input;
  if (c.kind === 'choice') {
    input = document.createElement('select');
    for (const option of c.options) input.append(new Option(option, option));
  } else if (c.kind === 'toggle') {
    input = document.createElement('input');
    input.type = 'checkbox';
  } else if (c.kind === 'density') {
    // A logarithmic slider whose stops are the paper's densities, and the exact value (or a list).
    const slider = document.createElement('input');
    slider.type = 'range';
    slider.min = String(Math.log10(c.stops[c.stops.length - 1]));
    slider.max = '0';
    slider.step = 'any';
    slider.setAttribute('list', 'density-stops');
    slider.setAttribute('aria-label', 'density 1 − S (log scale)');
    const stops = document.createElement('datalist');
    stops.id = 'density-stops';
    for (const s of c.stops) stops.append(new Option(String(s), String(Math.log10(s))));
    input = document.createElement('input');
    input.type = 'text';
    input.inputMode = 'decimal';
    slider.addEventListener('input', () => {
      const near = c.stops.find((s) => Math.abs(Math.log10(s) - Number(slider.value)) < 0.04);
      input.value = String(near ?? Number((10 ** Number(slider.value)).toPrecision(2)));
    });
    slider.addEventListener('change', () => input.dispatchEvent(new Event('change', { bubbles: true })));
    input.syncSlider = () => {
      const first = Number(input.value.split(',')[0]);
      if (first > 0) slider.value = String(Math.log10(first));
    };
    label.append(slider, stops);
  } else {
    input = document.createElement('input');
    input.type = 'text';
    input.inputMode = c.kind === 'int' ? 'numeric' : 'decimal';
  }
  input.name = setting.key;
  input.id = id;
  const problem = document.createElement('span');
  problem.className = 'problem';
  problem.id = `${id}-problem`;
  problem.setAttribute('role', 'status');
  input.setAttribute('aria-describedby', `${explain.id} ${problem.id}`);
  label.append(input, problem, explain);
  return label;
}

function buildForm() {
  const form = $('settings');
  form.replaceChildren(...schema.map(control));
  form.addEventListener('change', () => applyForm());
  $('embed-settings').addEventListener('change', () => applyForm());
  form.addEventListener('submit', (e) => e.preventDefault());
}

function fieldText(key) {
  const input = $(`setting-${key}`);
  return input.type === 'checkbox' ? (input.checked ? '1' : '0') : input.value;
}

function markField(key, message, kind = 'error') {
  const input = $(`setting-${key}`);
  const problem = $(`setting-${key}-problem`);
  if (!input) return;
  if (kind === 'error') input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
  problem.textContent = message;
  problem.className = `problem ${kind}`;
}

function clearMarks() {
  for (const { key } of schema) markField(key, '', 'info');
}

// A field whose text the setting does not take keeps what was typed and says why beside it; the run is
// kept. When every field is good, the form is read like a link (the same reader and caps), and what the
// caps changed is said beside its field.
function applyForm() {
  leaveSweep();
  let bad = false;
  for (const { key } of schema) {
    const problem = tms.setting_problem(key, fieldText(key).trim());
    if (problem) {
      markField(key, problem);
      bad = true;
    } else {
      markField(key, '', 'info');
    }
  }
  if (bad) {
    notify(['Some settings were not used (see the marked fields); the current run is kept.'], 'error');
    return;
  }
  const keys = schema.map((s) => s.key);
  const info = JSON.parse(tms.form_link(settings, keys, keys.map((k) => fieldText(k).trim()), mainView));
  for (const n of info.notices) if (n.key && $(`setting-${n.key}`)) markField(n.key, n.text, 'warning');
  if (info.settings === settings) return;
  if (imported) {
    // A run from a file trains on from the same weights with the new settings.
    loadWeights(imported.bytes, imported.name, { instance: imported.instance === undefined ? '' : String(imported.instance), settings: info.settings });
    return;
  }
  open(info, { notices: info.notices.map((n) => `Settings: ${n.text}.`), fromForm: true });
}

// Writes the run's settings into the form; the field being typed in keeps what is typed.
function writeForm(text) {
  const values = new URLSearchParams(text);
  for (const { key } of schema) {
    const input = $(`setting-${key}`);
    if (input === document.activeElement && input.type !== 'checkbox' && input.tagName !== 'SELECT') continue;
    const value = values.get(key) ?? '';
    if (input.type === 'checkbox') input.checked = value === '1';
    else input.value = value;
    input.syncSlider?.();
  }
  $('setting-hidden-bias').disabled = values.get('model') !== 'relu-hidden';
}

// ---- presets -------------------------------------------------------------------------------------

let presetList = [];
function buildPresets() {
  const select = $('preset');
  const groups = new Map();
  presetList = JSON.parse(tms.presets());
  for (const p of presetList) {
    if (!groups.has(p.group)) {
      const group = document.createElement('optgroup');
      group.label = p.group;
      groups.set(p.group, group);
      select.append(group);
    }
    groups.get(p.group).append(new Option(`${p.group.split(':')[0]}: ${p.label}`, p.id));
  }
  select.addEventListener('change', () => {
    const p = presetList.find((q) => q.id === select.value);
    if (p) openFragment(p.fragment);
  });
}

// The preset this run is, by its settings: a link that equals a preset opens with its name and hint;
// editing a setting marks the preset as modified instead of leaving a stale hint.
function showPreset(fragment) {
  const id = tms.preset_matching(fragment);
  const p = presetList.find((q) => q.id === id);
  const select = $('preset');
  if (p) {
    presetId = id;
    select.value = id;
    select.dataset.modified = 'false';
    $('look-for').textContent = `Look for: ${p.look_for}.`;
  } else if (presetId) {
    const was = presetList.find((q) => q.id === presetId);
    select.dataset.modified = 'true';
    $('look-for').textContent = `Modified from “${was.group.split(':')[0]}: ${was.label}”: its note may no longer hold.`;
  } else {
    select.value = '';
    $('look-for').textContent = '';
  }
}

// ---- the run ---------------------------------------------------------------------------------------

function openFragment(fragment, extra = {}) {
  const info = JSON.parse(tms.parse_link(fragment));
  open(info, { notices: info.notices.map((n) => `Link: ${n.text}.`), ...extra });
  return info.notices.map((n) => n.text);
}

// Opens a read link (parse_link's answer): a sweep, or a run fast-forwarded to its step.
function open(info, { notices = [], fromForm = false } = {}) {
  imported = null;
  $('weights-read').textContent = '';
  mainView = info.view;
  notify(notices, notices.length ? 'warning' : 'info');
  if (!fromForm) clearMarks();
  if (info.sweep) {
    settings = info.settings;
    writeForm(settings);
    startSweep(info);
    showPreset(info.fragment);
    return;
  }
  leaveSweep();
  settings = info.settings;
  budget = info.budget;
  job = info.step > 0 ? { kind: 'open', target: info.step } : null;
  shown = { ...shown, step: 0, frontier: 0, loss: null, diverged: -1 };
  writeForm(settings);
  arrange();
  showPreset(info.fragment);
  probe.setModel(settings);
  probe.set(info.probe ?? null);
  generation += 1;
  engine.send('open', { settings, target: info.step, generation });
  writeLink();
}

function arrange() {
  const { order, reason, views: table, byId } = viewsFor(settings);
  let views = order.filter((v) => !reason(v));
  if (embed?.views.length) views = embed.views;
  if (!views.includes(mainView)) mainView = views[0];
  views = [mainView, ...views.filter((v) => v !== mainView)];
  figures.arrange(views, byId);
  const select = $('view');
  select.replaceChildren(...table.map(({ id, name }) => {
    const option = new Option(name, id);
    const why = reason(id);
    option.disabled = Boolean(why);
    if (why) option.title = why;
    return option;
  }));
  select.value = mainView;
  $('view-reason').textContent = table.map((v) => reason(v.id)).filter(Boolean).join(' ');
}

const atBudget = () => shown.step >= budget;

function play() {
  if (mode === 'playing' || shown.diverged >= 0) return;
  if (atBudget()) {
    // Replay: at the end of the budget, Play at the replay pace goes back to step 0 and plays the run
    // again (the same numbers, replayed from the kept timeline) as an animation of the learning.
    if ($('speed').value === 'replay') seek(0).then(() => engine.send('play', { rate: rate() }));
    else offerContinue();
    return;
  }
  engine.send('play', { rate: rate() });
}

// Pause stops whatever trains: play, a fast-forward, steps.
function pause() {
  if (mode === 'idle') return Promise.resolve();
  return engine.request('pause');
}

function rate() {
  const v = $('speed').value;
  if (v === 'replay') return Math.max(1, budget / 10);
  return Number(v);
}

// Step and ×100: exactly n steps from the step shown. During a fast-forward, the fast-forward stops
// where it is first, and the page says so.
async function stepBy(n) {
  if (mode === 'playing') await pause();
  if (mode === 'job' && job && job.kind !== 'step') {
    const was = job;
    const reply = await engine.request('cancel');
    notify([`${n === 1 ? 'Step' : `×${n}`}: the ${was.kind === 'open' ? 'fast-forward' : 'seek'} to step ${was.target} was stopped at step ${reply.step}; stepped on from there.`]);
  }
  if (atBudget()) {
    offerContinue();
    return;
  }
  await engine.request('step', { n });
}

// The end of the budget is not a dead end: with a constant learning rate the run continues exactly as a
// run with the larger budget would; with a decaying one the budget shapes every step, so it restarts.
function offerContinue() {
  const constant = new URLSearchParams(settings).get('schedule') === 'constant';
  const more = budget > 0 ? budget : 10000;
  if (constant) {
    showNotices([offer(`The run is complete: ${shown.step} of ${budget} steps.`, `Continue for ${more} more steps`, async () => {
      await engine.request('extend', { steps: budget + more });
      showNotices([]);
      play();
    }, 'info', 'continue')]);
  } else {
    showNotices([offer(`The run is complete: ${shown.step} of ${budget} steps. With the ${new URLSearchParams(settings).get('schedule')} schedule the learning rate decays over the whole budget, so a longer budget changes every step.`, `Restart with ${budget + more} steps`, () => {
      const s = new URLSearchParams(settings);
      s.set('steps', String(budget + more));
      openFragment(tms.fragment_of(s.toString(), 0, mainView));
    }, 'info', 'continue')]);
  }
}

function seek(step) {
  if (sweep) return Promise.resolve();
  job = { kind: 'seek', target: step };
  return engine.request('seek', { step });
}

// ---- what the engine says -------------------------------------------------------------------------

let pending = null; // the newest frame not yet drawn
let drawScheduled = false;

function onFrame(m) {
  if (m.generation !== generation) return; // an earlier run's frame, still in flight
  pending = m;
  if (!drawScheduled) {
    drawScheduled = true;
    requestAnimationFrame(drawFrame);
  }
}

function drawFrame() {
  drawScheduled = false;
  const m = pending;
  pending = null;
  if (!m) return;
  if (m.settings !== settings) {
    settings = m.settings;
    writeForm(settings);
  }
  budget = m.budget;
  $('timeline').dataset.interval = String(m.interval);
  $('timeline').title = `The step shown. Snapshots every ${m.interval} steps keep the run's timeline (${(m.memory / 2 ** 20).toFixed(1)} MB): any trained step is shown again by replaying at most that many steps.`;
  // Numbers newer than this frame's (a mode change that came after it) are kept.
  if (m.seq > numbersSeq) {
    numbersSeq = m.seq;
    shown = { step: m.step, frontier: m.frontier, loss: m.loss, fingerprint: m.fingerprint, diverged: m.diverged, message: m.message };
  } else {
    shown = { ...shown, diverged: m.diverged, message: m.message };
  }
  showNumbers();
  if (m.diverged >= 0) showDivergence(m);
  emit('progress');
  // The next frame once this one is drawn, leaving the page at least as much idle time as drawing takes;
  // with reduced motion, at most four a second.
  const credit = () => {
    const wait = reducedMotion.matches ? 250 : Math.max(0, figures.drawCost - 16);
    setTimeout(() => engine.send('frame'), wait);
  };
  if (sweep) credit();
  else {
    const snapshot = tms.Snapshot.from_bytes(m.bytes);
    const step = snapshot.step;
    $('run-readout').textContent = snapshot.readout();
    // data-drawn: the step every view on the page shows (set once all of them are drawn).
    figures.show(snapshot, () => {
      if (figures.snapshot?.step === step) document.body.dataset.drawn = String(step);
      credit();
    });
  }
}

function showNumbers() {
  $('step-count').textContent = String(shown.step);
  $('budget').textContent = String(budget);
  $('loss').textContent = shown.loss === null ? '–' : shown.loss.toExponential(4);
  $('fingerprint').textContent = shown.fingerprint;
  const timeline = $('timeline');
  timeline.max = String(budget);
  if (document.activeElement !== timeline || mode !== 'job') timeline.value = String(shown.step);
  const trained = budget > 0 ? (100 * shown.frontier) / budget : 0;
  timeline.style.setProperty('--trained', `${trained}%`);
  $('timeline-text').textContent = shown.frontier > shown.step ? `trained to ${shown.frontier}` : '';
}

let divergenceShown = -1;
function showDivergence(m) {
  if (divergenceShown === m.diverged && shown.step !== m.diverged - 1) return;
  divergenceShown = m.diverged;
  const item = offer(m.message, `Rewind to step ${m.diverged - 1}`, async () => {
    await seek(m.diverged - 1);
    notify([`Rewound to step ${m.diverged - 1}, the last finite weights. Training on from here diverges again at step ${m.diverged}: lower the learning rate first.`]);
    writeLink();
  }, 'error', 'rewind');
  if (shown.step === m.diverged) showNotices([item]);
}

function onMode(m) {
  const was = mode;
  mode = m.mode;
  job = m.job;
  if (m.generation === generation && m.seq > numbersSeq) {
    numbersSeq = m.seq;
    shown = { ...shown, step: m.step, frontier: m.frontier, loss: m.loss, fingerprint: m.fingerprint };
  }
  showNumbers();
  document.body.dataset.mode = mode;
  $('play').textContent = mode === 'playing' ? 'Pause' : 'Play';
  $('play').setAttribute('aria-pressed', String(mode === 'playing'));
  if ((was === 'playing') !== (mode === 'playing')) emit('playing', mode === 'playing');
  if (mode !== 'job') $('rebuild').hidden = true;
  if (mode === 'idle') writeLink();
  emit('state');
}

// Progress of a fast-forward or a long seek: over the views, with the target, the time left and Cancel.
function onProgress(m) {
  if (m.etaMs < 150 && m.step < m.target && $('rebuild').hidden) return;
  const box = $('rebuild');
  box.hidden = m.step >= m.target;
  $('rebuild-what').textContent = m.kind === 'open' ? 'Rebuilding the run' : m.kind === 'seek' ? 'Going to the step' : 'Training';
  const secs = Math.ceil(m.etaMs / 1000);
  $('rebuild-text').textContent = `step ${m.step} of ${m.target}${m.step < m.target ? ` · about ${secs} s left` : ''}`;
  $('progress').value = m.target > 0 ? m.step / m.target : 1;
  emit('progress');
}

function onDone(m) {
  if (m.cancelled) {
    const what = m.cancelled.kind === 'open' ? 'the link asked for' : 'the target was';
    notify([`Cancelled at step ${m.step} (${what} ${m.cancelled.target}); the address now says step ${m.step}.`]);
  }
  if (m.kind === 'play' && m.complete) {
    // Play reached the budget.
    emit('state');
  }
  writeLink();
}

// ---- weights from a file -------------------------------------------------------------------------

// Opens weights trained elsewhere (a notebook's safetensors or .npz, or an export): every view and metric
// works, and training goes on from them with a fresh optimizer state. Such a run is not a share link (its
// weights are not in the address), and the page says so. A bad file is refused in words; the current run
// is kept.
let imported = null; // {name, description} while the run on screen came from a file
const MAX_PAGE_FILE = 2 * 2 ** 20;
async function openWeights(file, options = {}) {
  if (file.size > MAX_PAGE_FILE) {
    notify([`${file.name}: ${(file.size / 2 ** 20).toFixed(1)} MiB is more than the page opens (2 MiB); use tms inspect or tms render --weights on the command line. The current run is kept.`], 'error');
    return false;
  }
  return loadWeights(await file.arrayBuffer(), file.name, options);
}

// `settings`: the form's settings, to train on from the same weights with them ('' uses the file's own).
async function loadWeights(bytes, name, { instance = $('weights-instance').value.trim(), model = '', settings: with_ = '' } = {}) {
  const file = { name };
  const which = instance === '' ? undefined : Number(instance);
  if (which !== undefined && !(Number.isInteger(which) && which >= 0)) {
    notify([`instance: '${instance}' is not a whole number from 0; the current run is kept.`], 'error');
    return false;
  }
  await pause();
  leaveSweep();
  generation += 1;
  try {
    const reply = await engine.request('load', { bytes: bytes.slice(0), name: file.name, instance: which, model, settings: with_, generation });
    imported = { name: file.name, description: reply.description, bytes, instance: which };
    settings = reply.settings;
    budget = reply.budget;
    writeForm(settings);
    arrange();
    probe.setModel(settings);
    showPreset('');
    $('weights-read').textContent = `${file.name}: ${reply.description}`;
    notify([`Opened ${file.name}: ${reply.description}.`, ...reply.notices.map((n) => `${n}.`),
      'Training goes on from these weights with a fresh optimizer state. A run from a file is not a share link (its weights are not in the address): export it to share it.']);
    writeLink();
    return true;
  } catch (error) {
    notify([`${file.name} was not opened: ${error.message}. The current run is kept.`], 'error');
    return false;
  }
}

// ---- the address ----------------------------------------------------------------------------------

// The address is always the run on screen: while a link's fast-forward or a seek runs, it keeps the
// step being gone to (a reload goes there too); otherwise the step shown.
function addressStep() {
  return job && job.kind !== 'step' ? job.target : shown.step;
}

function currentFragment() {
  if (sweep) return sweepFragment;
  const base = tms.fragment_of(settings, addressStep(), mainView);
  return probe.x ? tms.probe_fragment(base, Float32Array.from(probe.x)) : base;
}

function writeLink() {
  emit('state');
  if (embed) return; // an embed never touches the host's history
  try {
    // A run from a file has no link: the address would rebuild another run.
    history.replaceState(null, '', imported ? window.location.pathname + window.location.search : `#${currentFragment()}`);
  } catch {
    // A sandboxed or opaque-origin page may not touch history; the Copy link button still works.
  }
}

function baseUrl(cut = /#/) {
  try {
    return window.location.href.split(cut)[0];
  } catch {
    return '';
  }
}

// Shows `text` in the box under the share buttons and copies it; where the browser does not allow
// copying, the box's text is selected for the reader to copy.
async function offerCopy(text, copied, what) {
  const field = $('link');
  field.value = text;
  field.hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    notify([copied]);
  } catch {
    field.select();
    notify([`The browser did not allow copying; the ${what} is selected in the box below the buttons.`]);
  }
}

// An <iframe> snippet for this run and these views, for an article, with the few lines of host script
// that size it to its content (the embed reports its height in `resize` messages). Until the first one,
// its aspect follows the views asked for, so nothing is clipped while it loads.
function embedCode() {
  const s = new URLSearchParams(settings);
  const views = figures.shown.slice(0, 2);
  const src = `${baseUrl(/[?#]/)}?embed=1&views=${views.join(',')}&controls=play,step,reset#${currentFragment()}`;
  const title = `Toy model of superposition: ${s.get('model')}, n = ${s.get('n')}, m = ${s.get('m')}, 1−S = ${s.get('density')}`;
  const attr = (v) => v.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  const tall = Math.round(16 * (0.85 + 0.8 * (views.length - 1)));
  return `<iframe src="${attr(src)}" title="${attr(title)}" loading="lazy" data-tms-embed
        sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"
        style="width: 100%; aspect-ratio: 16 / ${tall}; border: 0;"></iframe>
<script>
  // Sizes each explorer embed to its content: it reports its height in 'resize' messages.
  addEventListener('message', (e) => {
    if (e.data?.tms !== 1 || e.data.type !== 'resize') return;
    for (const f of document.querySelectorAll('iframe[data-tms-embed]')) {
      if (f.contentWindow === e.source) Object.assign(f.style, { aspectRatio: 'auto', height: e.data.height + 'px' });
    }
  });
</script>`;
}

function fileStem() {
  const s = new URLSearchParams(settings);
  return `tms-${s.get('model')}-n${s.get('n')}-m${s.get('m')}-step${shown.step}`;
}

async function exportJson() {
  const reply = await engine.request('export', { format: 'json' });
  return reply.data;
}

// ---- sweeps ----------------------------------------------------------------------------------------

function startSweep(info) {
  pause();
  sweep?.free();
  sweepFragment = info.fragment;
  $('sweep-axis').value = info.sweep.axis;
  $('sweep-values').value = info.sweep.values.join(',');
  $('sweep-restarts').value = String(info.sweep.restarts);
  // The panels offer the views a sweep can draw for this model (Rust's views table), nothing else.
  const { byId, sweepViews, sweepFigures } = viewsFor(info.settings);
  for (const f of sweepFigures) {
    for (const part of ['caption', 'formula']) {
      const el = document.querySelector(`#sweep [data-figure="${f.id}"].${part}`);
      if (el) el.textContent = f[part];
    }
  }
  $('sweep-view').replaceChildren(...sweepViews.map((id) => new Option(byId[id].name, id)));
  if (sweepViews.includes(info.view)) $('sweep-view').value = info.view;
  $('stage').hidden = true;
  $('timeline-bar').hidden = true;
  document.querySelector('.view-bar').hidden = true;
  $('sweep').hidden = false;
  $('sweep-pause').textContent = 'Pause';
  document.body.dataset.sweep = 'running';
  sweep = new SweepRunner(sweepFragment, {
    panels: $('sweep-panels'),
    dimensionality: $('sweep-dimensionality'),
    list: $('sweep-list'),
    overall: $('sweep-overall'),
    time: $('sweep-time'),
    theme,
    view: () => $('sweep-view').value,
    onChange: (s) => { document.body.dataset.sweep = s.finished ? 'done' : 'running'; },
  });
  window.tmsSweep = sweep;
  writeLink();
}

function leaveSweep() {
  if (!sweep) return;
  sweep.free();
  sweep = null;
  window.tmsSweep = null;
  delete document.body.dataset.sweep;
  $('sweep').hidden = true;
  $('stage').hidden = false;
  $('timeline-bar').hidden = false;
  document.querySelector('.view-bar').hidden = false;
}

function wireSweep() {
  // The form's bound on restarts is the link's (Rust's sweep limits).
  $('sweep-restarts').max = String(JSON.parse(tms.sweep_limits()).restarts);
  $('sweep-start').addEventListener('click', () => {
    openFragment(tms.sweep_fragment(tms.fragment_of(settings, 0, mainView), $('sweep-axis').value, $('sweep-values').value, $('sweep-restarts').value));
  });
  $('sweep-view').addEventListener('change', () => sweep?.draw());
  $('sweep-pause').addEventListener('click', () => {
    if (!sweep || sweep.finished) return;
    if (sweep.paused) sweep.resume();
    else sweep.pause();
    $('sweep-pause').textContent = sweep.paused ? 'Resume' : 'Pause';
  });
  $('sweep-cancel').addEventListener('click', () => sweep?.cancel());
  $('sweep-export').addEventListener('click', () => {
    if (sweep) download(new Blob([JSON.stringify(sweep.exportJson())], { type: 'application/json' }), 'tms-sweep.json');
  });
  $('sweep-leave').addEventListener('click', () => { leaveSweep(); openFragment(tms.fragment_of(settings, 0, mainView)); });
  const panels = $('sweep-panels');
  const box = () => panels.getBoundingClientRect();
  panels.addEventListener('pointermove', (e) => {
    if (!sweep) return;
    const b = box();
    $('sweep-panels-hover').textContent = sweep.panels.pick($('sweep-view').value, b.width, b.height, e.clientX - b.left, e.clientY - b.top);
  });
  // Clicking a panel opens that run, at the same step, in the single-run view.
  panels.addEventListener('click', (e) => {
    if (!sweep) return;
    const b = box();
    const k = sweep.panels.panel_at($('sweep-view').value, b.width, b.height, e.clientX - b.left, e.clientY - b.top);
    const picked = k >= 0 ? sweep.shown(sweep.groups[k]) : null;
    if (picked) openFragment(tms.fragment_of(picked.settings, picked.step, $('sweep-view').value));
  });
  const dim = $('sweep-dimensionality');
  dim.addEventListener('pointermove', (e) => {
    if (!sweep) return;
    const b = dim.getBoundingClientRect();
    $('sweep-dim-hover').textContent = sweep.panels.pick('dimensionality', b.width, b.height, e.clientX - b.left, e.clientY - b.top);
  });
}

// ---- the timeline -----------------------------------------------------------------------------------

// The timeline's slider is the step shown: dragging or clicking it seeks, ←/→ move from snapshot to
// snapshot, Home/End go to the first and last step. The latest position wins at once: each seek goes to
// the engine as it comes, and the engine stops the one in flight where it is (it is answered as
// stopped), so a drag never waits for the replays of positions already left behind.
let seekSeq = 0;
function wireTimeline() {
  const t = $('timeline');
  const go = async (step) => {
    const mine = ++seekSeq;
    if (mode === 'playing') await pause();
    if (mine === seekSeq) seek(step);
  };
  t.addEventListener('input', () => go(Number(t.value)));
  t.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    const interval = Math.max(1, Number(t.dataset.interval || 1));
    const next = e.key === 'ArrowRight' ? (Math.floor(shown.step / interval) + 1) * interval : (Math.ceil(shown.step / interval) - 1) * interval;
    const step = Math.max(0, Math.min(budget, next));
    t.value = String(step);
    go(step);
  });
}

// ---- wiring ----------------------------------------------------------------------------------------

function wire() {
  $('play').addEventListener('click', () => (mode === 'playing' ? pause() : play()));
  $('step').addEventListener('click', () => stepBy(1));
  $('step100').addEventListener('click', () => stepBy(100));
  $('reset').addEventListener('click', async () => {
    await pause();
    await seek(0);
  });
  $('new-seed').addEventListener('click', async () => {
    await pause();
    const reply = await engine.request('new-seed');
    settings = reply.settings;
    writeForm(settings);
    showPreset(tms.fragment_of(settings, 0, mainView));
    writeLink();
  });
  $('speed').addEventListener('change', () => engine.send('rate', { rate: rate() }));
  $('rebuild-cancel').addEventListener('click', () => engine.request('cancel'));
  $('copy-link').addEventListener('click', () => {
    if (imported) {
      notify([`This run started from ${imported.name}: its weights are not in a link. Export it (.safetensors, .npz or JSON) to share it.`], 'warning');
      return;
    }
    writeLink();
    offerCopy(`${baseUrl()}#${currentFragment()}`, 'Link copied: it opens this run at this step, on any machine.', 'link');
  });
  $('copy-embed').addEventListener('click', () => offerCopy(embedCode(),
    'Embed code copied: paste it into an article; the embed pauses when scrolled away and takes commands over postMessage (see README).', 'embed code'));
  $('export-json').addEventListener('click', async () => {
    download(new Blob([await exportJson()], { type: 'application/json' }), `${fileStem()}.json`);
  });
  for (const format of ['safetensors', 'npz']) {
    $(`export-${format}`).addEventListener('click', async () => {
      const reply = await engine.request('export', { format });
      download(new Blob([reply.data], { type: 'application/octet-stream' }), `${fileStem()}.${format}`);
    });
  }
  $('weights-file').addEventListener('change', () => {
    const file = $('weights-file').files[0];
    if (file) openWeights(file);
  });
  const stage = $('stage');
  stage.addEventListener('dragover', (e) => {
    if ([...(e.dataTransfer?.types ?? [])].includes('Files')) {
      e.preventDefault();
      stage.classList.add('dropping');
    }
  });
  stage.addEventListener('dragleave', () => stage.classList.remove('dropping'));
  stage.addEventListener('drop', (e) => {
    e.preventDefault();
    stage.classList.remove('dropping');
    const file = e.dataTransfer?.files?.[0];
    if (file) openWeights(file);
  });
  $('export-trace').addEventListener('click', async () => {
    const reply = await engine.request('export', { format: 'trace' });
    download(new Blob([reply.data], { type: 'text/csv' }), `${fileStem()}-dynamics.csv`);
  });
  $('view').addEventListener('change', () => {
    mainView = $('view').value;
    arrange();
    figures.draw();
    writeLink();
  });
  const keys = $('keys-help');
  keys.addEventListener('click', () => {
    const popover = $('keys-popover');
    popover.hidden = !popover.hidden;
    keys.setAttribute('aria-expanded', String(!popover.hidden));
  });
  document.addEventListener('keydown', (e) => {
    if (e.target.closest('input, select, textarea') || e.ctrlKey || e.metaKey || e.altKey) return;
    const actions = { ' ': 'play', '.': 'step', ',': 'step100', r: 'reset', n: 'new-seed' };
    const id = actions[e.key];
    if (!id) {
      if (e.key === 'Escape' && !$('keys-popover').hidden) keys.click();
      return;
    }
    if (e.key === ' ' && e.target.closest('button')) return; // the focused button handles space
    e.preventDefault();
    $(id).click();
  });
  dark.addEventListener('change', () => figures.draw());
  window.addEventListener('hashchange', () => {
    const fragment = window.location.hash.slice(1);
    if (fragment && fragment !== currentFragment()) openFragment(fragment);
  });
  document.addEventListener('visibilitychange', () => {
    if (document.hidden && mode === 'playing') {
      resumeWhenVisible = true;
      pause();
    } else if (!document.hidden && resumeWhenVisible) {
      resumeWhenVisible = false;
      play();
    }
  });
  wireSweep();
  wireTimeline();
  buildPresets();
}

// ---- start -------------------------------------------------------------------------------------------

const figures = new Figures({
  container: $('views'),
  template: $('figure'),
  theme,
  onSeek: (step) => seek(step),
  // A line of the dynamics view marks its feature or neuron in every view (again: unmarks it).
  onPick: (line) => {
    const [kind, index] = line.split(' ');
    const same = figures.highlight?.kind === kind && figures.highlight?.index === Number(index);
    figures.setHighlight(same ? null : { kind, index: Number(index) });
  },
  exportName: fileStem,
  // A click on a neuron or an output selects it for the probe's readout (a feature: its output).
  onTarget: (target) => {
    const [kind, index] = target.split(' ');
    probe.select({ kind: kind === 'feature' ? 'output' : kind, index: Number(index) });
  },
  onProbe: (info) => showProbe(info),
  belowMain: $('probe'),
});

// ---- the input probe -------------------------------------------------------------------------------

// The probe's input goes to every snapshot drawn (the graph colours its nodes, the stack plot outlines
// the neurons that fire); the readout and the geometry are computed from the snapshot shown.
const probe = new Probe({
  onChange: (x) => {
    figures.setProbe(x);
    if (!x) showProbe(null);
    writeLink();
  },
  onSelect: () => showProbe(figures.probeInfo),
});
probe.onRow = (seed) => { if (figures.snapshot) probe.set(figures.snapshot.batch_row(seed)); };
let geometryStep = -1;
let geometryAt = 0;
function showProbe(info) {
  const snap = figures.snapshot;
  if (!snap) return;
  let readout = null;
  if (probe.target) {
    try {
      readout = JSON.parse(snap.readout_of(probe.target.kind, probe.target.index));
    } catch {
      readout = null;
    }
  }
  probe.showActivations(probe.x ? info : null, probe.names);
  $('probe-activations').dataset.step = String(snap.step); // the step these numbers are from
  probe.showReadout(readout, info?.notices ?? []);
  document.body.dataset.probing = probe.x ? 'true' : 'false';
  // The geometry costs what the feature metrics cost: once per step shown, and while playing at most
  // once a second.
  const now = performance.now();
  if (snap.step !== geometryStep && (mode !== 'playing' || now - geometryAt > 1000)) {
    geometryStep = snap.step;
    geometryAt = now;
    probe.showGeometry(JSON.parse(snap.geometry()));
  }
}

try {
  embed = JSON.parse(tms.parse_embed(window.location.search));
} catch {
  embed = { embed: false };
}
if (!embed.embed) embed = null;
if (embed?.theme) document.documentElement.dataset.theme = embed.theme;
if (touch.matches) document.body.classList.add('touch');
schema = JSON.parse(tms.settings_schema());
buildForm();
engine = await EngineClient.start(tms);
engine.on('frame', onFrame);
engine.on('mode', onMode);
engine.on('progress', onProgress);
engine.on('done', onDone);
engine.on('opened', (m) => {
  settings = m.settings;
  budget = m.budget;
  $('timeline').dataset.interval = '';
  engine.send('frame');
});
engine.on('fatal', (m) => fatal(m.message));
engine.on('error', (m) => { if (m.re === undefined) notify([m.message], 'error'); });
document.body.dataset.engine = engine.where;
wire();
let fragment = '';
try {
  fragment = window.location.hash.slice(1);
} catch {
  fragment = '';
}
let openingNotices = [];
if (fragment) {
  openingNotices = openFragment(fragment);
} else {
  const intro = presetList.find((p) => p.id === 'intro-0.05');
  openFragment(intro.fragment);
}
if (embed) {
  startEmbed(embed, {
    openingNotices,
    fragment: currentFragment,
    step: () => shown.step,
    loss: () => shown.loss,
    playing: () => mode === 'playing',
    play,
    stop: pause,
    step100: stepBy,
    stepBy: (n) => stepBy(n),
    reset: async () => {
      await pause();
      await seek(0);
    },
    seek,
    open: (f) => openFragment(f),
    exportJson,
    highlight: (h) => figures.setHighlight(h),
    probe: (x, target) => {
      // A neuron or output the model does not have is refused (Rust says why) before anything changes.
      if (target && figures.snapshot) figures.snapshot.readout_of(target.kind, target.index);
      probe.set(x);
      if (target) probe.select(target);
      const info = figures.probeInfo;
      let readout = null;
      if (probe.target && figures.snapshot) readout = JSON.parse(figures.snapshot.readout_of(probe.target.kind, probe.target.index));
      return { x: info?.x ?? [], h: info?.h ?? [], out: info?.out ?? [], active: info?.active ?? [], notices: info?.notices ?? [], readout };
    },
    load: (bytes, name, instance) => loadWeights(bytes, name, { instance: instance === undefined ? '' : String(instance) }),
    on: (kind, f) => listeners[kind].push(f),
  });
}
document.body.dataset.ready = 'true';

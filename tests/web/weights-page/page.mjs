// Keeps one current run; a chosen file replaces it only when it reads, and the outcome is shown as
// JSON in #result: {ok, description, notices, fingerprint, step, metrics} or {ok: false, error,
// fingerprint} (the fingerprint of the run that was kept).
import init, { Run, import_weights } from './pkg/tms_explorer.js';

await init();
let run = new Run('model=relu-output&n=5&m=2&density=0.1&seed=1');
run.step(25);
window.currentRun = () => run;

const result = document.getElementById('result');
document.getElementById('file').addEventListener('change', async (event) => {
  const file = event.target.files[0];
  const bytes = new Uint8Array(await file.arrayBuffer());
  const instance = Number(document.getElementById('instance').value);
  let outcome;
  try {
    const imported = import_weights(bytes, file.name, instance, '', '');
    const description = imported.description;
    const notices = JSON.parse(imported.notices);
    const next = imported.take_run();
    imported.free();
    run.free();
    run = next;
    const exported = JSON.parse(run.export_json());
    run.snapshot().draw(document.getElementById('view'), 'bars', 'light', 1, 0, 0);
    outcome = { ok: true, description, notices, fingerprint: run.fingerprint(), step: run.step_count, metrics: exported.metrics };
  } catch (error) {
    outcome = { ok: false, error: String(error.message ?? error), fingerprint: run.fingerprint() };
  }
  result.textContent = JSON.stringify(outcome);
  result.dataset.done = String(Number(result.dataset.done ?? 0) + 1);
});
document.body.dataset.ready = 'true';

/** The virtual module of the dev overlay, injected into index.html by the plugin (option `overlay`). */
export const OVERLAY_ID = '\0meshy-overlay';

/**
 * One row of the overlay: `"a crate" refine 40% (12s)`, `"a crate" queued (0s)`, `"a crate" refine
 * failed (3s)`; a stage named like its state is not repeated. Runs in the browser: its source is
 * inlined into the overlay's code, so it stays plain JavaScript once its types are stripped.
 */
export function overlayRowText(run: { label: string; stage: string; status: string; progress: number }, elapsedMs: number): string {
  const state = run.status === 'FAILED' ? 'failed' : run.status === 'IN_PROGRESS' ? `${run.progress}%` : run.status.toLowerCase().replace('_', ' ');
  const stage = run.stage === state ? '' : `${run.stage} `;
  return `"${run.label}" ${stage}${state} (${Math.max(0, Math.round(elapsedMs / 1000))}s)`;
}

/** The overlay's label while the models come from the bundled emulator: always shown, so stand-ins are never taken for Meshy's. */
const EMULATOR_LABEL = "meshy · emulator: stand-in models, not Meshy's (set MESHY_API_KEY for real ones)";

/**
 * The overlay's browser code: a small panel listing running generations with their stage, progress
 * and elapsed time, and failed ones with Meshy's error; with the emulator, its label stays on screen.
 * It listens to the plugin's HMR events only, and writes text with `textContent` (prompts are user
 * text). Plain JS, so it needs no build step.
 */
export const overlayModuleCode = ({ emulated }: { emulated: boolean }) => `
const hot = import.meta.hot;
const emulated = ${JSON.stringify(emulated)};
if (hot && typeof document !== 'undefined') {
  const runs = new Map();
  const panel = document.createElement('div');
  panel.id = 'meshy-overlay';
  panel.setAttribute('role', 'status');
  panel.style.cssText = 'position:fixed;right:12px;bottom:12px;z-index:2147483000;max-width:360px;padding:8px 10px;border-radius:8px;' +
    'background:rgba(18,20,26,.88);color:#d8dde6;font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace;box-shadow:0 2px 12px #0008;display:none';
  const rowText = ${overlayRowText.toString()};
  const render = () => {
    panel.replaceChildren();
    const title = document.createElement('div');
    title.textContent = emulated ? ${JSON.stringify(EMULATOR_LABEL)} : 'meshy';
    panel.dataset.emulated = String(emulated);
    title.style.cssText = 'color:#c77dff;font-weight:600;margin-bottom:2px';
    panel.append(title);
    for (const run of runs.values()) {
      const row = document.createElement('div');
      row.dataset.key = run.key;
      row.dataset.status = run.status;
      const elapsed = run.status === 'FAILED' ? run.elapsedMs : run.elapsedMs + (performance.now() - run.receivedAt);
      row.textContent = rowText(run, elapsed);
      if (run.error) {
        row.style.color = '#ff8080';
        const reason = document.createElement('div');
        reason.textContent = run.error;
        reason.style.cssText = 'white-space:pre-wrap;opacity:.85;margin:0 0 4px 10px';
        row.append(reason);
      }
      panel.append(row);
    }
    panel.style.display = runs.size > 0 || emulated ? 'block' : 'none';
  };
  const keep = (run) => { runs.set(run.key, { ...run, receivedAt: performance.now() }); render(); };
  hot.on('meshy:snapshot', (list) => { runs.clear(); list.forEach(keep); render(); });
  hot.on('meshy:progress', keep);
  hot.on('meshy:error', keep);
  hot.on('meshy:done', (done) => { runs.delete(done.key); render(); });
  const mount = () => { document.body.append(panel); render(); };
  if (document.body) mount(); else addEventListener('DOMContentLoaded', mount);
  setInterval(() => { if (runs.size > 0) render(); }, 1000);
  hot.send('meshy:hello');
}
`;

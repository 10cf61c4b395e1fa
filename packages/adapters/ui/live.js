// Live mode: figures from `/events?counters=…` (periodic stage counters, throttled by the
// server), state changes from the activity records in between, control through `/control`.

const COUNTERS_MS = 500;

/** Records/s between two counters frames, per stage and per input. */
export function withRates(frame, previous) {
  const figures = {};
  const before = new Map((previous?.stages ?? []).map((s) => [s.name, s]));
  const seconds = previous === undefined ? 0 : (frame.at - previous.at) / 1000;
  for (const s of frame.stages) {
    const p = before.get(s.name);
    const moved = s.out > 0 || s.inputs.length === 0 ? s.out - (p?.out ?? 0) : s.in - (p?.in ?? 0);
    const inputsBefore = new Map((p?.inputs ?? []).map((i) => [i.upstream, i]));
    figures[s.name] = {
      ...s,
      rate: seconds > 0 ? Math.max(0, moved) / seconds : undefined,
      inputs: s.inputs.map((i) => ({
        ...i,
        rate: seconds > 0 ? Math.max(0, i.cursor - (inputsBefore.get(i.upstream)?.cursor ?? 0)) / seconds : undefined,
      })),
    };
  }
  return figures;
}

/** `/flow` (a FlowStatus) as a counters frame: the figures before the first frame and after the run. */
async function statusFrame() {
  const response = await fetch('/flow');
  if (!response.ok) return undefined;
  const status = await response.json();
  return {
    at: Date.now(),
    state: status.state,
    stages: status.stages.map((s) => ({ ...s, lag: s.inputs.reduce((sum, i) => sum + i.lag, 0) })),
  };
}

const ENDED = new Set(['completed', 'failed', 'stopped']);

/** Follows the running flow; `onFigures(at, figures, pipelineState)` at most once per animation frame. */
export function followLive({ onFigures, onPipelineState, onStageState, onMessage }) {
  let previous;
  let pending;
  let scheduled = false;
  const showStatus = () =>
    statusFrame().then((frame) => {
      if (frame === undefined) return;
      onFigures(frame.at, withRates(frame, undefined), frame.state);
      // A run that is over has no stream to follow: stop the browser reconnecting to it.
      if (ENDED.has(frame.state)) source.close();
    }, () => undefined);
  const flush = () => {
    scheduled = false;
    if (pending === undefined) return;
    const { at, figures, state } = pending;
    pending = undefined;
    onFigures(at, figures, state);
  };
  const source = new EventSource(`/events?counters=${COUNTERS_MS}`);
  void showStatus();
  source.addEventListener('counters', (event) => {
    const frame = JSON.parse(event.data);
    pending = { at: frame.at, figures: withRates(frame, previous), state: frame.state };
    previous = frame;
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(flush);
    }
  });
  source.addEventListener('pipeline.state', (event) => onPipelineState(JSON.parse(event.data).to));
  source.addEventListener('stage.state', (event) => {
    const record = JSON.parse(event.data);
    onStageState(record.stage, record.to);
  });
  source.addEventListener('shutdown', (event) => {
    const record = JSON.parse(event.data);
    onPipelineState(record.state);
    onMessage(`run ended (${record.clean ? 'clean' : 'not clean'} shutdown)`);
    source.close();
    void showStatus();
  });
  // The stream ends with the run: the last figures come from /flow.
  source.addEventListener('error', () => {
    void showStatus();
    if (source.readyState === EventSource.CLOSED) onMessage('disconnected from the flow');
  });
  return () => source.close();
}

/** Sends a control action; resolves with a line for the status bar. */
export async function control(action) {
  const response = await fetch('/control', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(action === 'stop' ? { action, mode: 'graceful' } : { action }),
  });
  const body = await response.json().catch(() => ({}));
  return response.ok ? `${action} accepted` : `${action} refused: ${body.error ?? response.status}`;
}

// Recorded mode (`sluice view`): a slider over the run's activity log; each moment's machine
// states and counts come from `/view/at?t=`, rebuilt by the server from the journals.

import { getJson } from './dom.js';

const STEPS = 1000;

function figuresOf(moment) {
  const figures = {};
  for (const s of moment.stages) figures[s.name] = s;
  return figures;
}

/** Wires the slider; resolves once the last moment of the run is shown. */
export async function followView({ slider, output, charts, onMoment, onMessage, format }) {
  const timeline = await getJson('/view/timeline');
  const span = Math.max(1, timeline.end - timeline.start);
  slider.max = String(STEPS);
  slider.value = String(STEPS);
  slider.dataset['start'] = String(timeline.start);
  slider.dataset['end'] = String(timeline.end);
  const marks = document.createElement('datalist');
  marks.id = 'marks';
  for (const mark of timeline.marks) {
    const option = document.createElement('option');
    option.value = String(Math.round(((mark.at - timeline.start) / span) * STEPS));
    option.label = mark.label;
    marks.append(option);
  }
  slider.after(marks);
  slider.setAttribute('list', 'marks');
  let wanted;
  let loading = false;
  async function show(at) {
    wanted = at;
    if (loading) return;
    loading = true;
    try {
      while (wanted !== undefined) {
        const t = wanted;
        wanted = undefined;
        const moment = await getJson(`/view/at?t=${t}`);
        output.textContent = `${format(moment.at)} (${Math.round((moment.at - timeline.start) / 1000)} s into the run)`;
        output.dataset['at'] = String(moment.at);
        onMoment(moment.at, figuresOf(moment), moment.pipeline);
      }
    } catch (error) {
      onMessage(error.message);
    } finally {
      loading = false;
    }
  }
  // Only the newest position is fetched when the slider moves faster than the answers come.
  slider.addEventListener('input', () => {
    void show(Math.round(timeline.start + (Number(slider.value) / STEPS) * span));
  });
  onMessage(`${timeline.runs} run(s), ${timeline.activity} activity records`);
  await show(timeline.end);
  // After the first moment: the series reads the whole run and would hold it up.
  getJson('/view/series?points=120').then((series) => charts.load(series.stages), () => undefined);
}

// The web view's entry: draws the flow, then follows it live (ops server) or over the
// recorded run with a time slider (`sluice view`).

import { createCharts } from './charts.js';
import { getJson, time } from './dom.js';
import { drawGraph } from './graph.js';
import { control, followLive } from './live.js';
import { createPanel } from './panel.js';
import { followView } from './view.js';

const $ = (id) => document.getElementById(id);

function setPipelineState(state) {
  const badge = $('pipeline-state');
  badge.textContent = state;
  badge.dataset['state'] = state;
}

function setMessage(text) {
  $('message').textContent = text;
}

async function main() {
  const info = await getJson('/web/info');
  document.title = `${info.flow} · Sluice`;
  $('flow-name').textContent = info.flow;
  $('mode').textContent = info.mode === 'live' ? 'live' : 'recorded run (read-only)';
  document.body.dataset['mode'] = info.mode;
  let figures = {};
  const panel = createPanel($('panel'), $('panel-body'), {
    info,
    onOpen: (stage, seq) => openStage(stage, seq),
  });
  const graph = await drawGraph($('graph'), info.stages, (name) => openStage(name));
  const charts = createCharts($('charts'), info.stages.map((s) => s.name));
  function openStage(name, seq) {
    graph.select(name);
    panel.show(name, figures[name], seq).catch((error) => setMessage(error.message));
  }
  $('panel-close').addEventListener('click', () => {
    graph.select(undefined);
    panel.close();
  });
  const apply = (at, next, state) => {
    figures = next;
    graph.update(next);
    panel.refresh(next);
    if (state !== undefined) setPipelineState(state);
    if (at !== undefined) charts.add(at, next);
  };
  if (info.mode === 'live') {
    $('controls').hidden = false;
    for (const button of $('controls').querySelectorAll('button')) {
      button.addEventListener('click', () => {
        control(button.dataset['action']).then(setMessage, (error) => setMessage(error.message));
      });
    }
    followLive({
      onFigures: apply,
      onPipelineState: setPipelineState,
      onStageState: (stage, state) => {
        figures = { ...figures, [stage]: { ...(figures[stage] ?? { inputs: [] }), state } };
        graph.update({ [stage]: figures[stage] });
        panel.refresh(figures);
      },
      onMessage: setMessage,
    });
  } else {
    $('timeline').hidden = false;
    await followView({
      slider: $('slider'),
      output: $('moment'),
      charts,
      onMoment: (at, next, state) => {
        apply(undefined, next, state);
        if (panel.current !== undefined) panel.show(panel.current, next[panel.current]).catch((error) => setMessage(error.message));
      },
      onMessage: setMessage,
      format: time,
    });
  }
}

main().catch((error) => setMessage(`could not load the flow: ${error.message}`));

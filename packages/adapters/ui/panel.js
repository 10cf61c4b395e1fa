// A stage's panel: last records with lineage links, error lane, machine state and recent
// transitions, effects, settings. Everything is read from the JSON endpoints on open.

import { getJson, h, json, time } from './dom.js';

const enc = encodeURIComponent;

function lineageLink(cause, open) {
  if (cause === undefined) return '';
  return h('a', { href: `#${cause.stage}/${cause.seq}`, class: 'lineage', 'data-cause': `${cause.stage}#${cause.seq}`, onclick: (event) => {
    event.preventDefault();
    open(cause.stage, cause.seq);
  } }, `${cause.stage}#${cause.seq}`);
}

function recordRows(records, open, highlight) {
  return records.map((r) => h('tr', { class: r.seq === highlight ? 'highlight' : undefined, 'data-seq': r.seq },
    h('td', {}, String(r.seq)),
    h('td', {}, r.kind),
    h('td', {}, h('pre', {}, json(r.payload))),
    h('td', {}, lineageLink(r.cause, open)),
    h('td', {}, time(r.at)),
  ));
}

function recordsTable(records, open, highlight) {
  if (records.length === 0) return h('p', {}, 'none');
  return h('table', { class: 'records' },
    h('tr', {}, h('th', {}, 'seq'), h('th', {}, 'kind'), h('th', {}, 'payload'), h('th', {}, 'cause'), h('th', {}, 'at')),
    recordRows(records, open, highlight));
}

function errorsTable(body, open) {
  if (body.records.length === 0) return h('p', {}, `no errors (${body.total ?? 0} in all)`);
  return h('div', {},
    h('p', {}, `${body.total} in the error lane; the last ${body.records.length}:`),
    h('table', { class: 'errors' },
      h('tr', {}, h('th', {}, 'seq'), h('th', {}, 'reason'), h('th', {}, 'input')),
      body.records.map((r) => h('tr', { 'data-seq': r.seq },
        h('td', {}, String(r.seq)),
        h('td', { class: 'error-reason' }, `${r.payload?.code ?? ''} ${r.payload?.message ?? json(r.payload)}`),
        h('td', {}, lineageLink(r.cause, open)),
      ))));
}

function activityList(activity) {
  const rows = activity.slice().reverse().map((a) => h('tr', {},
    h('td', {}, time(a.at)),
    h('td', {}, a.type === 'stage.state' ? `${a.from} → ${a.to}` : a.type),
    h('td', {}, a.error === undefined ? (a.message ?? '') : json(a.error?.message ?? a.error)),
  ));
  return rows.length === 0 ? h('p', {}, 'none') : h('table', { class: 'transitions' }, rows);
}

function effectsTable(effects, open) {
  return h('table', { class: 'effects' },
    h('tr', {}, h('th', {}, 'effect'), h('th', {}, 'status'), h('th', {}, 'input'), h('th', {}, 'detail')),
    effects.slice().reverse().map((e) => h('tr', {},
      h('td', {}, e.effect),
      h('td', {}, e.status),
      h('td', {}, lineageLink(e.input, open)),
      h('td', {}, e.error?.message ?? (e.durationMs === undefined ? '' : `${e.durationMs} ms, ${e.attempts ?? 1} attempt(s)`)),
    )));
}

function settingsTable(settings) {
  const entries = Object.entries(settings ?? {});
  if (entries.length === 0) return h('p', {}, 'defaults');
  return h('table', { class: 'settings' }, entries.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, h('pre', {}, json(v))))));
}

/**
 * The panel in `root`: `show(stage, figures, focus)` fills it for a stage (focus: a seq to show
 * and highlight, from a lineage link), `refresh(figures)` updates its live header.
 */
export function createPanel(root, body, { info, onOpen }) {
  let current;
  const open = (stage, seq) => onOpen(stage, seq);
  async function show(name, figures, focus) {
    current = name;
    const stage = info.stages.find((s) => s.name === name);
    root.hidden = false;
    const header = h('div', { id: 'panel-header' });
    body.replaceChildren(h('h2', { 'data-stage': name }, name), h('div', { class: 'kind' }, stage?.kind ?? ''), header, h('p', {}, 'loading…'));
    renderHeader(header, figures);
    const base = `/stages/${enc(name)}`;
    // A recorded run shows the records written by the slider's moment.
    const upTo = info.mode === 'view' && typeof figures?.seq === 'number' ? `&upTo=${figures.seq}` : '';
    const [records, errors, activity, effects, focused] = await Promise.all([
      getJson(`${base}/records?last=20${upTo}`),
      getJson(`${base}/errors?last=20${upTo}`),
      getJson(`${base}/activity?last=20`),
      getJson(`${base}/effects?last=20`).catch(() => ({ effects: [] })),
      focus === undefined ? undefined : getJson(`/records/${enc(name)}/${focus}`).catch((error) => ({ error: error.message })),
    ]);
    if (current !== name) return;
    const sections = [h('h2', { 'data-stage': name }, name), h('div', { class: 'kind' }, stage?.kind ?? ''), header];
    if (focused !== undefined) {
      sections.push(h('h3', {}, `Record ${name}#${focus}`),
        focused.error === undefined ? recordsTable([focused.record], open, focus) : h('p', { class: 'error-reason' }, focused.error));
    }
    sections.push(
      h('h3', {}, `Last records (journal ends at ${records.lastSeq})`), recordsTable(records.records, open, focus),
      h('h3', {}, 'Error lane'), errorsTable(errors, open),
      h('h3', {}, 'Machine: recent transitions'), activityList(activity.activity),
    );
    if (effects.effects.length > 0) sections.push(h('h3', {}, 'Effects'), effectsTable(effects.effects, open));
    sections.push(h('h3', {}, 'Settings'), settingsTable(stage?.settings), h('p', {}, 'inputs: ', (stage?.inputs ?? []).join(', ') || 'none'));
    body.replaceChildren(...sections);
  }
  function renderHeader(header, f) {
    if (f === undefined) return;
    header.replaceChildren(
      h('span', { class: 'state', 'data-state': f.state ?? 'unknown', id: 'panel-state' }, f.state ?? 'unknown'),
      ` in ${f.in ?? 0} · out ${f.out ?? 0} · errors ${f.errors ?? 0} · lag ${f.lag ?? 0}`,
      f.rate === undefined ? '' : ` · ${f.rate.toFixed(1)} rec/s`,
    );
  }
  return {
    show,
    refresh(figures) {
      if (current === undefined || root.hidden) return;
      const header = body.querySelector('#panel-header');
      if (header !== null) renderHeader(header, figures[current]);
    },
    close() {
      current = undefined;
      root.hidden = true;
    },
    get current() {
      return current;
    },
  };
}

// The flow graph: laid out left to right by elkjs (loaded as the global ELK), drawn as SVG.
// Nodes and edges are drawn once; live figures only change their texts and data-state, so a
// 50-stage flow redraws nothing but a few hundred text nodes per update.

const SVG = 'http://www.w3.org/2000/svg';
const NODE_W = 180;
const NODE_H = 68;
const WRAP_AFTER = 12;

/** The upstream stage of an input key (`name` or `name#port`). */
export function upstreamOf(key) {
  const hash = key.lastIndexOf('#');
  return hash < 0 ? key : key.slice(0, hash);
}

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Lays out `stages` ({ name, kind, inputs }) with ELK's layered algorithm, left to right. */
async function layout(stages) {
  const elk = new globalThis.ELK();
  const edges = [];
  for (const stage of stages) {
    for (const key of stage.inputs) {
      edges.push({ id: `${key}->${stage.name}`, key, sources: [upstreamOf(key)], targets: [stage.name] });
    }
  }
  return elk.layout({
    id: 'flow',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '130',
      'elk.spacing.nodeNode': '28',
      'elk.edgeRouting': 'ORTHOGONAL',
      // A long flow wraps into rows, so 50 stages fit a screen instead of a 12,000 px strip.
      ...(stages.length > WRAP_AFTER ? { 'elk.layered.wrapping.strategy': 'MULTI_EDGE', 'elk.aspectRatio': '1.8' } : {}),
    },
    children: stages.map((s) => ({ id: s.name, width: NODE_W, height: NODE_H })),
    edges,
  });
}

function pathOf(section) {
  const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
}

function midpoint(section) {
  const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
  const a = points[Math.floor((points.length - 1) / 2)];
  const b = points[Math.floor((points.length - 1) / 2) + 1] ?? a;
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 - 4 };
}

function drawEdge(group, edge) {
  const section = edge.sections?.[0];
  if (section === undefined) return undefined;
  const g = el('g', { class: 'edge', 'data-edge': edge.id, 'data-upstream': edge.key });
  g.append(el('path', { d: pathOf(section), 'marker-end': 'url(#arrow)' }));
  const mid = midpoint(section);
  const label = el('text', { x: mid.x, y: mid.y, 'text-anchor': 'middle' }, '');
  const title = el('title', {}, `${edge.key} → ${edge.targets[0]}`);
  g.append(label, title);
  group.append(g);
  return { g, label, title };
}

function drawNode(group, node, stage, onSelect) {
  const g = el('g', { class: 'node', transform: `translate(${node.x},${node.y})`, 'data-stage': stage.name, 'data-kind': stage.kind, 'data-state': 'unknown', tabindex: 0 });
  g.append(el('rect', { width: NODE_W, height: NODE_H, rx: 6 }));
  g.append(el('text', { class: 'name', x: 10, y: 18 }, stage.name));
  const kind = el('text', { class: 'kind', x: NODE_W - 10, y: 18, 'text-anchor': 'end' }, stage.kind);
  const figures = el('text', { class: 'figures', x: 10, y: 38 }, '');
  const rates = el('text', { class: 'figures', x: 10, y: 56 }, '');
  const errors = el('text', { class: 'errors', x: NODE_W - 10, y: 56, 'text-anchor': 'end' }, '');
  const title = el('title', {}, `${stage.name} (${stage.kind})`);
  g.append(kind, figures, rates, errors, title);
  g.addEventListener('click', () => onSelect(stage.name));
  g.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') onSelect(stage.name);
  });
  group.append(g);
  return { g, kind: stage.kind, figures, rates, errors, title };
}

/** A stage's counts line: a source has no input, a sink's output is its deliveries (read). */
function figureLine(kind, f) {
  if (kind === 'source') return `out ${short(f.out)}`;
  if (kind === 'sink') return `in ${short(f.in)} · lag ${short(f.lag)}`;
  return `in ${short(f.in)} · out ${short(f.out)} · lag ${short(f.lag)}`;
}

/** Compact counts: 1234 → 1.2k. */
export function short(n) {
  if (n === undefined || n === null || Number.isNaN(n)) return '–';
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/**
 * Draws the graph of `stages` into `svg`; `onSelect(name)` is called when a stage is clicked.
 * Resolves with `update(figures)` (figures by stage: state, in, out, errors, lag, rate, inputs)
 * and `select(name)`.
 */
export async function drawGraph(svg, stages, onSelect) {
  const laid = await layout(stages);
  svg.replaceChildren();
  svg.setAttribute('width', String(Math.ceil(laid.width ?? 0) + 20));
  svg.setAttribute('height', String(Math.ceil(laid.height ?? 0) + 20));
  const defs = el('defs');
  const marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#9a9aa3' }));
  defs.append(marker);
  const root = el('g', { transform: 'translate(10,10)' });
  svg.append(defs, root);
  const edgeGroup = el('g', { class: 'edges' });
  const nodeGroup = el('g', { class: 'nodes' });
  root.append(edgeGroup, nodeGroup);
  const edges = new Map();
  for (const edge of laid.edges ?? []) {
    const drawn = drawEdge(edgeGroup, edge);
    if (drawn !== undefined) edges.set(edge.id, drawn);
  }
  const nodes = new Map();
  const byName = new Map(stages.map((s) => [s.name, s]));
  for (const node of laid.children ?? []) {
    const stage = byName.get(node.id);
    if (stage !== undefined) nodes.set(node.id, drawNode(nodeGroup, node, stage, onSelect));
  }
  return {
    update(figures) {
      for (const [name, f] of Object.entries(figures)) {
        const node = nodes.get(name);
        if (node === undefined) continue;
        node.g.setAttribute('data-state', f.state ?? 'unknown');
        node.figures.textContent = figureLine(node.kind, f);
        node.rates.textContent = f.rate === undefined ? '' : `${short(f.rate)} rec/s`;
        node.errors.textContent = f.errors > 0 ? `${short(f.errors)} errors` : '';
        node.title.textContent = `${name}: ${f.state ?? 'unknown'}`;
        for (const input of f.inputs ?? []) {
          const edge = edges.get(`${input.upstream}->${name}`);
          if (edge === undefined) continue;
          const rate = input.rate === undefined ? '' : ` · ${short(input.rate)}/s`;
          edge.label.textContent = `lag ${short(input.lag)}${rate}`;
          edge.title.textContent = `${input.upstream} → ${name}: read to ${input.cursor}, lag ${input.lag}`;
          edge.g.classList.toggle('lagging', input.lag > 0);
        }
      }
    },
    select(name) {
      for (const [key, node] of nodes) node.g.classList.toggle('selected', key === name);
    },
  };
}

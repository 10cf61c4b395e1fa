// One small uPlot chart per stage: records/s and lag over the last minutes. Points are kept
// in plain arrays and the charts redrawn at most once a second, whatever the update rate.

const WINDOW_S = 300;
const REDRAW_MS = 1000;

function options(title, width) {
  return {
    title,
    width,
    height: 110,
    legend: { show: false },
    scales: { x: { time: true }, rate: { auto: true }, lag: { auto: true } },
    axes: [
      { size: 24, font: '10px system-ui' },
      { scale: 'rate', size: 50, font: '10px system-ui' },
      { scale: 'lag', side: 1, size: 44, font: '10px system-ui', grid: { show: false } },
    ],
    series: [{}, { label: 'records/s', scale: 'rate', stroke: '#2e9e5b', width: 1.5 }, { label: 'lag', scale: 'lag', stroke: '#e07b00', width: 1 }],
  };
}

/** Charts for `names` in `container`; `add(at, figures)` records a sample, `reset()` clears them. */
export function createCharts(container, names) {
  const series = new Map();
  container.replaceChildren();
  const width = Math.max(220, Math.floor(container.clientWidth / Math.max(1, Math.floor(container.clientWidth / 260))) - 18);
  for (const name of names) {
    const box = document.createElement('div');
    box.className = 'chart';
    box.dataset['stage'] = name;
    container.append(box);
    const data = [[], [], []];
    const plot = new globalThis.uPlot(options(`${name} · rec/s, lag`, width), data, box);
    series.set(name, { data, plot });
  }
  let dirty = false;
  const timer = setInterval(() => {
    if (!dirty) return;
    dirty = false;
    for (const { data, plot } of series.values()) plot.setData(data);
  }, REDRAW_MS);
  return {
    add(at, figures) {
      const t = at / 1000;
      for (const [name, f] of Object.entries(figures)) {
        const s = series.get(name);
        if (s === undefined || f.rate === undefined) continue;
        s.data[0].push(t);
        s.data[1].push(f.rate);
        s.data[2].push(f.lag ?? 0);
        while (s.data[0].length > 0 && s.data[0][0] < t - WINDOW_S) for (const column of s.data) column.shift();
      }
      dirty = true;
    },
    /** Replaces every chart's points (the view's whole run, say): `samples` by stage as [t, rate, lag][]. */
    load(samples) {
      for (const [name, points] of Object.entries(samples)) {
        const s = series.get(name);
        if (s === undefined) continue;
        s.data[0] = points.map((p) => p[0] / 1000);
        s.data[1] = points.map((p) => p[1]);
        s.data[2] = points.map((p) => p[2]);
      }
      dirty = true;
    },
    stop() {
      clearInterval(timer);
    },
  };
}

// Prometheus text from /metrics, and the SVG line charts the overview draws from it.
import { h } from './dom.js';

/** The samples of a Prometheus text exposition: name, labels and value per line. */
export function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: parseFloat(m[3]) });
  }
  return samples;
}

/** The sum of the samples named name whose labels pass filter. */
export const sum = (samples, name, filter = () => true) => samples.filter((s) => s.name === name && filter(s.labels)).reduce((a, s) => a + s.value, 0);

/** A chart of series ({ name, points }), right-aligned so the newest points line up, and its legend with the last values. */
export function lineChart(title, series, unit) {
  const width = 600, height = 140, pad = 28;
  const all = series.flatMap((s) => s.points);
  const max = Math.max(1, ...all);
  const n = Math.max(2, ...series.map((s) => s.points.length));
  const svg = h('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title },
    h('line', { class: 'axis', x1: pad, y1: height - pad / 2, x2: width, y2: height - pad / 2 }),
    h('text', { x: 0, y: 12 }, `${max.toFixed(max < 10 ? 1 : 0)} ${unit}`),
    h('text', { x: 0, y: height - pad / 2 }, '0'));
  series.forEach((s, i) => {
    if (s.points.length < 2) return;
    const points = s.points.map((v, j) => `${pad + (j + n - s.points.length) * (width - pad) / (n - 1)},${(height - pad / 2) - (v / max) * (height - pad)}`).join(' ');
    svg.append(h('polyline', { points, fill: 'none', stroke: ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#e377c2'][i % 5], 'stroke-width': 2, 'vector-effect': 'non-scaling-stroke' }));
  });
  const legend = h('ul', { class: 'legend' }, series.map((s, i) => h('li', {}, h('span', { class: 'swatch sw' + (i % 5) }), `${s.name}: ${(s.points.at(-1) ?? 0).toFixed(1)} ${unit}`)));
  return [svg, legend];
}

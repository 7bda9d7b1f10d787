/**
 * Inline SVG charts for the HTML report: bars, stacked bars and lines over a shared frame with
 * labelled axes (nice ticks, grid lines, axis titles). Every label is placed inside the viewBox
 * (y tick labels right-aligned in the left margin, x labels centred on their bar, titles in the
 * margins), so nothing is clipped at any page width. No script.
 */

/** HTML/XML text escaping for element content and attribute values. */
export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Neutral ink for metric (not outcome) marks: outcome hues stay reserved for outcomes. */
export const INK = { bar: '#94a3b8', line: '#334155', grid: '#e5e7eb', axis: '#9ca3af' } as const;

/** The drawing frame in viewBox units: full size and margins. */
interface Frame {
  w: number;
  h: number;
  l: number;
  r: number;
  t: number;
  b: number;
}
const FRAME: Frame = { w: 900, h: 260, l: 72, r: 24, t: 30, b: 48 };

/** 0 and evenly spaced round steps (1, 2 or 5 × 10^n) up to at least `max`; about `count` of them. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks.at(-1)! < max) ticks.push(Number((ticks.at(-1)! + step).toPrecision(12)));
  return ticks;
}

/** Grid lines with y tick labels, the x axis line, and both axis titles. */
function axes(f: Frame, ticks: number[], fmt: (v: number) => string, yTitle: string, xTitle: string): string {
  const top = ticks.at(-1)!;
  const y = (v: number): number => f.h - f.b - ((f.h - f.b - f.t) * v) / top;
  const grid = ticks
    .map((v) => `<line x1="${f.l}" y1="${y(v)}" x2="${f.w - f.r}" y2="${y(v)}" stroke="${v === 0 ? INK.axis : INK.grid}"/><text class="tick y" x="${f.l - 8}" y="${y(v) + 4}" text-anchor="end">${esc(fmt(v))}</text>`)
    .join('');
  return `${grid}<text class="axis-title" x="${f.l}" y="16">${esc(yTitle)}</text><text class="axis-title" x="${(f.l + f.w - f.r) / 2}" y="${f.h - 8}" text-anchor="middle">${esc(xTitle)}</text>`;
}

/** One x label under each `every`-th slot, centred on it. */
function xLabels(f: Frame, labels: string[], step: number): string {
  const every = Math.max(1, Math.ceil(labels.length / Math.floor((f.w - f.l - f.r) / 70)));
  return labels
    .map((label, i) => (i % every === 0 ? `<text class="tick x" x="${f.l + i * step + step / 2}" y="${f.h - f.b + 18}" text-anchor="middle">${esc(label)}</text>` : ''))
    .join('');
}

const svg = (id: string, f: Frame, body: string, label: string): string =>
  `<svg id="${id}" role="img" aria-label="${esc(label)}" viewBox="0 0 ${f.w} ${f.h}" width="100%" preserveAspectRatio="xMidYMid meet">${body}</svg>`;

/** Vertical bars, one `<rect class="bar" data-value>` per value. */
export function barChart(id: string, bars: { label: string; value: number; colour?: string }[], yTitle: string, xTitle: string, fmt: (v: number) => string = String): string {
  const f = FRAME;
  const ticks = niceTicks(Math.max(...bars.map((b) => b.value), 0));
  const top = ticks.at(-1)!;
  const step = (f.w - f.l - f.r) / Math.max(1, bars.length);
  const rects = bars.map((b, i) => {
    const bh = ((f.h - f.b - f.t) * b.value) / top;
    return `<rect class="bar" x="${f.l + i * step + 1}" y="${f.h - f.b - bh}" width="${Math.max(1, step - 2)}" height="${bh}" fill="${b.colour ?? INK.bar}" data-value="${b.value}"><title>${esc(`${b.label}: ${fmt(b.value)}`)}</title></rect>`;
  });
  return svg(id, f, axes(f, ticks, fmt, yTitle, xTitle) + rects.join('') + xLabels(f, bars.map((b) => b.label), step), yTitle);
}

/** Stacked bars per slot: one `<rect class="seg">` per non-zero part, parts in `order`. */
export function stackedChart(id: string, slots: Partial<Record<string, number>>[], order: { key: string; colour: string }[], slotLabel: (i: number) => string, yTitle: string, xTitle: string): string {
  const f = FRAME;
  const totals = slots.map((s) => Object.values(s).reduce((n: number, v) => n + (v ?? 0), 0));
  const ticks = niceTicks(Math.max(0, ...totals));
  const top = ticks.at(-1)!;
  const step = (f.w - f.l - f.r) / Math.max(1, slots.length);
  const parts: string[] = [];
  slots.forEach((slot, i) => {
    let y = f.h - f.b;
    for (const { key, colour } of order) {
      const n = slot[key] ?? 0;
      if (n === 0) continue;
      const bh = ((f.h - f.b - f.t) * n) / top;
      y -= bh;
      parts.push(`<rect class="seg" data-outcome="${esc(key)}" x="${f.l + i * step + 1}" y="${y}" width="${Math.max(1, step - 2)}" height="${bh}" fill="${colour}"><title>${esc(`${slotLabel(i)}: ${n} ${key}`)}</title></rect>`);
    }
  });
  return svg(id, f, axes(f, ticks, String, yTitle, xTitle) + parts.join('') + xLabels(f, slots.map((_, i) => slotLabel(i)), step), yTitle);
}

/** A line per series over shared slots; a slot without a value breaks the line. Points carry `data-value`. */
export function lineChart(
  id: string,
  series: { name: string; cls: string; dash?: string; values: (number | undefined)[] }[],
  slotLabel: (i: number) => string,
  yTitle: string,
  xTitle: string,
  fmt: (v: number) => string,
): string {
  const f = FRAME;
  const slots = Math.max(0, ...series.map((s) => s.values.length));
  const ticks = niceTicks(Math.max(0, ...series.flatMap((s) => s.values.filter((v): v is number => v !== undefined))));
  const top = ticks.at(-1)!;
  const step = (f.w - f.l - f.r) / Math.max(1, slots);
  const x = (i: number): number => f.l + i * step + step / 2;
  const y = (v: number): number => f.h - f.b - ((f.h - f.b - f.t) * v) / top;
  const lines = series.map((s) => {
    let d = '';
    let pen = false;
    const points: string[] = [];
    s.values.forEach((v, i) => {
      if (v === undefined) return void (pen = false);
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
      points.push(`<circle class="pt ${s.cls}" cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="${INK.line}" data-value="${v}"><title>${esc(`${slotLabel(i)}: ${s.name} ${fmt(v)}`)}</title></circle>`);
    });
    return `<path class="${s.cls}" d="${d}" fill="none" stroke="${INK.line}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>${points.join('')}`;
  });
  return svg(id, f, axes(f, ticks, fmt, yTitle, xTitle) + lines.join('') + xLabels(f, Array.from({ length: slots }, (_, i) => slotLabel(i)), step), yTitle);
}

/** One horizontal row per step: a bar from 0 to p50 (`<rect class="step">`) and a tick at p99, figures in a right column. */
export function waterfallChart(id: string, steps: { name: string; label: string; p50: number; p99: number }[], fmt: (v: number) => string, title = 'time since the enqueue was sent'): string {
  const w = 900;
  const rowH = 28;
  const pad = { l: 180, r: 150, t: 26 };
  const h = pad.t + steps.length * rowH + 30;
  const ticks = niceTicks(Math.max(1, ...steps.map((s) => s.p99)), 6);
  const top = ticks.at(-1)!;
  const x = (v: number): number => pad.l + ((w - pad.l - pad.r) * v) / top;
  const grid = ticks
    .map((v) => `<line x1="${x(v)}" y1="${pad.t}" x2="${x(v)}" y2="${h - 26}" stroke="${v === 0 ? INK.axis : INK.grid}"/><text class="tick x" x="${x(v)}" y="${h - 12}" text-anchor="middle">${esc(fmt(v))}</text>`)
    .join('');
  const rows = steps.map((s, i) => {
    const y = pad.t + i * rowH;
    return `<text class="step-label" x="${pad.l - 10}" y="${y + 18}" text-anchor="end">${esc(s.label)}</text><rect class="step" x="${pad.l}" y="${y + 5}" width="${Math.max(1, x(s.p50) - pad.l)}" height="${rowH - 10}" fill="${INK.bar}" data-metric="${s.name}" data-p50="${s.p50}" data-p99="${s.p99}"><title>${esc(`${s.label}: p50 ${fmt(s.p50)}, p99 ${fmt(s.p99)}`)}</title></rect><line x1="${x(s.p99)}" y1="${y + 2}" x2="${x(s.p99)}" y2="${y + rowH - 2}" stroke="${INK.line}" stroke-width="3"/><text class="figures" x="${w - 4}" y="${y + 18}" text-anchor="end">${esc(`${fmt(s.p50)} / ${fmt(s.p99)}`)}</text>`;
  });
  return `<svg id="${id}" role="img" aria-label="timing waterfall" viewBox="0 0 ${w} ${h}" width="100%">${grid}${rows.join('')}<text class="axis-title" x="${w - 4}" y="16" text-anchor="end">p50 / p99</text><text class="axis-title" x="${pad.l}" y="16">${esc(title)}</text></svg>`;
}

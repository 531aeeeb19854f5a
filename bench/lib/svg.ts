/**
 * A small SVG writer for the benchmark report: line charts (CDFs, scale curves) and bar charts (grouped or
 * stacked). No dependencies; output is plain SVG 1.1 that browsers and GitHub render.
 */

export interface Series {
  name: string;
  points: Array<[number, number]>;
  /** Draw markers at the points (scale curves) instead of a bare line (CDFs). */
  markers?: boolean;
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  /** y as a CDF tail: plotted as −log10(1 − y), labelled 50 %, 90 %, 99 %, 99.9 % … */
  cdfTailY?: boolean;
  width?: number;
  height?: number;
  /** Vertical reference lines, e.g. the bin width. */
  vLines?: Array<{ x: number; label: string }>;
  hLines?: Array<{ y: number; label: string }>;
}

export interface BarGroup {
  label: string;
  /** One value per series (same order as `seriesNames`); NaN = not measured. */
  values: number[];
}

export interface BarChartOptions {
  title: string;
  subtitle?: string;
  yLabel: string;
  seriesNames: string[];
  stacked?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
  hLines?: Array<{ y: number; label: string }>;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#17becf', '#bcbd22'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e9) return `${trim(v / 1e9)}G`;
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e4) return `${trim(v / 1e3)}k`;
  if (a >= 1) return trim(v);
  return v.toPrecision(2);
}

function trim(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** "Nice" linear ticks covering [lo, hi]. */
export function linearTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.round(t / step) * step);
  return ticks;
}

function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e;
      if (t >= lo * 0.999 && t <= hi * 1.001) ticks.push(t);
    }
  }
  return ticks;
}

interface Axis {
  toPx: (v: number) => number;
  ticks: number[];
  label: (v: number) => string;
}

function makeAxis(lo: number, hi: number, pxLo: number, pxHi: number, log: boolean): Axis {
  if (log) {
    const l0 = Math.log10(lo);
    const l1 = Math.log10(hi);
    return {
      toPx: (v) => pxLo + ((Math.log10(Math.max(v, lo)) - l0) / (l1 - l0 || 1)) * (pxHi - pxLo),
      ticks: logTicks(lo, hi),
      label: fmtTick,
    };
  }
  return { toPx: (v) => pxLo + ((v - lo) / (hi - lo || 1)) * (pxHi - pxLo), ticks: linearTicks(lo, hi), label: fmtTick };
}

/** Splits a long subtitle at " · " so each line stays under `maxChars`. */
export function wrapSubtitle(text: string, maxChars = 120): string[] {
  const parts = text.split(' · ');
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    const next = line === '' ? part : `${line} · ${part}`;
    if (next.length > maxChars && line !== '') {
      lines.push(line);
      line = part;
    } else line = next;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The title block; returns the SVG lines and how many pixels the subtitle adds below the default top margin. */
function header(width: number, height: number, title: string, subtitle?: string): { out: string[]; extraTop: number } {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  const lines = subtitle ? wrapSubtitle(subtitle, Math.floor(width / 6)) : [];
  lines.forEach((line, i) => {
    out.push(`<text x="${width / 2}" y="${36 + i * 12}" text-anchor="middle" font-size="10" fill="#555">${escapeXml(line)}</text>`);
  });
  return { out, extraTop: Math.max(0, lines.length - 1) * 12 };
}

function finite(v: number): boolean {
  return Number.isFinite(v);
}

export function lineChart(series: Series[], o: LineChartOptions): string {
  const width = o.width ?? 760;
  const height = o.height ?? 440;
  const head = header(width, height, o.title, o.subtitle);
  const m = { left: 70, right: 170, top: 50 + head.extraTop, bottom: 55 };
  const tf = (y: number) => (o.cdfTailY ? -Math.log10(Math.max(1e-6, 1 - Math.min(y, 1 - 1e-6))) : y);
  const xs = series.flatMap((s) => s.points.map((p) => p[0])).filter((x) => finite(x) && (!o.logX || x > 0));
  const ys = series.flatMap((s) => s.points.map((p) => tf(p[1]))).filter((y) => finite(y) && (!o.logY || y > 0));
  for (const v of o.vLines ?? []) xs.push(v.x);
  for (const h of o.hLines ?? []) ys.push(tf(h.y));
  let xLo = xs.length ? Math.min(...xs) : 0;
  let xHi = xs.length ? Math.max(...xs) : 1;
  let yLo = ys.length ? Math.min(...ys) : 0;
  let yHi = ys.length ? Math.max(...ys) : 1;
  if (o.logX) {
    xLo = 10 ** Math.floor(Math.log10(xLo));
    xHi = 10 ** Math.ceil(Math.log10(xHi));
  } else {
    xLo = Math.min(0, xLo);
    xHi = xHi * 1.05;
  }
  if (o.cdfTailY) {
    yLo = 0;
    yHi = Math.max(3, Math.ceil(yHi));
  } else if (o.logY) {
    yLo = 10 ** Math.floor(Math.log10(yLo));
    yHi = 10 ** Math.ceil(Math.log10(yHi));
  } else {
    yLo = Math.min(0, yLo);
    yHi = yHi * 1.08 || 1;
  }
  const X = makeAxis(xLo, xHi, m.left, width - m.right, !!o.logX);
  const Y = makeAxis(yLo, yHi, height - m.bottom, m.top, !!o.logY && !o.cdfTailY);
  const out = head.out;
  // grid and ticks
  for (const t of X.ticks) {
    const x = X.toPx(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${height - m.bottom}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x}" y="${height - m.bottom + 16}" text-anchor="middle">${X.label(t)}</text>`);
  }
  const yTicks = o.cdfTailY ? Array.from({ length: yHi + 1 }, (_, i) => i) : Y.ticks;
  for (const t of yTicks) {
    const y = Y.toPx(t).toFixed(1);
    const label = o.cdfTailY ? `${(100 * (1 - 10 ** -t)).toFixed(Math.max(0, t - 2))} %`.replace(/^0 %$/, '0 %') : Y.label(t);
    out.push(`<line x1="${m.left}" y1="${y}" x2="${width - m.right}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${label}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${width - m.left - m.right}" height="${height - m.top - m.bottom}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${(m.left + width - m.right) / 2}" y="${height - 15}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  out.push(`<text x="16" y="${(m.top + height - m.bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(m.top + height - m.bottom) / 2})">${escapeXml(o.yLabel)}</text>`);
  for (const v of o.vLines ?? []) {
    const x = X.toPx(v.x).toFixed(1);
    out.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${height - m.bottom}" stroke="#999" stroke-dasharray="2 3"/>`);
    out.push(`<text x="${x}" y="${m.top + 12}" font-size="10" fill="#666" transform="rotate(-90 ${x} ${m.top + 12})" text-anchor="end">${escapeXml(v.label)}</text>`);
  }
  for (const h of o.hLines ?? []) {
    const y = Y.toPx(tf(h.y)).toFixed(1);
    out.push(`<line x1="${m.left}" y1="${y}" x2="${width - m.right}" y2="${y}" stroke="#999" stroke-dasharray="2 3"/>`);
    out.push(`<text x="${width - m.right - 4}" y="${Number(y) - 4}" font-size="10" fill="#666" text-anchor="end">${escapeXml(h.label)}</text>`);
  }
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const pts = s.points.filter((p) => finite(p[0]) && finite(tf(p[1])) && (!o.logX || p[0] > 0) && (!o.logY || p[1] > 0));
    if (pts.length > 0) {
      const d = pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${X.toPx(p[0]).toFixed(1)},${Y.toPx(tf(p[1])).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
      if (s.markers) {
        for (const p of pts) out.push(`<circle cx="${X.toPx(p[0]).toFixed(1)}" cy="${Y.toPx(tf(p[1])).toFixed(1)}" r="3.5" fill="${color}"/>`);
      }
    }
    const ly = m.top + 10 + i * 18;
    out.push(`<line x1="${width - m.right + 10}" y1="${ly}" x2="${width - m.right + 30}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${width - m.right + 35}" y="${ly}" dominant-baseline="middle" font-size="11">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export function barChart(groups: BarGroup[], o: BarChartOptions): string {
  const width = o.width ?? 760;
  const height = o.height ?? 420;
  const head = header(width, height, o.title, o.subtitle);
  const m = { left: 75, right: 170, top: 50 + head.extraTop, bottom: 70 };
  const totals = groups.map((g) => (o.stacked ? g.values.filter(finite).reduce((a, b) => a + b, 0) : Math.max(...g.values.filter(finite), 0)));
  const positives = groups.flatMap((g) => g.values).filter((v) => finite(v) && v > 0);
  let yLo = 0;
  let yHi = Math.max(...totals, ...(o.hLines ?? []).map((h) => h.y), 1e-9) * 1.1;
  if (o.logY) {
    yLo = 10 ** Math.floor(Math.log10(Math.min(...positives, ...(o.hLines ?? []).map((h) => h.y))));
    yHi = 10 ** Math.ceil(Math.log10(yHi / 1.1));
  }
  const Y = makeAxis(yLo || (o.logY ? 1 : 0), yHi, height - m.bottom, m.top, !!o.logY);
  const out = head.out;
  for (const t of Y.ticks) {
    const y = Y.toPx(t).toFixed(1);
    out.push(`<line x1="${m.left}" y1="${y}" x2="${width - m.right}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${Y.label(t)}</text>`);
  }
  const plotW = width - m.left - m.right;
  const groupW = plotW / Math.max(1, groups.length);
  const nSeries = o.seriesNames.length;
  const barW = o.stacked ? groupW * 0.6 : (groupW * 0.8) / Math.max(1, nSeries);
  const base = Y.toPx(o.logY ? yLo : 0);
  groups.forEach((g, gi) => {
    const gx = m.left + gi * groupW;
    let stackTop = 0;
    g.values.forEach((v, si) => {
      if (!finite(v) || v <= 0) return;
      const color = PALETTE[si % PALETTE.length];
      let x: number;
      let y0: number;
      let y1: number;
      if (o.stacked) {
        x = gx + groupW * 0.2;
        y0 = Y.toPx(stackTop);
        stackTop += v;
        y1 = Y.toPx(stackTop);
      } else {
        x = gx + groupW * 0.1 + si * barW;
        y0 = base;
        y1 = Y.toPx(v);
      }
      out.push(`<rect x="${x.toFixed(1)}" y="${y1.toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${Math.max(0, y0 - y1).toFixed(1)}" fill="${color}"><title>${escapeXml(`${g.label} · ${o.seriesNames[si]}: ${fmtTick(v)}`)}</title></rect>`);
    });
    const lx = gx + groupW / 2;
    out.push(`<text x="${lx.toFixed(1)}" y="${height - m.bottom + 14}" text-anchor="end" font-size="10" transform="rotate(-25 ${lx.toFixed(1)} ${height - m.bottom + 14})">${escapeXml(g.label)}</text>`);
  });
  for (const h of o.hLines ?? []) {
    const y = Y.toPx(h.y).toFixed(1);
    out.push(`<line x1="${m.left}" y1="${y}" x2="${width - m.right}" y2="${y}" stroke="#444" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${width - m.right - 4}" y="${Number(y) - 4}" font-size="10" fill="#444" text-anchor="end">${escapeXml(h.label)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${height - m.top - m.bottom}" fill="none" stroke="#333"/>`);
  out.push(`<text x="16" y="${(m.top + height - m.bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(m.top + height - m.bottom) / 2})">${escapeXml(o.yLabel)}</text>`);
  o.seriesNames.forEach((name, i) => {
    const ly = m.top + 10 + i * 18;
    out.push(`<rect x="${width - m.right + 10}" y="${ly - 6}" width="14" height="12" fill="${PALETTE[i % PALETTE.length]}"/>`);
    out.push(`<text x="${width - m.right + 30}" y="${ly}" dominant-baseline="middle" font-size="11">${escapeXml(name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

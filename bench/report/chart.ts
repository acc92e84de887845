/**
 * bench/results/chart.svg: grouped bar charts (Ferry against the baseline), one panel per
 * measure, written as plain SVG so the bench needs no charting library.
 */
import type { ChartPanel } from '../types.js';
import { fmt } from './format.js';

const PANEL_W = 560;
const PANEL_H = 300;
const COLS = 2;
const PAD = { top: 44, right: 16, bottom: 44, left: 64 };
const COLORS = { ferry: '#2563eb', baseline: '#9ca3af', goal: '#dc2626' };

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A "nice" axis maximum (1, 2, 2.5 or 5 times a power of ten) at or above `v`. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Grid lines at round values: 2 -> 0.5 steps (4), 1, 2.5, 5 -> fifths. */
function ticksFor(max: number): number {
  const mantissa = max / Math.pow(10, Math.floor(Math.log10(max)));
  return Math.abs(mantissa - 2) < 1e-9 ? 4 : 5;
}

function panel(c: ChartPanel, x0: number, y0: number): string {
  const w = PANEL_W - PAD.left - PAD.right;
  const h = PANEL_H - PAD.top - PAD.bottom;
  const values = c.groups
    .flatMap((g) => [g.ferry, g.baseline])
    .filter((v): v is number => v !== null && Number.isFinite(v));
  const max = niceMax(Math.max(0, ...values, c.goal?.value ?? 0));
  const y = (v: number) => y0 + PAD.top + h - (v / max) * h;
  const parts: string[] = [
    `<text x="${x0 + PAD.left}" y="${y0 + 20}" font-size="14" font-weight="bold">${esc(c.title)}</text>`,
    `<text x="${x0 + 8}" y="${y0 + PAD.top - 8}" font-size="11" fill="#555">${esc(c.unit)}</text>`,
  ];
  const divisions = ticksFor(max);
  for (let i = 0; i <= divisions; i++) {
    const v = (max * i) / divisions;
    parts.push(
      `<line x1="${x0 + PAD.left}" x2="${x0 + PAD.left + w}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`,
      `<text x="${x0 + PAD.left - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end" fill="#555">${fmt(v)}</text>`,
    );
  }
  const n = Math.max(1, c.groups.length);
  const gw = w / n;
  // Panels without a baseline (the client's numbers) draw Ferry's bars alone.
  const sides = c.groups.some((g) => g.baseline !== null)
    ? (['ferry', 'baseline'] as const)
    : (['ferry'] as const);
  const bw = Math.min(48, (gw * 0.8) / sides.length);
  c.groups.forEach((g, i) => {
    const cx = x0 + PAD.left + gw * i + gw / 2;
    sides.forEach((side, k) => {
      const v = g[side];
      const bx = cx - (bw * sides.length) / 2 + k * bw;
      if (v === null || !Number.isFinite(v)) {
        parts.push(
          `<text x="${bx + bw / 2}" y="${y(0) - 4}" font-size="10" text-anchor="middle" fill="#999">n/a</text>`,
        );
        return;
      }
      parts.push(
        `<rect x="${bx}" y="${y(v)}" width="${bw - 2}" height="${Math.max(0, y(0) - y(v))}" fill="${COLORS[side]}"><title>${side}: ${fmt(v)} ${esc(c.unit)}</title></rect>`,
        `<text x="${bx + (bw - 2) / 2}" y="${y(v) - 3}" font-size="10" text-anchor="middle">${fmt(v)}</text>`,
      );
    });
    parts.push(
      `<text x="${cx}" y="${y0 + PAD.top + h + 16}" font-size="11" text-anchor="middle">${esc(g.label)}</text>`,
    );
  });
  if (c.goal) {
    const gy = y(c.goal.value);
    parts.push(
      `<line x1="${x0 + PAD.left}" x2="${x0 + PAD.left + w}" y1="${gy}" y2="${gy}" stroke="${COLORS.goal}" stroke-dasharray="6 4"/>`,
      `<text x="${x0 + PAD.left + w}" y="${gy - 4}" font-size="11" text-anchor="end" fill="${COLORS.goal}">${esc(c.goal.label)}</text>`,
    );
  }
  parts.push(
    `<line x1="${x0 + PAD.left}" x2="${x0 + PAD.left + w}" y1="${y(0)}" y2="${y(0)}" stroke="#111"/>`,
  );
  return parts.join('\n');
}

/** The whole chart: a legend, then panels in a grid. */
export function chartSvg(panels: ChartPanel[], title: string): string {
  const rows = Math.max(1, Math.ceil(panels.length / COLS));
  const width = PANEL_W * COLS;
  const height = 50 + rows * PANEL_H;
  const body = panels.map((p, i) => panel(p, (i % COLS) * PANEL_W, 50 + Math.floor(i / COLS) * PANEL_H));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="16" y="28" font-size="16" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${width - 250}" y="16" width="14" height="14" fill="${COLORS.ferry}"/><text x="${width - 230}" y="28" font-size="12">Ferry</text>`,
    `<rect x="${width - 170}" y="16" width="14" height="14" fill="${COLORS.baseline}"/><text x="${width - 150}" y="28" font-size="12">baseline (bare socket.io)</text>`,
    ...(panels.length ? body : [`<text x="16" y="80" font-size="13">No measurements.</text>`]),
    '</svg>',
    '',
  ].join('\n');
}

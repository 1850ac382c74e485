#!/usr/bin/env node
// Plots a soak's samples (bench/soak.sh, docs/soak.md) as one SVG: four
// panels over time, one above the other: the server's RSS, its open
// descriptors with our sockets, the bytes queued for sockets, and p99 and
// p50 latency per 10-s sample; a dashed line marks the end of the warm-up.
// Node.js standard library only.
// usage: node soak_plot.js soak.csv soak.svg

'use strict';
const fs = require('fs');

const [csvPath, svgPath] = process.argv.slice(2);
if (!csvPath || !svgPath) {
  console.error('usage: node soak_plot.js soak.csv soak.svg');
  process.exit(2);
}
const lines = fs.readFileSync(csvPath, 'utf8').trim().split('\n');
const head = lines[0].split(',');
const rows = lines.slice(1).map((l) => {
  const cells = l.split(',').map(Number);
  return Object.fromEntries(head.map((h, i) => [h, cells[i]]));
});

const W = 860, PANEL = 170, GAP = 40, L = 80, R = 150, T = 40;
const panels = [
  { title: 'server RSS (MiB)', series: [['rss_mib', '#1f77b4', 'VmRSS'], ['rss_anon_mib', '#aec7e8', 'RssAnon']] },
  { title: 'open descriptors', series: [['fds', '#d62728', 'server fds'], ['sockets', '#ff9896', 'our sockets']] },
  { title: 'bytes queued for sockets', series: [['queue_bytes', '#2ca02c', 'queued']] },
  { title: 'latency per sample (ms)', series: [['p99_ms', '#9467bd', 'p99'], ['p50_ms', '#c5b0d5', 'p50']] },
];
const H = T + panels.length * (PANEL + GAP) + 10;
const pw = W - L - R;
const tMax = Math.max(...rows.map((r) => r.t_s), 1);
const sx = (t) => L + (t / tMax) * pw;

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
  `<rect width="${W}" height="${H}" fill="white"/>`,
  `<text x="${L + pw / 2}" y="22" text-anchor="middle" font-size="15">Soak: ${rows.length} samples over ${(tMax / 60).toFixed(1)} min</text>`];
panels.forEach((panel, i) => {
  const top = T + i * (PANEL + GAP);
  const values = panel.series.flatMap(([k]) => rows.map((r) => r[k]).filter((v) => v >= 0));
  const yMax = niceMax(Math.max(...values, 0));
  const sy = (v) => top + PANEL - (v / yMax) * PANEL;
  out.push(`<text x="${L}" y="${top - 6}" font-size="13">${panel.title}</text>`);
  for (let k = 0; k <= 4; ++k) {
    const v = (yMax * k) / 4;
    out.push(`<line x1="${L}" y1="${sy(v)}" x2="${L + pw}" y2="${sy(v)}" stroke="#eee"/>`,
      `<text x="${L - 6}" y="${sy(v) + 4}" text-anchor="end">${+v.toPrecision(3)}</text>`);
  }
  for (let m = 0; m <= tMax / 60; m += Math.max(1, Math.round(tMax / 60 / 10))) {
    out.push(`<text x="${sx(m * 60)}" y="${top + PANEL + 14}" text-anchor="middle" fill="#555">${m} min</text>`);
  }
  out.push(`<rect x="${L}" y="${top}" width="${pw}" height="${PANEL}" fill="none" stroke="#333"/>`);
  const warm = rows.find((r) => r.warm === 1);
  if (warm)
    out.push(`<line x1="${sx(warm.t_s)}" y1="${top}" x2="${sx(warm.t_s)}" y2="${top + PANEL}" stroke="#999" stroke-dasharray="4,3"/>`,
      `<text x="${sx(warm.t_s) + 4}" y="${top + 12}" fill="#777" font-size="10">warm</text>`);
  panel.series.forEach(([key, color, label], j) => {
    const pts = rows.filter((r) => r[key] >= 0).map((r) => `${sx(r.t_s).toFixed(1)},${sy(r[key]).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.join(' ')}"/>`,
      `<line x1="${L + pw + 12}" y1="${top + 14 + 18 * j}" x2="${L + pw + 36}" y2="${top + 14 + 18 * j}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${L + pw + 42}" y="${top + 18 + 18 * j}">${label}</text>`);
  });
});
out.push('</svg>');
fs.writeFileSync(svgPath, out.join('\n') + '\n');

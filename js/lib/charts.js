// Small SVG charts: grouped bars, ECDF steps, and the one time-series chart every widget uses
// (a metric over windows, with bands, interval bars, step lines that can be dragged, points
// and markers). Axes have round ticks; labels are SVG text nodes (textContent), never HTML.
import { svg } from "./dom.js";
import { fmt, niceTicks, shortNumber, tickLabels } from "./format.js";

const M = { top: 18, right: 14, bottom: 30, left: 50 };

function frame(width, height, title, cls = "") {
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: `mlmon-chart ${cls}`.trim() });
  if (title) root.appendChild(svg("text", { x: M.left, y: 11, class: "mlmon-chart-title" }, title));
  return root;
}

/** Horizontal grid lines and labels at round values between lo and hi. */
function axisY(root, sy, lo, hi, width, { label, count = 4 } = {}) {
  const ticks = niceTicks(lo, hi, count);
  const labels = tickLabels(ticks);
  ticks.forEach((v, i) => {
    const y = sy(v);
    root.appendChild(svg("line", { x1: M.left - 3, x2: width - M.right, y1: y, y2: y, class: "mlmon-grid" }));
    root.appendChild(svg("text", { x: M.left - 5, y: y + 3, "text-anchor": "end", class: "mlmon-tick", "data-tick": v }, labels[i]));
  });
  if (label) {
    const y = (sy(lo) + sy(hi)) / 2;
    root.appendChild(svg("text", { x: 10, y, transform: `rotate(-90 10 ${y})`, "text-anchor": "middle", class: "mlmon-tick" }, label));
  }
  return ticks;
}

/** Up to `count` window labels along the bottom, first and last included. */
function axisX(root, sx, labels, height, count = 4) {
  const n = labels.length;
  if (!n) return;
  const picks = n <= count ? [...Array(n).keys()] : [...new Set(Array.from({ length: count }, (_, k) => Math.round((k * (n - 1)) / (count - 1))))];
  for (const i of picks) {
    const anchor = i === 0 ? "start" : i === n - 1 ? "end" : "middle";
    root.appendChild(svg("text", { x: sx(i), y: height - 10, "text-anchor": anchor, class: "mlmon-tick" }, labels[i]));
  }
}

function legend(root, height) {
  const y = height - 8;
  root.appendChild(svg("rect", { x: M.left, y: y - 8, width: 9, height: 9, class: "mlmon-ref" }));
  root.appendChild(svg("text", { x: M.left + 13, y, class: "mlmon-tick" }, "reference"));
  root.appendChild(svg("rect", { x: M.left + 80, y: y - 8, width: 9, height: 9, class: "mlmon-cur" }));
  root.appendChild(svg("text", { x: M.left + 93, y, class: "mlmon-tick" }, "window"));
}

/** Reference vs current proportions per bin (or category). */
export function groupedBars(labels, reference, current, { width = 420, height = 230, title } = {}) {
  const root = frame(width, height, title);
  const bottom = M.bottom + 40;
  const w = width - M.left - M.right;
  const h = height - M.top - bottom;
  const top = Math.max(1e-9, ...reference, ...current);
  const sy = (v) => M.top + h - (v / top) * h;
  axisY(root, sy, 0, top, width, { label: "share", count: 3 });
  const band = w / Math.max(labels.length, 1);
  const bar = Math.max(1, band * 0.4);
  labels.forEach((label, i) => {
    const x = M.left + i * band + band * 0.1;
    [reference[i], current[i]].forEach((v, k) => {
      const rect = svg("rect", { x: x + k * bar, y: sy(v), width: bar, height: Math.max(M.top + h - sy(v), 0), class: k === 0 ? "mlmon-ref" : "mlmon-cur" });
      rect.appendChild(svg("title", {}, `${label}: ${k === 0 ? "reference" : "window"} ${fmt(v)}`));
      root.appendChild(rect);
    });
    if (labels.length <= 12 || i % Math.ceil(labels.length / 12) === 0) {
      const lx = x + bar;
      const ly = M.top + h + 10;
      const text = svg("text", { x: lx, y: ly, transform: `rotate(-30 ${lx} ${ly})`, "text-anchor": "end", class: "mlmon-tick mlmon-bin" }, label.length > 16 ? `${label.slice(0, 15)}…` : label);
      text.appendChild(svg("title", {}, label));
      root.appendChild(text);
    }
  });
  legend(root, height);
  return root;
}

/** Reference and window ECDFs as step lines, with the KS gap marked. */
export function ecdf(x, fRef, fCur, gap, { width = 420, height = 190, title } = {}) {
  const root = frame(width, height, title);
  const w = width - M.left - M.right;
  const h = height - M.top - M.bottom - 10;
  const x0 = x[0];
  const x1 = x[x.length - 1];
  const sx = (v) => M.left + ((v - x0) / (x1 - x0 || 1)) * w;
  const sy = (v) => M.top + h - v * h;
  axisY(root, sy, 0, 1, width, { label: "ECDF", count: 2 });
  for (const [values, cls] of [[fRef, "mlmon-ref-line"], [fCur, "mlmon-cur-line"]]) {
    let d = `M${sx(x[0])},${sy(values[0])}`;
    for (let i = 1; i < x.length; i++) d += `H${sx(x[i])}V${sy(values[i])}`;
    root.appendChild(svg("path", { d, class: cls }));
  }
  const ticks = niceTicks(x0, x1, 4);
  ticks.forEach((v) => root.appendChild(svg("text", { x: sx(v), y: M.top + h + 12, "text-anchor": "middle", class: "mlmon-tick" }, shortNumber(v))));
  if (gap && Number.isFinite(gap.x)) {
    const line = svg("line", { x1: sx(gap.x), x2: sx(gap.x), y1: sy(gap.reference), y2: sy(gap.current), class: "mlmon-gap" });
    line.appendChild(svg("title", {}, `KS gap ${fmt(Math.abs(gap.reference - gap.current))} at ${fmt(gap.x)}`));
    root.appendChild(line);
    root.appendChild(svg("text", { x: sx(gap.x) + 4, y: sy((gap.reference + gap.current) / 2), class: "mlmon-tick" }, `D=${fmt(Math.abs(gap.reference - gap.current))}`));
  }
  legend(root, height);
  return root;
}

const finite = (v) => v !== null && v !== undefined && Number.isFinite(v);

/**
 * A metric over windows. Options:
 * - `values` (one per window, null or NaN for none), `labels` (one per window);
 * - `ciLow`, `ciHigh`: an interval bar per window;
 * - `lines`: [{name, values, cls, title, drag}] step lines; with `drag` a wide handle over
 *   the line (returned in `handles` for dragVertically);
 * - `bands`: [{from, to, cls, title, data}] shaded windows;
 * - `points`: {cls(i), r(i), data(i)} draws a point per window with a value;
 * - `zero`: the y axis starts at 0; `selected`: a window marked with a dotted line.
 * Returns {root, sx, sy, lo, hi, top, height, points, handles}.
 */
export function seriesChart(options) {
  const { values, labels = [], width = 420, height = 170, title, yLabel, zero = false, selected } = options;
  const lines = options.lines || [];
  const n = values.length;
  const root = frame(width, height, title, options.cls);
  const w = width - M.left - M.right;
  const h = height - M.top - M.bottom;
  let lo = Infinity;
  let hi = -Infinity;
  for (const list of [values, options.ciLow || [], options.ciHigh || [], ...lines.map((l) => l.values)]) {
    for (const v of list) {
      if (!finite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo === Infinity) [lo, hi] = [0, 1];
  if (zero) lo = Math.min(0, lo);
  if (hi - lo < 1e-12) [lo, hi] = [lo - 0.5, hi + 0.5];
  const pad = (hi - lo) * 0.06;
  hi += pad;
  if (!zero) lo -= pad;
  const step = n > 1 ? w / (n - 1) : w;
  const sx = (i) => M.left + (n > 1 ? (i / (n - 1)) * w : w / 2);
  const sy = (v) => M.top + h - ((Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * h;
  for (const band of options.bands || []) {
    const x0 = Math.max(M.left, sx(band.from) - step / 2);
    const x1 = Math.min(M.left + w, sx(band.to) + step / 2);
    const rect = svg("rect", { x: x0, y: M.top, width: Math.max(1, x1 - x0), height: h, class: band.cls, ...(band.data || {}) });
    if (band.title) rect.appendChild(svg("title", {}, band.title));
    root.appendChild(rect);
  }
  axisY(root, sy, lo, hi, width, { label: yLabel });
  axisX(root, sx, labels, height);
  if (options.ciLow && options.ciHigh) {
    for (let i = 0; i < n; i++) {
      const a = options.ciLow[i];
      const b = options.ciHigh[i];
      if (finite(a) && finite(b)) root.appendChild(svg("line", { x1: sx(i), x2: sx(i), y1: sy(a), y2: sy(b), class: "mlmon-ci" }));
    }
  }
  const stepPath = (list) => {
    let d = "";
    for (let i = 0; i < n; i++) {
      if (!finite(list[i])) continue;
      d += `${d ? "L" : "M"}${sx(i) - (i === 0 ? 0 : step / 2)},${sy(list[i])}H${sx(i) + (i === n - 1 ? 0 : step / 2)}`;
    }
    return d;
  };
  const handles = [];
  for (const line of lines) {
    if (!line.values.some(finite)) continue;
    const d = stepPath(line.values);
    const path = svg("path", { d, class: line.cls, ...(line.data || {}) });
    if (line.title && !line.drag) path.appendChild(svg("title", {}, line.title));
    root.appendChild(path);
    if (line.drag) handles.push({ line, path, d });
  }
  let series = "";
  for (let i = 0; i < n; i++) {
    if (!finite(values[i])) continue;
    series += `${series && finite(values[i - 1]) ? "L" : "M"}${sx(i)},${sy(values[i])}`;
  }
  root.appendChild(svg("path", { d: series, class: "mlmon-series" }));
  // Drag handles above the lines (control limits last: on top where lines are close).
  const dragged = [];
  for (const { line, path, d } of handles) {
    const handle = svg("path", { d, class: "mlmon-threshold-handle", "data-handle": line.name });
    if (line.title) handle.appendChild(svg("title", {}, line.title));
    root.appendChild(handle);
    dragged.push({ name: line.name, handle, nodes: [handle, path] });
  }
  const points = [];
  if (options.points) {
    for (let i = 0; i < n; i++) {
      if (!finite(values[i])) continue;
      const dot = svg("circle", { cx: sx(i), cy: sy(values[i]), r: options.points.r(i), class: options.points.cls(i), ...(options.points.data(i) || {}) });
      root.appendChild(dot);
      points.push([i, dot]);
    }
  }
  if (selected !== undefined && selected !== null && selected < n) {
    root.appendChild(svg("line", { x1: sx(selected), x2: sx(selected), y1: M.top, y2: M.top + h, class: "mlmon-selected-line" }));
  }
  return { root, sx, sy, lo, hi, top: M.top, height: h, points, handles: dragged };
}

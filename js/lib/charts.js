// Small SVG charts for the detail pane: grouped bars, ECDF steps, a metric over time.
// Labels are SVG text nodes (textContent), never HTML.
import { fmt, svg } from "./dom.js";

const M = { top: 18, right: 12, bottom: 34, left: 44 };

function frame(width, height, title) {
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "mlmon-chart" });
  if (title) root.appendChild(svg("text", { x: M.left, y: 11, class: "mlmon-chart-title" }, title));
  return root;
}

function axisY(root, y0, y1, height, label) {
  const h = height - M.top - M.bottom;
  for (const v of [y0, (y0 + y1) / 2, y1]) {
    const y = M.top + h - ((v - y0) / (y1 - y0 || 1)) * h;
    root.appendChild(svg("line", { x1: M.left - 3, x2: M.left, y1: y, y2: y, class: "mlmon-axis" }));
    root.appendChild(svg("text", { x: M.left - 5, y: y + 3, "text-anchor": "end", class: "mlmon-tick" }, fmt(v, 2)));
  }
  if (label) {
    const y = M.top + h / 2;
    root.appendChild(svg("text", { x: 10, y, transform: `rotate(-90 10 ${y})`, "text-anchor": "middle", class: "mlmon-tick" }, label));
  }
}

/** Reference vs current proportions per bin (or category). */
export function groupedBars(labels, reference, current, { width = 420, height = 230, title } = {}) {
  const root = frame(width, height, title);
  const bottom = M.bottom + 40;
  const w = width - M.left - M.right;
  const h = height - M.top - bottom;
  const top = Math.max(1e-9, ...reference, ...current);
  axisY(root, 0, top, height - 40, "share");
  const band = w / Math.max(labels.length, 1);
  const bar = Math.max(1, band * 0.4);
  labels.forEach((label, i) => {
    const x = M.left + i * band + band * 0.1;
    [reference[i], current[i]].forEach((v, k) => {
      const bh = (v / top) * h;
      const rect = svg("rect", {
        x: x + k * bar, y: M.top + h - bh, width: bar, height: Math.max(bh, 0),
        class: k === 0 ? "mlmon-ref" : "mlmon-cur",
      });
      rect.appendChild(svg("title", {}, `${label}: ${k === 0 ? "reference" : "window"} ${fmt(v)}`));
      root.appendChild(rect);
    });
    if (labels.length <= 12 || i % Math.ceil(labels.length / 12) === 0) {
      const lx = x + bar;
      const ly = M.top + h + 10;
      const text = svg("text", { x: lx, y: ly, transform: `rotate(-30 ${lx} ${ly})`, "text-anchor": "end", class: "mlmon-tick" }, label.length > 14 ? `${label.slice(0, 13)}…` : label);
      root.appendChild(text);
    }
  });
  legend(root, width, height);
  return root;
}

function legend(root, width, height) {
  const y = height - 8;
  root.appendChild(svg("rect", { x: M.left, y: y - 8, width: 9, height: 9, class: "mlmon-ref" }));
  root.appendChild(svg("text", { x: M.left + 13, y, class: "mlmon-tick" }, "reference"));
  root.appendChild(svg("rect", { x: M.left + 80, y: y - 8, width: 9, height: 9, class: "mlmon-cur" }));
  root.appendChild(svg("text", { x: M.left + 93, y, class: "mlmon-tick" }, "window"));
}

/** Reference and window ECDFs as step lines, with the KS gap marked. */
export function ecdf(x, fRef, fCur, gap, { width = 420, height = 190, title } = {}) {
  const root = frame(width, height, title);
  const w = width - M.left - M.right;
  const h = height - M.top - M.bottom;
  const x0 = x[0];
  const x1 = x[x.length - 1];
  const sx = (v) => M.left + ((v - x0) / (x1 - x0 || 1)) * w;
  const sy = (v) => M.top + h - v * h;
  axisY(root, 0, 1, height, "ECDF");
  for (const [values, cls] of [[fRef, "mlmon-ref-line"], [fCur, "mlmon-cur-line"]]) {
    let d = `M${sx(x[0])},${sy(values[0])}`;
    for (let i = 1; i < x.length; i++) d += `H${sx(x[i])}V${sy(values[i])}`;
    root.appendChild(svg("path", { d, class: cls }));
  }
  for (const v of [x0, x1]) {
    root.appendChild(svg("text", { x: sx(v), y: height - M.bottom + 12, "text-anchor": "middle", class: "mlmon-tick" }, fmt(v)));
  }
  if (gap && Number.isFinite(gap.x)) {
    const line = svg("line", { x1: sx(gap.x), x2: sx(gap.x), y1: sy(gap.reference), y2: sy(gap.current), class: "mlmon-gap" });
    line.appendChild(svg("title", {}, `KS gap ${fmt(Math.abs(gap.reference - gap.current))} at ${fmt(gap.x)}`));
    root.appendChild(line);
    root.appendChild(svg("text", { x: sx(gap.x) + 4, y: sy((gap.reference + gap.current) / 2), class: "mlmon-tick" }, `D=${fmt(Math.abs(gap.reference - gap.current))}`));
  }
  legend(root, width, height);
  return root;
}

/** A metric over all windows with warning and critical lines; the selected window marked. */
export function metricOverTime(values, labels, { warning, critical, selected, metric, width = 420, height = 170, title } = {}) {
  const root = frame(width, height, title);
  const w = width - M.left - M.right;
  const h = height - M.top - M.bottom;
  const finite = values.filter((v) => Number.isFinite(v));
  const top = Math.max(1e-9, ...finite, critical ?? 0, warning ?? 0) * 1.1;
  const sx = (i) => M.left + (values.length > 1 ? (i / (values.length - 1)) * w : w / 2);
  const sy = (v) => M.top + h - (Math.min(v, top) / top) * h;
  axisY(root, 0, top, height, metric);
  // Geometry for dragging the threshold lines: value = (bottom - y) / height * top.
  root.dataset.top = String(top);
  root.dataset.plotTop = String(M.top);
  root.dataset.plotHeight = String(h);
  for (const [v, cls, name] of [[warning, "mlmon-warning-line", "warning"], [critical, "mlmon-critical-line", "critical"]]) {
    if (v === undefined || v === null || !Number.isFinite(v)) continue;
    const line = svg("line", { x1: M.left, x2: M.left + w, y1: sy(v), y2: sy(v), class: cls, "data-threshold": name });
    line.appendChild(svg("title", {}, `${name} ${fmt(v)}`));
    root.appendChild(line);
    // A wide transparent handle over the line makes it easy to grab.
    const handle = svg("line", { x1: M.left, x2: M.left + w, y1: sy(v), y2: sy(v), class: "mlmon-threshold-handle", "data-handle": name });
    handle.appendChild(svg("title", {}, `drag to set the ${name} threshold (${fmt(v)})`));
    root.appendChild(handle);
  }
  let d = "";
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    d += `${d && Number.isFinite(values[i - 1]) ? "L" : "M"}${sx(i)},${sy(v)}`;
  });
  root.appendChild(svg("path", { d, class: "mlmon-series" }));
  if (selected !== undefined && selected !== null && selected < values.length) {
    root.appendChild(svg("line", { x1: sx(selected), x2: sx(selected), y1: M.top, y2: M.top + h, class: "mlmon-selected-line" }));
  }
  if (labels.length) {
    root.appendChild(svg("text", { x: M.left, y: height - M.bottom + 12, class: "mlmon-tick" }, labels[0]));
    root.appendChild(svg("text", { x: M.left + w, y: height - M.bottom + 12, "text-anchor": "end", class: "mlmon-tick" }, labels[labels.length - 1]));
  }
  return root;
}

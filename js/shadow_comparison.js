// ShadowComparison front end: the verdict with its reasons (always on top), a forest plot of
// each metric's paired difference overall and per segment (coloured by what the gate found,
// its margin a dashed line to drag), the gate's settings as inputs, the difference over the
// windows, a 2-D histogram of both models' scores with a selectable region, and the latency
// distributions. Python computes everything (compare_models, promotion_verdict); an edit sets
// the synced `gate` and Python sends back the new verdict and marks. Data text is textContent.
import { el, keepKeys, svg } from "./lib/dom.js";
import { errorArea } from "./lib/errors.js";
import { fmt, niceTicks, tickLabels } from "./lib/format.js";
import { tablesOf } from "./lib/live.js";
import { installStyle } from "./lib/style.js";
import { tooltip } from "./lib/tooltip.js";
import { vocabularyOf } from "./lib/vocabulary.js";

const LABEL_W = 190;
const PLOT_W = 260;
const ROW_H = 18;
const HIST = 240;
const PERIODS = ["7D", "D"];

function clone(value) {
  return JSON.parse(JSON.stringify(value ?? {}));
}

class ShadowView {
  constructor(model, root) {
    this.model = model;
    this.root = root;
    this.words = vocabularyOf(model);
    this.store = tablesOf(model);
    this.renders = 0;
    installStyle(root);
    root.classList.add("mlmon-widget", "mlmon-shadow");
    keepKeys(root);
    this.error = errorArea(model);
    this.verdict = el("div", "mlmon-verdict");
    this.verdict.setAttribute("role", "status");
    this.toolbar = el("div", "mlmon-toolbar");
    this.editor = el("div", "mlmon-gate-editor");
    this.forest = el("div", "mlmon-forest");
    this.overTime = el("div", "mlmon-over-time");
    this.scores = el("div", "mlmon-scores");
    this.latency = el("div", "mlmon-latency");
    const panels = el("div", "mlmon-panels");
    const right = el("div");
    right.append(this.overTime, this.scores, this.latency);
    panels.append(this.forest, right);
    this.tip = tooltip(root);
    root.append(this.error, this.verdict, this.toolbar, this.editor, panels);
    this.buildToolbar();
    this.draw();
  }

  column(table, key) {
    return this.store.column(table, key)?.data ?? [];
  }

  label(metric) {
    return this.words.shadow_metrics?.[metric]?.label ?? metric;
  }

  /** Set the gate (Python validates it, recomputes the verdict and sends the marks). */
  setGate(change) {
    const gate = clone(this.model.get("gate"));
    change(gate);
    this.model.set("gate", gate);
    this.model.save_changes();
  }

  number(className, title, value, onChange, step = "any") {
    const input = el("input", className);
    input.type = "number";
    input.step = step;
    input.title = title;
    input.value = value ?? "";
    input.addEventListener("change", () => {
      const number = Number(input.value);
      if (input.value !== "" && Number.isFinite(number)) onChange(number);
    });
    return input;
  }

  check(className, text, checked, onChange) {
    const label = el("label", "mlmon-label");
    const box = el("input", className);
    box.type = "checkbox";
    box.checked = Boolean(checked);
    box.addEventListener("change", () => onChange(box.checked));
    label.append(box, el("span", null, ` ${text}`));
    return label;
  }

  buildToolbar() {
    this.metricSelect = el("select", "mlmon-metric");
    this.metricSelect.addEventListener("change", () => {
      this.model.set("metric", this.metricSelect.value);
      this.model.save_changes();
    });
    const label = el("label", "mlmon-label", "over time ");
    label.appendChild(this.metricSelect);
    this.selectedText = el("span", "mlmon-count mlmon-selected-count");
    this.toolbar.append(label, this.selectedText);
  }

  drawVerdict() {
    const decision = this.column("verdict", "decision")[0] ?? "";
    const reasons = this.column("reasons", "text");
    this.verdict.dataset.decision = decision;
    this.verdict.style.setProperty("--mlmon-decision", this.words.decision_colours?.[decision] ?? "#888");
    const title = el("div", "mlmon-verdict-title", `verdict: ${this.words.decision_labels?.[decision] ?? decision}`);
    const list = el("ul", "mlmon-verdict-reasons");
    for (const reason of reasons) list.appendChild(el("li", "mlmon-verdict-reason", reason));
    this.verdict.replaceChildren(title, list);
  }

  drawEditor() {
    const gate = this.model.get("gate") || {};
    const parts = [];
    parts.push(el("span", "mlmon-hint", "gate:"));
    parts.push(
      el("span", null, "min rows "),
      this.number("mlmon-min-rows", "rows (labelled rows for labelled metrics) before the gate judges", gate.min_rows, (v) =>
        this.setGate((g) => (g.min_rows = Math.max(1, Math.round(v)))), "1"),
    );
    const cycle = gate.cycle;
    const period = el("select", "mlmon-cycle-period");
    for (const name of ["none", ...PERIODS]) period.appendChild(el("option", null, name));
    period.value = cycle ? cycle.period : "none";
    period.title = "the business cycle the comparison must cover: every weekday (7D) or every hour (D)";
    period.addEventListener("change", () =>
      this.setGate((g) => (g.cycle = period.value === "none" ? null : { period: period.value, min_seen: g.cycle?.min_seen ?? 2 })),
    );
    parts.push(el("span", null, "cycle "), period);
    if (cycle) {
      parts.push(
        el("span", null, "seen "),
        this.number("mlmon-cycle-seen", "times every phase of the cycle must be seen", cycle.min_seen, (v) =>
          this.setGate((g) => (g.cycle.min_seen = Math.max(1, Math.round(v)))), "1"),
      );
    }
    if (this.store.length("latency")) {
      const budget = (gate.latency || {}).p95_increase_ms;
      parts.push(
        el("span", null, "p95 latency budget (ms) "),
        this.number("mlmon-latency-budget", "largest paired increase of the p95 latency allowed", budget, (v) =>
          this.setGate((g) => (g.latency = { ...(g.latency || {}), p95_increase_ms: v }))),
      );
    }
    this.editor.replaceChildren(...parts);
  }

  /** The forest plot: one block per metric a gate can judge, rows overall and per segment. */
  drawForest() {
    const gate = this.model.get("gate") || {};
    const metrics = this.column("metrics", "name");
    const rows = {
      metric: this.column("forest", "metric"),
      label: this.column("forest", "label"),
      column: this.column("forest", "segment_column"),
      value: this.column("forest", "segment_value"),
      difference: this.column("forest", "difference"),
      low: this.column("forest", "low"),
      high: this.column("forest", "high"),
      margin: this.column("forest", "margin"),
      level: this.column("forest", "level"),
      finding: this.column("forest", "finding"),
      critical: this.column("forest", "critical_segment"),
      gated: this.column("forest", "gated"),
      live: this.column("forest", "live"),
      shadow: this.column("forest", "shadow"),
      status: this.column("forest", "status"),
    };
    const findings = this.words.findings || [];
    const blocks = [];
    for (const metric of metrics) {
      const idx = [];
      for (let i = 0; i < rows.metric.length; i++) if (rows.metric[i] === metric) idx.push(i);
      if (!idx.length) continue;
      const inGate = Boolean(gate.metrics?.[metric]);
      const block = el("div", "mlmon-forest-block");
      block.dataset.metric = metric;
      const head = el("div", "mlmon-gate-editor");
      head.append(el("span", "mlmon-segment-title", this.label(metric)));
      head.append(
        this.check("mlmon-in-gate", "in gate", inGate, (on) =>
          this.setGate((g) => {
            g.metrics = g.metrics || {};
            if (on) g.metrics[metric] = { margin: 0, relative: false, superiority: false };
            else delete g.metrics[metric];
          }),
        ),
      );
      if (inGate) {
        const mg = gate.metrics[metric];
        head.append(
          el("span", null, "margin "),
          this.number("mlmon-margin-input", "non-inferiority margin (absolute, or a share of the live value)", mg.margin, (v) =>
            this.setGate((g) => (g.metrics[metric].margin = Math.abs(v)))),
          this.check("mlmon-relative", "relative", mg.relative, (on) => this.setGate((g) => (g.metrics[metric].relative = on))),
          this.check("mlmon-superiority", "must be better", mg.superiority, (on) =>
            this.setGate((g) => (g.metrics[metric].superiority = on)),
          ),
        );
      }
      block.appendChild(head);
      block.appendChild(this.forestPlot(metric, idx, rows, findings, inGate, gate));
      blocks.push(block);
    }
    this.forest.replaceChildren(...blocks);
  }

  forestPlot(metric, idx, rows, findings, inGate, gate) {
    let span = 0;
    for (const i of idx) {
      for (const v of [rows.low[i], rows.high[i], rows.difference[i], inGate ? rows.margin[i] : 0]) {
        if (Number.isFinite(v)) span = Math.max(span, Math.abs(v));
      }
    }
    span = span > 0 ? span * 1.15 : 1;
    const height = idx.length * ROW_H + 22;
    const plot = svg("svg", { class: "mlmon-chart mlmon-forest-plot", width: LABEL_W + PLOT_W + 20, height, viewBox: `0 0 ${LABEL_W + PLOT_W + 20} ${height}` });
    const x = (v) => LABEL_W + ((v + span) / (2 * span)) * PLOT_W;
    plot.appendChild(svg("line", { class: "mlmon-zero", x1: x(0), x2: x(0), y1: 0, y2: idx.length * ROW_H }));
    const ticks = niceTicks(-span, span, 4);
    tickLabels(ticks).forEach((text, k) =>
      plot.appendChild(svg("text", { class: "mlmon-tick", x: x(ticks[k]), y: idx.length * ROW_H + 14, "text-anchor": "middle" }, text)),
    );
    idx.forEach((i, row) => {
      const y = row * ROW_H + ROW_H / 2;
      const finding = findings[rows.finding[i]];
      const colour = finding ? this.words.finding_colours?.[finding] : this.words.severity_colours?.[this.words.insufficient];
      const g = svg("g", { class: "mlmon-forest-row" });
      g.dataset.segment = rows.label[i];
      g.dataset.finding = finding ?? "";
      if (finding === findings[3] || finding === findings[4]) g.classList.add("mlmon-worse");
      const mark = finding === findings[3] || finding === findings[4] ? " ▼ worse" : "";
      const name = rows.label[i].length > 26 ? `${rows.label[i].slice(0, 25)}…` : rows.label[i];
      g.appendChild(svg("text", { class: "mlmon-forest-label", x: 4, y: y + 4 }, `${name}${mark}`));
      if (Number.isFinite(rows.low[i]) && Number.isFinite(rows.high[i])) {
        g.appendChild(svg("line", { class: "mlmon-interval", x1: x(rows.low[i]), x2: x(rows.high[i]), y1: y, y2: y }));
      }
      if (Number.isFinite(rows.difference[i])) {
        g.appendChild(svg("circle", { class: "mlmon-point", cx: x(rows.difference[i]), cy: y, r: 4, fill: colour ?? "#888" }));
      }
      if (rows.column[i]) {
        const box = svg("rect", { class: "mlmon-critical-box", x: LABEL_W - 16, y: y - 6, width: 11, height: 11, rx: 2 });
        box.setAttribute("fill", rows.critical[i] ? "var(--mlmon-fg)" : "transparent");
        box.setAttribute("stroke", "var(--mlmon-fg)");
        box.dataset.critical = rows.critical[i] ? "1" : "0";
        box.style.cursor = "pointer";
        box.addEventListener("click", () =>
          this.setGate((gateNow) => {
            const chosen = new Set((gateNow.critical_segments || {})[rows.column[i]] || []);
            if (chosen.has(rows.value[i])) chosen.delete(rows.value[i]);
            else chosen.add(rows.value[i]);
            gateNow.critical_segments = { ...(gateNow.critical_segments || {}), [rows.column[i]]: [...chosen] };
            if (!chosen.size) delete gateNow.critical_segments[rows.column[i]];
          }),
        );
        g.appendChild(box);
      }
      const level = Number.isFinite(rows.level[i]) ? `${(100 * rows.level[i]).toFixed(1)}%` : "";
      const lines = [
        `${this.label(metric)} ${rows.label[i]}`,
        `live ${fmt(rows.live[i], 4)}, shadow ${fmt(rows.shadow[i], 4)}`,
        `difference ${fmt(rows.difference[i], 3)} (${level} interval ${fmt(rows.low[i], 3)} to ${fmt(rows.high[i], 3)})`,
        finding ? this.words.finding_labels?.[finding] ?? finding : rows.status[i],
      ];
      if (rows.column[i]) lines.push(rows.critical[i] ? "critical segment (click the box to unmark)" : "click the box to make it a critical segment");
      g.addEventListener("pointermove", (event) => this.tip.show(event, lines));
      g.addEventListener("pointerleave", () => this.tip.hide());
      plot.appendChild(g);
    });
    if (inGate) {
      const margin = rows.margin[idx[0]];
      if (Number.isFinite(margin)) this.marginLine(plot, metric, margin, x, span, idx.length * ROW_H, rows.live[idx[0]], gate);
    }
    return plot;
  }

  /** The margin as a dashed line; dragged sideways, it sets the metric's margin in the gate. */
  marginLine(plot, metric, margin, x, span, height, live, gate) {
    const line = svg("line", { class: "mlmon-margin", x1: x(margin), x2: x(margin), y1: 0, y2: height });
    const hit = svg("line", { class: "mlmon-margin-hit", x1: x(margin), x2: x(margin), y1: 0, y2: height });
    hit.dataset.metric = metric;
    plot.append(line, hit);
    hit.addEventListener("pointerdown", (event) => {
      hit.setPointerCapture?.(event.pointerId);
      const box = plot.getBoundingClientRect();
      const scale = plot.viewBox.baseVal.width / box.width;
      const toValue = (clientX) => (((clientX - box.left) * scale - LABEL_W) / PLOT_W) * 2 * span - span;
      const move = (e) => {
        const at = Math.max(LABEL_W, Math.min(LABEL_W + PLOT_W, (e.clientX - box.left) * scale));
        for (const node of [line, hit]) {
          node.setAttribute("x1", at);
          node.setAttribute("x2", at);
        }
      };
      const up = (e) => {
        hit.removeEventListener("pointermove", move);
        hit.removeEventListener("pointerup", up);
        const value = Math.abs(toValue(e.clientX));
        const relative = Boolean(gate.metrics?.[metric]?.relative);
        const absolute = Math.min(value, span);
        const next = relative && Number.isFinite(live) && live !== 0 ? absolute / Math.abs(live) : absolute;
        this.setGate((g) => (g.metrics[metric].margin = Number(next.toPrecision(4))));
      };
      hit.addEventListener("pointermove", move);
      hit.addEventListener("pointerup", up);
      event.preventDefault();
    });
  }

  drawOverTime() {
    const metric = this.model.get("metric");
    const diff = this.column("windows", "difference");
    const low = this.column("windows", "low");
    const high = this.column("windows", "high");
    const start = this.column("windows", "start");
    const title = el("div", "mlmon-segment-title", `${this.label(metric)}: shadow − live per window`);
    if (!diff.length) {
      this.overTime.replaceChildren(title, el("div", "mlmon-hint", "no windows (give time= and window=)"));
      return;
    }
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < diff.length; i++) {
      for (const v of [low[i], high[i], diff[i]]) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    }
    if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
    const W = 360;
    const H = 140;
    const plot = svg("svg", { class: "mlmon-chart mlmon-over-time-plot", width: W, height: H, viewBox: `0 0 ${W} ${H}` });
    const x = (i) => 40 + ((i + 0.5) / diff.length) * (W - 50);
    const y = (v) => 10 + (1 - (v - lo) / (hi - lo)) * (H - 30);
    plot.appendChild(svg("line", { class: "mlmon-zero", x1: 40, x2: W - 10, y1: y(0), y2: y(0) }));
    const ticks = niceTicks(lo, hi, 3);
    tickLabels(ticks).forEach((text, k) => plot.appendChild(svg("text", { class: "mlmon-tick", x: 36, y: y(ticks[k]) + 3, "text-anchor": "end" }, text)));
    for (let i = 0; i < diff.length; i++) {
      const g = svg("g", { class: "mlmon-window" });
      if (Number.isFinite(low[i]) && Number.isFinite(high[i])) g.appendChild(svg("line", { class: "mlmon-interval", x1: x(i), x2: x(i), y1: y(low[i]), y2: y(high[i]) }));
      if (Number.isFinite(diff[i])) g.appendChild(svg("circle", { class: "mlmon-point", cx: x(i), cy: y(diff[i]), r: 3, fill: "var(--mlmon-accent)" }));
      const lines = [`${start[i]}`, Number.isFinite(diff[i]) ? `difference ${fmt(diff[i], 3)} (${fmt(low[i], 3)} to ${fmt(high[i], 3)})` : this.column("windows", "status")[i]];
      g.addEventListener("pointermove", (event) => this.tip.show(event, lines));
      g.addEventListener("pointerleave", () => this.tip.hide());
      plot.appendChild(g);
    }
    plot.appendChild(svg("text", { class: "mlmon-tick", x: 40, y: H - 4 }, start[0] ?? ""));
    plot.appendChild(svg("text", { class: "mlmon-tick", x: W - 10, y: H - 4, "text-anchor": "end" }, start[start.length - 1] ?? ""));
    this.overTime.replaceChildren(title, plot);
  }

  /** Both scores as a 2-D histogram; drag a rectangle to select the rows inside it. */
  drawScores() {
    const counts = this.store.column("histogram", "counts");
    const edges = this.column("histogram", "edges");
    const title = el("div", "mlmon-segment-title", "live score (x) vs shadow score (y): drag to select rows");
    if (!counts) {
      this.scores.replaceChildren(title);
      return;
    }
    const bins = counts.shape[0];
    const lo = edges[0];
    const hi = edges[edges.length - 1];
    const pad = 30;
    const plot = svg("svg", { class: "mlmon-chart mlmon-score-hist", width: HIST + pad + 10, height: HIST + pad, viewBox: `0 0 ${HIST + pad + 10} ${HIST + pad}` });
    const px = (v) => pad + ((v - lo) / (hi - lo)) * HIST;
    const py = (v) => HIST - ((v - lo) / (hi - lo)) * HIST;
    let top = 0;
    for (const c of counts.data) top = Math.max(top, c);
    const size = HIST / bins;
    for (let i = 0; i < bins; i++) {
      for (let j = 0; j < bins; j++) {
        const c = counts.data[i * bins + j];
        if (!c) continue;
        const opacity = 0.15 + 0.85 * (Math.log1p(c) / Math.log1p(top));
        plot.appendChild(svg("rect", { class: "mlmon-hist-cell", x: pad + i * size, y: HIST - (j + 1) * size, width: size, height: size, fill: "var(--mlmon-accent)", "fill-opacity": opacity.toFixed(3) }));
      }
    }
    const [tLive, tShadow] = this.column("thresholds", "value");
    if (Number.isFinite(tLive)) plot.appendChild(svg("line", { class: "mlmon-threshold", x1: px(tLive), x2: px(tLive), y1: 0, y2: HIST }));
    if (Number.isFinite(tShadow)) plot.appendChild(svg("line", { class: "mlmon-threshold", x1: pad, x2: pad + HIST, y1: py(tShadow), y2: py(tShadow) }));
    plot.appendChild(svg("line", { class: "mlmon-zero", x1: px(lo), y1: py(lo), x2: px(hi), y2: py(hi) }));
    plot.appendChild(svg("text", { class: "mlmon-tick", x: pad, y: HIST + 14 }, fmt(lo)));
    plot.appendChild(svg("text", { class: "mlmon-tick", x: pad + HIST, y: HIST + 14, "text-anchor": "end" }, fmt(hi)));
    plot.appendChild(svg("text", { class: "mlmon-tick", x: pad - 4, y: 10, "text-anchor": "end" }, fmt(hi)));
    const region = svg("rect", { class: "mlmon-region", x: 0, y: 0, width: 0, height: 0, visibility: "hidden" });
    const selected = this.model.get("region");
    if (selected) {
      const [a, b] = selected.live;
      const [c, d] = selected.shadow;
      Object.entries({ x: px(a), y: py(d), width: px(b) - px(a), height: py(c) - py(d), visibility: "visible" }).forEach(([k, v]) => region.setAttribute(k, v));
    }
    plot.appendChild(region);
    const toScore = (event) => {
      const box = plot.getBoundingClientRect();
      const scale = plot.viewBox.baseVal.width / box.width;
      const sx = Math.max(pad, Math.min(pad + HIST, (event.clientX - box.left) * scale));
      const sy = Math.max(0, Math.min(HIST, (event.clientY - box.top) * scale));
      return [sx, sy, lo + ((sx - pad) / HIST) * (hi - lo), lo + ((HIST - sy) / HIST) * (hi - lo)];
    };
    plot.addEventListener("pointerdown", (event) => {
      plot.setPointerCapture?.(event.pointerId);
      const [x0, y0, s0, t0] = toScore(event);
      const move = (e) => {
        const [x1, y1] = toScore(e);
        Object.entries({ x: Math.min(x0, x1), y: Math.min(y0, y1), width: Math.abs(x1 - x0), height: Math.abs(y1 - y0), visibility: "visible" }).forEach(([k, v]) => region.setAttribute(k, v));
      };
      const up = (e) => {
        plot.removeEventListener("pointermove", move);
        plot.removeEventListener("pointerup", up);
        const [, , s1, t1] = toScore(e);
        const round = (v) => Number(v.toPrecision(6));
        const chosen = Math.abs(s1 - s0) > 1e-9 && Math.abs(t1 - t0) > 1e-9;
        this.model.set("region", chosen ? { live: [round(Math.min(s0, s1)), round(Math.max(s0, s1))], shadow: [round(Math.min(t0, t1)), round(Math.max(t0, t1))] } : null);
        this.model.save_changes();
      };
      plot.addEventListener("pointermove", move);
      plot.addEventListener("pointerup", up);
      event.preventDefault();
    });
    this.scores.replaceChildren(title, plot);
  }

  drawLatency() {
    if (!this.store.length("latency")) {
      this.latency.replaceChildren();
      return;
    }
    const live = this.column("latency", "live");
    const shadow = this.column("latency", "shadow");
    const edges = this.column("latency", "edges");
    const W = 360;
    const H = 120;
    let top = 1;
    for (let i = 0; i < live.length; i++) top = Math.max(top, live[i], shadow[i]);
    const plot = svg("svg", { class: "mlmon-chart mlmon-latency-plot", width: W, height: H, viewBox: `0 0 ${W} ${H}` });
    const lo = edges[0];
    const hi = edges[edges.length - 1];
    const x = (v) => 10 + ((v - lo) / (hi - lo)) * (W - 20);
    const y = (c) => H - 20 - (c / top) * (H - 30);
    for (let i = 0; i < live.length; i++) {
      const w = (x(edges[i + 1]) - x(edges[i])) / 2;
      plot.appendChild(svg("rect", { class: "mlmon-ref", x: x(edges[i]), y: y(live[i]), width: w, height: H - 20 - y(live[i]) }));
      plot.appendChild(svg("rect", { class: "mlmon-cur", x: x(edges[i]) + w, y: y(shadow[i]), width: w, height: H - 20 - y(shadow[i]) }));
    }
    const metrics = this.column("latency_marks", "metric");
    const marks = [this.column("latency_marks", "live"), this.column("latency_marks", "shadow")];
    metrics.forEach((metric, k) => {
      ["mlmon-ref-line", "mlmon-cur-line"].forEach((cls, m) => {
        const v = marks[m][k];
        if (Number.isFinite(v) && v <= hi) plot.appendChild(svg("line", { class: `mlmon-latency-mark ${cls}`, x1: x(v), x2: x(v), y1: 8, y2: H - 20, stroke: m ? "#EE7733" : "#4477AA", "stroke-dasharray": "2 2" }));
      });
    });
    plot.appendChild(svg("text", { class: "mlmon-tick", x: 10, y: H - 6 }, fmt(lo)));
    plot.appendChild(svg("text", { class: "mlmon-tick", x: W - 10, y: H - 6, "text-anchor": "end" }, `${fmt(hi)} ms`));
    const text = metrics.map((m, k) => `${this.label(m)}: live ${fmt(marks[0][k], 4)}, shadow ${fmt(marks[1][k], 4)}`);
    const legend = el("div", "mlmon-legend");
    for (const [cls, name] of [["mlmon-ref", "live"], ["mlmon-cur", "shadow"]]) {
      const item = el("span", "mlmon-legend-item");
      const swatch = el("span", `mlmon-swatch ${cls}`);
      swatch.style.background = cls === "mlmon-ref" ? "#4477AA" : "#EE7733";
      item.append(swatch, el("span", null, name));
      legend.appendChild(item);
    }
    this.latency.replaceChildren(el("div", "mlmon-segment-title", "latency per model"), legend, plot, el("div", "mlmon-hint", text.join("; ")));
  }

  drawSelected() {
    const region = this.model.get("region");
    this.selectedText.textContent = region ? `${this.model.get("selected_count")} rows selected (.selected_rows)` : "";
  }

  draw() {
    const started = performance.now();
    const metrics = this.column("metrics", "name");
    this.metricSelect.replaceChildren(...metrics.map((m) => el("option", null, this.label(m))));
    metrics.forEach((m, i) => (this.metricSelect.options[i].value = m));
    this.metricSelect.value = this.model.get("metric");
    this.drawVerdict();
    this.drawEditor();
    this.drawForest();
    this.drawOverTime();
    this.drawScores();
    this.drawLatency();
    this.drawSelected();
    this.renders += 1;
    this.root.dataset.renders = String(this.renders);
    this.root.dataset.drawMs = (performance.now() - started).toFixed(1);
    this.root.dataset.ready = "1";
  }
}

export default {
  initialize({ model }) {
    tablesOf(model);
  },
  render({ model, el: root }) {
    let view;
    try {
      view = new ShadowView(model, root);
    } catch (err) {
      root.appendChild(el("pre", "mlmon-error mlmon-error-visible", `mlmon_widgets could not draw this comparison: ${err.message}`));
      throw err;
    }
    const handlers = {
      "change:selected_count": () => view.drawSelected(),
      "change:region": () => view.drawSelected(),
      "change:metric": () => (view.metricSelect.value = model.get("metric")),
    };
    for (const [event, fn] of Object.entries(handlers)) model.on(event, fn);
    const stop = view.store.subscribe(() => view.draw());
    return () => {
      stop();
      view?.error?.dispose();
      for (const [event, fn] of Object.entries(handlers)) model.off(event, fn);
    };
  },
};

// DriftHeatmap front end: features x windows on a canvas, a detail pane in SVG.
// Python computes everything; this file only draws, and reports what the user does
// (selected cell, metric, filter, rules, "suggest from history") back through synced traits.
// Words (severities, metrics, corrections) come from the vocabulary Python sends.
import { dragVertically } from "./lib/drag.js";
import { ecdf, groupedBars, seriesChart } from "./lib/charts.js";
import { NO_DATA, hatch, sequential } from "./lib/colors.js";
import { el, keepKeys } from "./lib/dom.js";
import { errorArea } from "./lib/errors.js";
import { fmt } from "./lib/format.js";
import { gradientLegend, severityLegend } from "./lib/legend.js";
import { tablesOf } from "./lib/live.js";
import { drawSeasonalOffers, seasonalSwitch } from "./lib/seasonal.js";
import { installStyle } from "./lib/style.js";
import { tooltip } from "./lib/tooltip.js";
import { installSeverityColours, vocabularyOf } from "./lib/vocabulary.js";

const CELL_H = 16;
const LABEL_W = 170;
const HEAD_H = 22;
const SEVERITY = "severity"; // the colour choice that shows the judged severity

class HeatmapView {
  constructor(model, root) {
    const started = performance.now();
    this.model = model;
    this.root = root;
    this.words = vocabularyOf(model);
    this.store = tablesOf(model);
    this.focus = null; // {row, col} in data coordinates
    this.renders = 0;
    this.patches = 0;
    this.cellDraws = 0;
    this.load();
    this.build();
    this.layout();
    this.drawAll();
    this.drawDetail();
    this.drawBacktest();
    this.drawOffers();
    this.root.dataset.renderMs = (performance.now() - started).toFixed(1);
    this.root.dataset.ready = "1";
  }

  // ------------------------------------------------------------------ data
  load() {
    const names = this.store.column("features", "name");
    this.rows = names ? names.data : [];
    this.labels = this.store.column("windows", "label")?.data ?? [];
    this.nRows = this.rows.length;
    this.nCols = this.store.length("windows");
  }

  grid(metric) {
    return this.store.column("cells", metric)?.data;
  }

  value(metric, row, col) {
    return this.grid(metric)[col * this.nRows + row];
  }

  scaleOf(metric) {
    return this.words.drift_metrics?.[metric]?.scale ?? this.words.neglog10p.scale;
  }

  visibleRows() {
    const query = (this.model.get("filter") || "").trim().toLowerCase();
    const out = [];
    for (let r = 0; r < this.nRows; r++) {
      if (!query || this.rows[r].toLowerCase().includes(query)) out.push(r);
    }
    return out;
  }

  // ------------------------------------------------------------------ DOM
  select_(className, options, value, onChange, label) {
    const box = el("label", "mlmon-label", label);
    const select = el("select", className);
    for (const [key, text] of options) {
      const option = el("option", null, text);
      option.value = key;
      select.appendChild(option);
    }
    select.value = value;
    select.addEventListener("change", () => onChange(select.value));
    box.appendChild(select);
    return [box, select];
  }

  save(values) {
    for (const [k, v] of Object.entries(values)) this.model.set(k, v);
    this.model.save_changes();
  }

  build() {
    const root = this.root;
    root.classList.add("mlmon-widget", "mlmon-heatmap");
    keepKeys(root);
    installStyle(root);
    installSeverityColours(root, this.words);
    const toolbar = el("div", "mlmon-toolbar");
    const colours = this.words.colour_by.map((m) => [m, m === SEVERITY ? SEVERITY : this.words.metricLabel(m)]);
    let metricBox;
    [metricBox, this.metricSelect] = this.select_("mlmon-metric", colours, this.model.get("metric"), (v) => this.save({ metric: v }), "colour by ");
    this.filterInput = el("input", "mlmon-filter");
    this.filterInput.type = "search";
    this.filterInput.placeholder = "filter features";
    this.filterInput.setAttribute("aria-label", "filter features by name");
    this.filterInput.value = this.model.get("filter");
    this.filterInput.addEventListener("input", () => this.save({ filter: this.filterInput.value }));
    this.count = el("span", "mlmon-count");
    const alphaLabel = el("label", "mlmon-label", "alpha ");
    this.alphaInput = el("input", "mlmon-alpha");
    Object.assign(this.alphaInput, { type: "number", min: "0.0001", max: "0.5", step: "0.001" });
    this.alphaInput.value = String(this.model.get("alpha"));
    this.alphaInput.addEventListener("change", () => {
      const value = Number(this.alphaInput.value);
      if (value > 0 && value < 1) this.save({ alpha: value });
    });
    alphaLabel.appendChild(this.alphaInput);
    let correctionBox;
    const corrections = this.words.corrections.map((c) => [c, c]);
    [correctionBox, this.correctionSelect] = this.select_("mlmon-correction", corrections, this.model.get("correction"), (v) => this.save({ correction: v }), "correction ");
    const suggestAll = el("button", "mlmon-suggest-all", "suggest all from history");
    suggestAll.title = "thresholds for every feature from the metric's spread over reference chunks";
    suggestAll.addEventListener("click", () => this.ask({ kind: "suggest", feature: null }));
    toolbar.append(metricBox, this.filterInput, alphaLabel, correctionBox, suggestAll, this.count);
    this.legend = el("div", "mlmon-legend");
    this.backtest = el("div", "mlmon-backtest");
    this.offers = el("div", "mlmon-season-offers");
    this.error = errorArea(this.model);
    this.scroll = el("div", "mlmon-scroll");
    this.scroll.tabIndex = 0;
    this.scroll.setAttribute("role", "grid");
    this.scroll.setAttribute("aria-label", "drift heatmap: features by windows; arrow keys move, Enter selects");
    const table = el("div", "mlmon-table");
    const corner = el("div", "mlmon-corner", "feature \\ window");
    this.head = el("canvas", "mlmon-colhead");
    this.labelsBox = el("div", "mlmon-rowlabels");
    this.cellsBox = el("div", "mlmon-cellsbox");
    this.canvas = el("canvas", "mlmon-cells");
    this.overlay = el("canvas", "mlmon-overlay");
    this.cellsBox.append(this.canvas, this.overlay);
    table.append(corner, this.head, this.labelsBox, this.cellsBox);
    this.scroll.appendChild(table);
    this.live = el("div", "mlmon-sr");
    this.live.setAttribute("aria-live", "polite");
    this.detail = el("div", "mlmon-detail");
    root.append(toolbar, this.legend, this.backtest, this.offers, this.error, this.scroll, this.live, this.detail);
    this.tip = tooltip(root);
    this.overlay.addEventListener("mousemove", (e) => this.hover(e));
    this.overlay.addEventListener("mouseleave", () => this.tip.hide());
    this.overlay.addEventListener("click", (e) => {
      const cell = this.cellAt(e);
      if (cell) this.select(cell.row, cell.col);
    });
    this.scroll.addEventListener("keydown", (e) => this.key(e));
  }

  /** Ask Python to do something (a synced trait; the nonce makes every request a change). */
  ask(action) {
    this.asked = (this.asked || 0) + 1;
    this.save({ _action: { ...action, nonce: `${Date.now()}-${this.asked}` } });
  }

  layout() {
    this.visible = this.visibleRows();
    const width = this.root.clientWidth || 900;
    this.cw = Math.max(3, Math.min(18, Math.floor((width - LABEL_W - 24) / Math.max(this.nCols, 1))));
    this.capacity = Math.max(this.nCols, Math.ceil((this.nCols + 1) / 32) * 32);
    const dpr = window.devicePixelRatio || 1;
    const w = this.capacity * this.cw;
    const h = Math.max(this.visible.length, 1) * CELL_H;
    for (const canvas of [this.canvas, this.overlay]) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
      canvas.getContext("2d").setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    this.head.width = Math.round(w * dpr);
    this.head.height = Math.round(HEAD_H * dpr);
    this.head.style.width = `${w}px`;
    this.head.style.height = `${HEAD_H}px`;
    this.head.getContext("2d").setTransform(dpr, 0, 0, dpr, 0, 0);
    this.labelsBox.replaceChildren(
      ...this.visible.map((r) => {
        const label = el("div", "mlmon-rowlabel", this.rows[r]);
        label.title = this.rows[r];
        label.dataset.row = String(r);
        label.addEventListener("click", () => this.select(r, this.focus?.col ?? this.nCols - 1));
        return label;
      }),
    );
    this.updateCount();
    this.root.dataset.rows = String(this.visible.length);
    this.root.dataset.cellWidth = String(this.cw);
  }

  updateCount() {
    this.count.textContent = `${this.visible.length} of ${this.nRows} features, ${this.nCols} windows`;
    this.root.dataset.cols = String(this.nCols);
  }

  // ------------------------------------------------------------------ drawing
  drawAll() {
    this.renders += 1;
    this.root.dataset.renders = String(this.renders);
    const ctx = this.canvas.getContext("2d");
    ctx.clearRect(0, 0, this.capacity * this.cw, this.visible.length * CELL_H);
    this.hatch = hatch(ctx, "#888888");
    for (let c = 0; c < this.nCols; c++) this.drawColumn(c);
    this.drawHead();
    this.drawLegend();
    this.drawOverlay();
  }

  drawColumn(col) {
    const ctx = this.canvas.getContext("2d");
    const metric = this.model.get("metric");
    const x = col * this.cw;
    const gap = this.cw > 4 ? 1 : 0;
    this.visible.forEach((row, i) => {
      const y = i * CELL_H;
      ctx.clearRect(x, y, this.cw, CELL_H);
      ctx.fillStyle = this.colour(metric, row, col);
      ctx.fillRect(x, y, this.cw - gap, CELL_H - 1);
      this.cellDraws += 1;
    });
    this.root.dataset.cellDraws = String(this.cellDraws);
  }

  colour(metric, row, col) {
    const code = this.value(SEVERITY, row, col);
    const severity = this.words.severity(code);
    // Too few rows (or no statistics) is hatched whatever colours the cells.
    if (code === NO_DATA || severity === undefined || severity === this.words.insufficient) return this.hatch;
    if (metric === SEVERITY) return this.words.severityColour(code);
    const v = this.value(metric, row, col);
    if (!Number.isFinite(v)) return Number.isNaN(v) ? this.hatch : sequential(1, 1);
    return sequential(v, this.scaleOf(metric));
  }

  drawHead() {
    const ctx = this.head.getContext("2d");
    ctx.clearRect(0, 0, this.capacity * this.cw, HEAD_H);
    ctx.fillStyle = getComputedStyle(this.root).color;
    ctx.font = "10px sans-serif";
    const every = Math.max(1, Math.ceil(60 / this.cw));
    for (let c = 0; c < this.nCols; c += every) {
      ctx.fillRect(c * this.cw, HEAD_H - 4, 1, 4);
      ctx.fillText(this.labels[c], c * this.cw + 2, HEAD_H - 7);
    }
  }

  drawLegend() {
    const metric = this.model.get("metric");
    const items = metric === SEVERITY
      ? severityLegend(this.words, { hatched: [this.words.insufficient] })
      : gradientLegend(this.scaleOf(metric), this.words.metricLabel(metric), "too few rows / no data");
    this.legend.replaceChildren(...items);
  }

  drawOverlay() {
    const ctx = this.overlay.getContext("2d");
    ctx.clearRect(0, 0, this.capacity * this.cw, this.visible.length * CELL_H);
    const mark = (cell, style, dash) => {
      if (!cell) return;
      const i = this.visible.indexOf(cell.row);
      if (i < 0 || cell.col >= this.nCols) return;
      ctx.strokeStyle = style;
      ctx.setLineDash(dash);
      ctx.lineWidth = 2;
      ctx.strokeRect(cell.col * this.cw + 1, i * CELL_H + 1, Math.max(this.cw - 2, 2), CELL_H - 3);
    };
    mark(this.selectedCell(), getComputedStyle(this.root).color, []);
    if (this.focus && document.activeElement === this.scroll) mark(this.focus, "#4477AA", [3, 2]);
  }

  // ------------------------------------------------------------------ interaction
  cellAt(event) {
    const rect = this.overlay.getBoundingClientRect();
    const col = Math.floor((event.clientX - rect.left) / this.cw);
    const i = Math.floor((event.clientY - rect.top) / CELL_H);
    if (col < 0 || col >= this.nCols || i < 0 || i >= this.visible.length) return null;
    return { row: this.visible[i], col };
  }

  describe(row, col) {
    const code = this.value(SEVERITY, row, col);
    const metric = this.model.get("metric");
    const shown = metric === SEVERITY ? this.words.colour_by[1] : metric;
    return `${this.rows[row]} · ${this.labels[col]} · ${this.words.severityLabel(code)} · ${this.words.metricLabel(shown)} ${fmt(this.value(shown, row, col))}`;
  }

  hover(event) {
    const cell = this.cellAt(event);
    if (!cell) return this.tip.hide();
    this.tip.show(event, [this.describe(cell.row, cell.col)]);
  }

  key(event) {
    if (!this.visible.length) return;
    let { row, col } = this.focus ?? this.selectedCell() ?? { row: this.visible[0], col: 0 };
    let i = Math.max(0, this.visible.indexOf(row));
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1], Home: [0, -1e9], End: [0, 1e9] };
    if (moves[event.key]) {
      i = Math.max(0, Math.min(this.visible.length - 1, i + moves[event.key][0]));
      col = Math.max(0, Math.min(this.nCols - 1, col + moves[event.key][1]));
      this.focus = { row: this.visible[i], col };
      this.live.textContent = this.describe(this.focus.row, col);
      this.drawOverlay();
      this.scrollTo(i, col);
      event.preventDefault();
    } else if (event.key === "Enter" || event.key === " ") {
      this.select(this.visible[i], col);
      event.preventDefault();
    }
  }

  scrollTo(i, col) {
    const x = col * this.cw;
    const y = i * CELL_H;
    const s = this.scroll;
    if (x < s.scrollLeft || x > s.scrollLeft + s.clientWidth - LABEL_W - this.cw) s.scrollLeft = x - (s.clientWidth - LABEL_W) / 2;
    if (y < s.scrollTop || y > s.scrollTop + s.clientHeight - HEAD_H - CELL_H) s.scrollTop = y - s.clientHeight / 2;
  }

  selectedCell() {
    const selected = this.model.get("selected");
    if (!selected || selected.feature === undefined) return null;
    const row = this.rows.indexOf(selected.feature);
    return row < 0 ? null : { row, col: selected.window };
  }

  select(row, col) {
    this.focus = { row, col };
    this.save({ selected: { feature: this.rows[row], window: col, label: this.labels[col] } });
    this.drawOverlay();
  }

  // ------------------------------------------------------------------ thresholds
  drawBacktest() {
    const b = this.model.get("_backtest") || {};
    if (b.windows === undefined) {
      this.backtest.textContent = "";
      return;
    }
    const [warning, critical] = this.words.alert_levels;
    const fa = b.false_alarm === null || b.false_alarm === undefined ? "" : ` · false-alarm rate on ${b.chunks} reference chunks: ${fmt(100 * b.false_alarm, 2)}%`;
    this.backtest.textContent = `backtest over ${b.windows} windows: ${b[critical]} ${critical}, ${b[warning]} ${warning}${fa}`;
    this.backtest.dataset.critical = String(b[critical]);
    this.backtest.dataset.warning = String(b[warning]);
  }

  setRule(feature, rule) {
    const rules = { ...(this.model.get("thresholds") || {}) };
    if (rule === null) delete rules[feature];
    else rules[feature] = rule;
    this.save({ thresholds: rules });
  }

  /** Warning and critical of `metric` in force for the shown feature, or its default. */
  levelsOf(detail, metric) {
    const entry = this.words.drift_metrics[metric];
    return detail.thresholds?.[entry.column] ?? entry.defaults?.[detail.kind] ?? [null, null];
  }

  ruleEditor(detail, chartMetric) {
    const feature = detail.feature;
    const off = this.words.rule_off;
    const current = (this.model.get("thresholds") || {})[feature];
    const [warningName, criticalName] = this.words.alert_levels;
    const box = el("div", "mlmon-rule");
    const metrics = Object.entries(this.words.drift_metrics).filter(([, m]) => m.kinds.includes(detail.kind)).map(([name]) => name);
    const select = el("select", "mlmon-rule-metric");
    for (const [value, label] of [["default", "default rule"], ...metrics.map((m) => [m, m]), [off, off]]) {
      const option = el("option", null, label);
      option.value = value;
      select.appendChild(option);
    }
    select.value = current === undefined ? "default" : current === off || current?.metric === off ? off : current.metric;
    const ruled = current && current !== off && current.metric !== off;
    const byChart = this.words.drift_metrics[chartMetric] ? chartMetric : metrics[0];
    const shown = ruled ? [current[warningName], current[criticalName]] : this.levelsOf(detail, byChart);
    const warning = el("input", "mlmon-rule-warning");
    const critical = el("input", "mlmon-rule-critical");
    for (const [input, v] of [[warning, shown[0]], [critical, shown[1]]]) {
      Object.assign(input, { type: "number", min: "0", step: "any" });
      input.value = v === null || v === undefined ? "" : String(v);
    }
    const apply = () => {
      const metric = select.value;
      if (metric === "default") return this.setRule(feature, null);
      if (metric === off) return this.setRule(feature, off);
      const w = Number(warning.value);
      const c = Number(critical.value);
      if (!(Number.isFinite(w) && Number.isFinite(c) && w >= 0 && w <= c)) {
        warning.setCustomValidity("warning must be a number between 0 and critical");
        warning.reportValidity();
        return;
      }
      warning.setCustomValidity("");
      this.setRule(feature, { metric, [warningName]: w, [criticalName]: c });
    };
    select.addEventListener("change", () => {
      if (select.value !== "default" && select.value !== off) {
        const [w, c] = this.levelsOf(detail, select.value);
        warning.value = String(w ?? "");
        critical.value = String(c ?? "");
      }
      apply();
    });
    warning.addEventListener("change", apply);
    critical.addEventListener("change", apply);
    const suggest = el("button", "mlmon-suggest", "suggest from history");
    suggest.addEventListener("click", () => this.ask({ kind: "suggest", feature, metric: this.words.drift_metrics[chartMetric] ? chartMetric : null }));
    const stats = this.model.get("_backtest")?.features?.[feature];
    const summary = stats ? el("span", "mlmon-hint", `${stats[criticalName]} ${criticalName}, ${stats[warningName]} ${warningName} in this view${Number.isFinite(stats.false_alarm) ? `; false-alarm rate on reference chunks ${fmt(100 * stats.false_alarm, 2)}%` : ""}`) : null;
    box.append(el("span", null, "rule:"), select, el("span", null, warningName), warning, el("span", null, criticalName), critical, suggest, ...(summary ? [summary] : []));
    return box;
  }

  /** The metric over all windows, its rule's lines draggable (they set the feature's rule). */
  metricChart(detail, metric, selected) {
    const row = this.rows.indexOf(detail.feature);
    const values = Array.from({ length: this.nCols }, (_, c) => this.value(metric, row, c));
    const levels = detail.thresholds?.[metric] ?? [];
    const rule = Object.entries(this.words.drift_metrics).find(([, m]) => m.column === metric)?.[0];
    const lines = this.words.alert_levels.map((name, k) => ({
      name,
      values: values.map(() => levels[k]),
      cls: `mlmon-${name}-line`,
      title: rule ? `drag to set the ${name} threshold (${fmt(levels[k])})` : `${name} ${fmt(levels[k])}`,
      drag: Boolean(rule) && Number.isFinite(levels[k]),
      data: { "data-threshold": name },
    }));
    const label = this.words.metricLabel(metric);
    const chart = seriesChart({ values, labels: this.labels, lines, zero: true, selected, title: `${label} over all windows`, yLabel: label });
    chart.root.classList.add("mlmon-metric-chart");
    chart.root.dataset.metric = metric;
    for (const { name, handle, nodes } of chart.handles) {
      dragVertically(chart.root, handle, nodes, ({ dy, y }) => {
        const value = (y0) => Math.max(0, chart.lo + ((chart.top + chart.height - y0) / chart.height) * (chart.hi - chart.lo));
        const moved = { ...Object.fromEntries(this.words.alert_levels.map((n, k) => [n, levels[k]])), [name]: value(y + dy) };
        const [w, c] = this.words.alert_levels.map((n) => moved[n]).filter(Number.isFinite);
        const warning = Number(Math.min(w, c ?? w).toPrecision(4));
        const critical = Number(Math.max(w, c ?? w).toPrecision(4));
        this.setRule(detail.feature, { metric: rule, [this.words.alert_levels[0]]: warning, [this.words.alert_levels[1]]: critical });
      });
    }
    return chart.root;
  }

  // ------------------------------------------------------------------ detail pane
  drawDetail() {
    const detail = this.model.get("_detail");
    const selected = this.selectedCell();
    if (!selected) {
      this.detail.replaceChildren(el("p", "mlmon-hint", "Click a cell (or focus the grid and press Enter) to see that feature and window in detail."));
      this.detail.dataset.feature = "";
      return;
    }
    if (!detail || detail.feature !== this.rows[selected.row] || detail.window !== selected.col) {
      this.detail.replaceChildren(el("p", "mlmon-hint", `${this.describe(selected.row, selected.col)}. Details are computed by Python: in a static export only the cell selected when it was saved has them.`));
      this.detail.dataset.feature = "";
      return;
    }
    const title = el("div", "mlmon-detail-title");
    title.append(el("strong", null, detail.feature), el("span", null, ` · ${detail.label} · `));
    const badge = el("span", "mlmon-badge", this.words.severityLabel(detail.severity));
    badge.style.background = this.words.severityColour(detail.severity) ?? "transparent";
    title.appendChild(badge);
    const reason = el("div", "mlmon-reason", detail.reason);
    const numbers = el("table", "mlmon-numbers");
    for (const [name, value] of detail.numbers || []) {
      const tr = el("tr");
      tr.append(el("th", null, name), el("td", null, typeof value === "number" ? fmt(value) : value));
      numbers.appendChild(tr);
    }
    const charts = el("div", "mlmon-charts");
    if (detail.bars) charts.appendChild(groupedBars(detail.bars.labels, detail.bars.reference, detail.bars.current, { title: detail.bars.title }));
    if (detail.ecdf) charts.appendChild(ecdf(detail.ecdf.x, detail.ecdf.reference, detail.ecdf.current, detail.ecdf.gap, { title: "ECDF, KS gap marked" }));
    const metric = this.model.get("metric") === SEVERITY ? detail.default_metric : this.model.get("metric");
    if (this.rows.includes(detail.feature) && this.grid(metric) && detail.kind) {
      charts.appendChild(this.metricChart(detail, metric, selected.col));
    }
    const note = detail.message ? el("p", "mlmon-hint", detail.message) : null;
    const editor = detail.kind ? this.ruleEditor(detail, metric) : null;
    const season = detail.kind ? this.seasonSwitch(detail.feature) : null;
    if (season && editor) editor.appendChild(season);
    this.detail.replaceChildren(...[title, reason, editor, note, el("div", "mlmon-detail-body")].filter(Boolean));
    this.detail.lastChild.append(numbers, charts);
    this.detail.dataset.feature = detail.feature;
    this.detail.dataset.window = String(detail.window);
  }

  drawOffers() {
    drawSeasonalOffers(this.offers, this.model.get("_seasonality"), this.model.get("seasonal") || [], (seasonal) => this.save({ seasonal }));
  }

  seasonSwitch(feature) {
    return seasonalSwitch(feature, this.model.get("_seasonality"), this.model.get("seasonal") || [], (seasonal) => this.save({ seasonal }));
  }

  // ------------------------------------------------------------------ live updates
  /** A change of the tables: a reset redraws everything, a patch the columns it touched. */
  onTables({ reset, ops }) {
    if (reset) {
      this.load();
      this.layout();
      this.drawAll();
      this.drawDetail();
      return;
    }
    const started = performance.now();
    const before = this.nCols;
    this.load();
    const touched = new Set();
    for (const op of ops) {
      if (op.table !== "cells") continue;
      if (op.op === "splice") for (let c = op.start; c < this.nCols; c++) touched.add(c);
      // Cells of earlier windows whose severity changed: their columns.
      if (op.op === "scatter") for (const k of op.index) touched.add(Math.floor(k / this.nRows));
    }
    this.patches += 1;
    this.root.dataset.patches = String(this.patches);
    if (this.nCols > this.capacity || this.nCols < before) {
      const { scrollLeft, scrollTop } = this.scroll;
      this.layout();
      this.drawAll();
      this.scroll.scrollLeft = scrollLeft;
      this.scroll.scrollTop = scrollTop;
    } else {
      this.updateCount();
      for (const c of touched) this.drawColumn(c);
      this.drawHead();
      this.drawOverlay();
    }
    if (this.selectedCell()) this.drawDetail();
    this.root.dataset.patchMs = (performance.now() - started).toFixed(1);
  }
}

export default {
  initialize({ model }) {
    tablesOf(model); // one store per model, patched even while no view shows it
  },
  render({ model, el: root }) {
    let view;
    try {
      view = new HeatmapView(model, root);
    } catch (err) {
      root.appendChild(el("pre", "mlmon-error mlmon-error-visible", `mlmon_widgets could not draw this heatmap: ${err.message}`));
      throw err;
    }
    const handlers = {
      "change:metric": () => {
        view.metricSelect.value = model.get("metric");
        view.drawAll();
        view.drawDetail();
      },
      "change:filter": () => {
        if (view.filterInput.value !== model.get("filter")) view.filterInput.value = model.get("filter");
        view.layout();
        view.drawAll();
      },
      "change:selected": () => {
        view.drawOverlay();
        view.drawDetail();
      },
      "change:_detail": () => view.drawDetail(),
      "change:_backtest": () => {
        view.drawBacktest();
        view.drawDetail();
      },
      "change:seasonal": () => view.drawOffers(),
      "change:_seasonality": () => view.drawOffers(),
      "change:alpha": () => (view.alphaInput.value = String(model.get("alpha"))),
      "change:correction": () => (view.correctionSelect.value = model.get("correction")),
    };
    for (const [event, fn] of Object.entries(handlers)) model.on(event, fn);
    const stop = view.store.subscribe((change) => view.onTables(change));
    // Canvas text takes the theme's colour when drawn: redraw when JupyterLab's theme changes.
    const themeWatch = new MutationObserver(() => view.drawAll());
    themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });
    return () => {
      themeWatch.disconnect();
      stop();
      view?.error?.dispose();
      for (const [event, fn] of Object.entries(handlers)) model.off(event, fn);
    };
  },
};

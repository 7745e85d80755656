// DriftHeatmap front end: features x windows on a canvas, a detail pane in SVG.
// Python computes everything; this file only draws, and reports what the user does
// (selected cell, metric, filter) back through synced traits.
import { unpack, pack } from "./lib/binary.js";
import { ecdf, groupedBars, metricOverTime } from "./lib/charts.js";
import { NO_DATA, SEVERITIES, SEVERITY_COLORS, SEVERITY_LABELS, hatch, sequential, sequentialGradient } from "./lib/colors.js";
import { el, fmt } from "./lib/dom.js";
import { installStyle } from "./lib/style.js";
import { errorArea } from "./lib/errors.js";

const METRICS = ["severity", "psi", "js", "wasserstein", "neglog10p"];
const METRIC_LABELS = {
  severity: "severity",
  psi: "PSI",
  js: "Jensen-Shannon",
  wasserstein: "Wasserstein (normed)",
  neglog10p: "-log10 p",
};
const CELL_H = 16;
const LABEL_W = 170;
const HEAD_H = 22;

class HeatmapView {
  constructor(model, el) {
    const started = performance.now();
    this.model = model;
    this.root = el;
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
    this.root.dataset.renderMs = (performance.now() - started).toFixed(1);
    this.root.dataset.ready = "1";
  }

  // ------------------------------------------------------------------ data
  load() {
    const cells = this.model.get("_cells");
    const windows = this.model.get("_windows");
    this.rows = this.model.get("_rows");
    this.labels = windows.label.slice();
    this.starts = windows.start.slice();
    this.ends = windows.end.slice();
    this.nRows = this.rows.length;
    this.nCols = this.labels.length;
    this.data = {};
    for (const m of METRICS) {
      const key = m === "severity" ? "severity" : m;
      this.data[m] = cells[key] ? unpack(cells[key]).slice() : null;
    }
    this.scale = this.model.get("_scale");
  }

  value(metric, row, col) {
    return this.data[metric][col * this.nRows + row];
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
  build() {
    const root = this.root;
    root.classList.add("mlmon-widget", "mlmon-heatmap");
    // Keys typed in the widget are ours: JupyterLab's notebook shortcuts (Enter, arrows, ...)
    // must not act on them.
    root.dataset.lmSuppressShortcuts = "true";
    root.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.target instanceof HTMLInputElement) event.target.blur();
    });
    installStyle(root);
    const toolbar = el("div", "mlmon-toolbar");
    const metricLabel = el("label", "mlmon-label", "colour by ");
    this.metricSelect = el("select", "mlmon-metric");
    for (const m of METRICS) {
      const option = el("option", null, METRIC_LABELS[m]);
      option.value = m;
      this.metricSelect.appendChild(option);
    }
    this.metricSelect.value = this.model.get("metric");
    this.metricSelect.addEventListener("change", () => {
      this.model.set("metric", this.metricSelect.value);
      this.model.save_changes();
    });
    metricLabel.appendChild(this.metricSelect);
    this.filterInput = el("input", "mlmon-filter");
    this.filterInput.type = "search";
    this.filterInput.placeholder = "filter features";
    this.filterInput.setAttribute("aria-label", "filter features by name");
    this.filterInput.value = this.model.get("filter");
    this.filterInput.addEventListener("input", () => {
      this.model.set("filter", this.filterInput.value);
      this.model.save_changes();
    });
    this.count = el("span", "mlmon-count");
    const alphaLabel = el("label", "mlmon-label", "alpha ");
    this.alphaInput = el("input", "mlmon-alpha");
    this.alphaInput.type = "number";
    this.alphaInput.min = "0.0001";
    this.alphaInput.max = "0.5";
    this.alphaInput.step = "0.001";
    this.alphaInput.value = String(this.model.get("alpha"));
    this.alphaInput.addEventListener("change", () => {
      const value = Number(this.alphaInput.value);
      if (value > 0 && value < 1) {
        this.model.set("alpha", value);
        this.model.save_changes();
      }
    });
    alphaLabel.appendChild(this.alphaInput);
    const correctionLabel = el("label", "mlmon-label", "correction ");
    this.correctionSelect = el("select", "mlmon-correction");
    for (const c of ["fdr_bh", "bonferroni", "holm", "none"]) {
      const option = el("option", null, c);
      option.value = c;
      this.correctionSelect.appendChild(option);
    }
    this.correctionSelect.value = this.model.get("correction");
    this.correctionSelect.addEventListener("change", () => {
      this.model.set("correction", this.correctionSelect.value);
      this.model.save_changes();
    });
    correctionLabel.appendChild(this.correctionSelect);
    const suggestAll = el("button", "mlmon-suggest-all", "suggest all from history");
    suggestAll.title = "thresholds for every feature from the metric's spread over reference chunks";
    suggestAll.addEventListener("click", () => this.model.send({ type: "suggest", feature: null }));
    toolbar.append(metricLabel, this.filterInput, alphaLabel, correctionLabel, suggestAll, this.count);
    this.legend = el("div", "mlmon-legend");
    this.backtest = el("div", "mlmon-backtest");
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
    this.tooltip = el("div", "mlmon-tooltip");
    this.tooltip.setAttribute("role", "tooltip");
    this.live = el("div", "mlmon-sr");
    this.live.setAttribute("aria-live", "polite");
    this.detail = el("div", "mlmon-detail");
    root.append(toolbar, this.legend, this.backtest, this.error, this.scroll, this.tooltip, this.live, this.detail);

    this.overlay.addEventListener("mousemove", (e) => this.hover(e));
    this.overlay.addEventListener("mouseleave", () => (this.tooltip.style.display = "none"));
    this.overlay.addEventListener("click", (e) => {
      const cell = this.cellAt(e);
      if (cell) this.select(cell.row, cell.col);
    });
    this.scroll.addEventListener("keydown", (e) => this.key(e));
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
    this.count.textContent = `${this.visible.length} of ${this.nRows} features, ${this.nCols} windows`;
    this.root.dataset.rows = String(this.visible.length);
    this.root.dataset.cellWidth = String(this.cw);
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
    const severity = SEVERITIES[this.value("severity", row, col)];
    if (severity === undefined || severity === "insufficient_data") return this.hatch;
    if (metric === "severity") return SEVERITY_COLORS[severity];
    const v = this.value(metric, row, col);
    if (!Number.isFinite(v)) return Number.isNaN(v) ? this.hatch : sequential(1, 1);
    return sequential(v, this.scale[metric]);
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
    const items = [];
    if (metric === "severity") {
      for (const s of SEVERITIES) {
        const item = el("span", "mlmon-legend-item");
        const swatch = el("span", `mlmon-swatch${s === "insufficient_data" ? " mlmon-hatched" : ""}`);
        if (s !== "insufficient_data") swatch.style.background = SEVERITY_COLORS[s];
        item.append(swatch, el("span", null, SEVERITY_LABELS[s]));
        item.dataset.severity = s;
        items.push(item);
      }
    } else {
      const item = el("span", "mlmon-legend-item");
      const bar = el("span", "mlmon-gradient");
      bar.style.background = sequentialGradient();
      item.append(el("span", null, "0"), bar, el("span", null, `≥ ${fmt(this.scale[metric])} ${METRIC_LABELS[metric]}`));
      items.push(item);
      const none = el("span", "mlmon-legend-item");
      none.append(el("span", "mlmon-swatch mlmon-hatched"), el("span", null, "too few rows / no data"));
      items.push(none);
    }
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
    const selected = this.selectedCell();
    mark(selected, getComputedStyle(this.root).color, []);
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
    const severity = SEVERITIES[this.value("severity", row, col)] ?? "no data";
    const metric = this.model.get("metric");
    const shown = metric === "severity" ? "psi" : metric;
    return `${this.rows[row]} · ${this.labels[col]} · ${SEVERITY_LABELS[severity] ?? severity} · ${METRIC_LABELS[shown]} ${fmt(this.value(shown, row, col))}`;
  }

  hover(event) {
    const cell = this.cellAt(event);
    if (!cell) {
      this.tooltip.style.display = "none";
      return;
    }
    this.tooltip.textContent = this.describe(cell.row, cell.col);
    const box = this.root.getBoundingClientRect();
    this.tooltip.style.left = `${event.clientX - box.left + 12}px`;
    this.tooltip.style.top = `${event.clientY - box.top + 12}px`;
    this.tooltip.style.display = "block";
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
    this.model.set("selected", { feature: this.rows[row], window: col, label: this.labels[col] });
    this.model.save_changes();
    this.drawOverlay();
  }

  // ------------------------------------------------------------------ thresholds
  drawBacktest() {
    const b = this.model.get("_backtest") || {};
    if (b.windows === undefined) {
      this.backtest.textContent = "";
      return;
    }
    const fa = b.false_alarm === null || b.false_alarm === undefined ? "" : ` · false-alarm rate on ${b.chunks} reference chunks: ${fmt(100 * b.false_alarm, 2)}%`;
    this.backtest.textContent = `backtest over ${b.windows} windows: ${b.critical} critical, ${b.warning} warning${fa}`;
    this.backtest.dataset.critical = String(b.critical);
    this.backtest.dataset.warning = String(b.warning);
  }

  setRule(feature, rule) {
    const rules = { ...(this.model.get("thresholds") || {}) };
    if (rule === null) delete rules[feature];
    else rules[feature] = rule;
    this.model.set("thresholds", rules);
    this.model.save_changes();
  }

  ruleEditor(detail, chartMetric) {
    const feature = detail.feature;
    const current = (this.model.get("thresholds") || {})[feature];
    const box = el("div", "mlmon-rule");
    const numeric = detail.kind === "numeric";
    const metrics = ["psi", "js", "kl", ...(numeric ? ["wasserstein", "ks"] : [])];
    const select = el("select", "mlmon-rule-metric");
    for (const [value, label] of [["default", "default rule"], ...metrics.map((m) => [m, m]), ["off", "off"]]) {
      const option = el("option", null, label);
      option.value = value;
      select.appendChild(option);
    }
    select.value = current === undefined ? "default" : current === "off" ? "off" : current.metric;
    const limits = (m) => detail.thresholds?.[m === "ks" ? "statistic" : m] ?? [0.1, 0.25];
    const shown = current && current !== "off" ? [current.warning, current.critical] : limits(chartMetric);
    const warning = el("input", "mlmon-rule-warning");
    const critical = el("input", "mlmon-rule-critical");
    for (const [input, v] of [[warning, shown[0]], [critical, shown[1]]]) {
      input.type = "number";
      input.min = "0";
      input.step = "any";
      input.value = v === null || v === undefined ? "" : String(v);
    }
    const apply = () => {
      const metric = select.value;
      if (metric === "default") return this.setRule(feature, null);
      if (metric === "off") return this.setRule(feature, "off");
      const w = Number(warning.value);
      const c = Number(critical.value);
      if (!(Number.isFinite(w) && Number.isFinite(c) && w >= 0 && w <= c)) {
        warning.setCustomValidity("warning must be a number between 0 and critical");
        warning.reportValidity();
        return;
      }
      warning.setCustomValidity("");
      this.setRule(feature, { metric, warning: w, critical: c });
    };
    select.addEventListener("change", () => {
      if (select.value !== "default" && select.value !== "off") {
        const [w, c] = limits(select.value);
        warning.value = String(w ?? "");
        critical.value = String(c ?? "");
      }
      apply();
    });
    warning.addEventListener("change", apply);
    critical.addEventListener("change", apply);
    const suggest = el("button", "mlmon-suggest", "suggest from history");
    suggest.addEventListener("click", () => this.model.send({ type: "suggest", feature, metric: chartMetric === "neglog10p" ? "psi" : chartMetric }));
    const stats = this.model.get("_backtest")?.features?.[feature];
    const summary = stats ? el("span", "mlmon-hint", `${stats.critical} critical, ${stats.warning} warning in this view${Number.isFinite(stats.false_alarm) ? `; false-alarm rate on reference chunks ${fmt(100 * stats.false_alarm, 2)}%` : ""}`) : null;
    box.append(el("span", null, "rule:"), select, el("span", null, "warning"), warning, el("span", null, "critical"), critical, suggest, ...(summary ? [summary] : []));
    return box;
  }

  enableDrag(chart, feature, metric) {
    if (!["psi", "js", "wasserstein"].includes(metric)) return;
    const top = Number(chart.dataset.top);
    const plotTop = Number(chart.dataset.plotTop);
    const height = Number(chart.dataset.plotHeight);
    const valueAt = (event) => {
      const box = chart.getBoundingClientRect();
      const y = (event.clientY - box.top) * (chart.viewBox.baseVal.height / box.height);
      return Math.max(0, ((plotTop + height - y) / height) * top);
    };
    for (const handle of chart.querySelectorAll("[data-handle]")) {
      const name = handle.dataset.handle;
      const line = chart.querySelector(`[data-threshold='${name}']`);
      handle.addEventListener("pointerdown", (event) => {
        handle.setPointerCapture(event.pointerId);
        const move = (e) => {
          const y = plotTop + height - (valueAt(e) / top) * height;
          for (const node of [handle, line]) {
            node.setAttribute("y1", String(y));
            node.setAttribute("y2", String(y));
          }
        };
        const up = (e) => {
          handle.removeEventListener("pointermove", move);
          handle.removeEventListener("pointerup", up);
          const lines = Object.fromEntries(
            Array.from(chart.querySelectorAll("[data-handle]")).map((h) => [h.dataset.handle, ((plotTop + height - Number(h.getAttribute("y1"))) / height) * top]),
          );
          lines[name] = valueAt(e);
          const warning = Number(Math.min(lines.warning ?? lines.critical, lines.critical ?? lines.warning).toPrecision(4));
          const critical = Number(Math.max(lines.warning ?? lines.critical, lines.critical ?? lines.warning).toPrecision(4));
          this.setRule(feature, { metric, warning, critical });
        };
        handle.addEventListener("pointermove", move);
        handle.addEventListener("pointerup", up);
        event.preventDefault();
      });
    }
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
    const badge = el("span", "mlmon-badge", SEVERITY_LABELS[detail.severity] ?? detail.severity);
    badge.style.background = SEVERITY_COLORS[detail.severity] ?? "transparent";
    title.appendChild(badge);
    const reason = el("div", "mlmon-reason", detail.reason);
    const numbers = el("table", "mlmon-numbers");
    for (const [name, value] of detail.numbers) {
      const tr = el("tr");
      tr.append(el("th", null, name), el("td", null, typeof value === "number" ? fmt(value) : value));
      numbers.appendChild(tr);
    }
    const charts = el("div", "mlmon-charts");
    if (detail.bars) charts.appendChild(groupedBars(detail.bars.labels, detail.bars.reference, detail.bars.current, { title: detail.bars.title }));
    if (detail.ecdf) charts.appendChild(ecdf(detail.ecdf.x, detail.ecdf.reference, detail.ecdf.current, detail.ecdf.gap, { title: "ECDF, KS gap marked" }));
    const metric = this.model.get("metric") === "severity" ? detail.default_metric : this.model.get("metric");
    const row = this.rows.indexOf(detail.feature);
    if (row >= 0 && this.data[metric]) {
      const values = Array.from({ length: this.nCols }, (_, c) => this.value(metric, row, c));
      const limits = detail.thresholds?.[metric] ?? [];
      const chart = metricOverTime(values, this.labels, { warning: limits[0], critical: limits[1], selected: selected.col, metric: METRIC_LABELS[metric], title: `${METRIC_LABELS[metric]} over all windows` });
      chart.classList.add("mlmon-metric-chart");
      chart.dataset.metric = metric;
      this.enableDrag(chart, detail.feature, metric);
      charts.appendChild(chart);
    }
    const note = detail.message ? el("p", "mlmon-hint", detail.message) : null;
    const editor = this.ruleEditor(detail, metric);
    this.detail.replaceChildren(...[title, reason, editor, note, el("div", "mlmon-detail-body")].filter(Boolean));
    this.detail.lastChild.append(numbers, charts);
    this.detail.dataset.feature = detail.feature;
    this.detail.dataset.window = String(detail.window);
  }

  // ------------------------------------------------------------------ live updates
  patch(content, buffers) {
    const started = performance.now();
    const newCols = content.n_windows;
    const first = content.first;
    const F = this.nRows;
    if (newCols > this.nCols) {
      for (const m of METRICS) {
        if (!this.data[m]) continue;
        const grown = m === "severity" ? new Uint8Array(newCols * F).fill(NO_DATA) : new Float32Array(newCols * F).fill(NaN);
        grown.set(this.data[m]);
        this.data[m] = grown;
      }
    }
    this.labels.length = first;
    this.starts.length = first;
    this.ends.length = first;
    this.labels.push(...content.windows.label);
    this.starts.push(...content.windows.start);
    this.ends.push(...content.windows.end);
    for (const m of METRICS) {
      const spec = content.block[m];
      if (!spec || !this.data[m]) continue;
      this.data[m].set(unpack({ ...spec, buffer: buffers[spec.buffer] }), first * F);
    }
    const changed = content.changed ? unpack({ ...content.changed.index, buffer: buffers[content.changed.index.buffer] }) : [];
    const values = content.changed ? unpack({ ...content.changed.severity, buffer: buffers[content.changed.severity.buffer] }) : [];
    const touched = new Set();
    for (let k = 0; k < changed.length; k++) {
      this.data.severity[changed[k]] = values[k];
      touched.add(Math.floor(changed[k] / F));
    }
    const grew = newCols > this.capacity;
    this.nCols = newCols;
    this.patches += 1;
    this.root.dataset.patches = String(this.patches);
    // Keep the model's own copy current so saved state and new views agree.
    const shape = [this.nCols, F];
    const cells = { shape };
    for (const m of METRICS) if (this.data[m]) cells[m] = pack(this.data[m], shape);
    // In place (not model.set): a set value would be sent back to the kernel with the next edit.
    const stored = { _cells: cells, _windows: { label: this.labels.slice(), start: this.starts.slice(), end: this.ends.slice() } };
    for (const [key, value] of Object.entries(stored)) {
      const target = this.model.get(key);
      for (const k of Object.keys(target)) delete target[k];
      Object.assign(target, value);
    }
    if (grew) {
      const { scrollLeft, scrollTop } = this.scroll;
      this.layout();
      this.drawAll();
      this.scroll.scrollLeft = scrollLeft;
      this.scroll.scrollTop = scrollTop;
    } else {
      this.count.textContent = `${this.visible.length} of ${this.nRows} features, ${this.nCols} windows`;
      this.root.dataset.cols = String(this.nCols);
      for (let c = first; c < this.nCols; c++) touched.add(c);
      for (const c of touched) this.drawColumn(c);
      this.drawHead();
      this.drawOverlay();
    }
    if (this.selectedCell()) this.drawDetail();
    this.root.dataset.patchMs = (performance.now() - started).toFixed(1);
  }
}

export default {
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
      "change:alpha": () => (view.alphaInput.value = String(model.get("alpha"))),
      "change:correction": () => (view.correctionSelect.value = model.get("correction")),
      "change:_scale": () => {
        view.scale = model.get("_scale");
        view.drawAll();
      },
    };
    const onMessage = (content, buffers) => {
      if (content?.type === "patch") view.patch(content, buffers);
      if (content?.type === "reload") {
        view.load();
        view.layout();
        view.drawAll();
        view.drawDetail();
      }
    };
    for (const [event, fn] of Object.entries(handlers)) model.on(event, fn);
    model.on("msg:custom", onMessage);
    // Canvas text takes the theme's colour when drawn: redraw when JupyterLab's theme changes.
    const themeWatch = new MutationObserver(() => view.drawAll());
    themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });
    return () => {
      themeWatch.disconnect();
      view?.error?.dispose();
      for (const [event, fn] of Object.entries(handlers)) model.off(event, fn);
      model.off("msg:custom", onMessage);
    };
  },
};

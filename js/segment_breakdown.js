// SegmentBreakdown front end: per segment column, each segment's drift over the whole period
// (a bar against the whole data's value) and over the windows (a strip of severity cells),
// then the slices the engine found with their reasons. Python computes everything; this file
// draws, and reports the chosen feature and the clicked segment or slice through synced traits.
// Text from data (segment values, feature names, reasons) is set as text, never as HTML.
import { el, svg } from "./lib/dom.js";
import { errorArea } from "./lib/errors.js";
import { fmt } from "./lib/format.js";
import { severityLegend } from "./lib/legend.js";
import { tablesOf } from "./lib/live.js";
import { installStyle } from "./lib/style.js";
import { tooltip } from "./lib/tooltip.js";
import { installSeverityColours, vocabularyOf } from "./lib/vocabulary.js";

const LABEL_W = 150;
const BAR_W = 120;
const ROW_H = 18;
const CELL_W = 6;

class BreakdownView {
  constructor(model, root) {
    this.model = model;
    this.root = root;
    this.words = vocabularyOf(model);
    this.store = tablesOf(model);
    this.renders = 0;
    installStyle(root);
    root.classList.add("mlmon-widget", "mlmon-segments");
    installSeverityColours(root, this.words);
    this.error = errorArea(model);
    this.toolbar = el("div", "mlmon-toolbar");
    // A select whose choice goes to a synced trait (which one may depend on the view).
    const traitSelect = (className, trait) => {
      const select = el("select", className);
      select.addEventListener("change", () => {
        model.set(trait(), select.value);
        model.save_changes();
      });
      return select;
    };
    this.viewSelect = traitSelect("mlmon-view", () => "view");
    this.viewLabel = el("label", "mlmon-label", "show ");
    this.viewLabel.appendChild(this.viewSelect);
    this.featureSelect = traitSelect("mlmon-feature", () => (this.performance() ? "metric" : "feature"));
    this.featureLabel = el("span", null, "feature ");
    const label = el("label", "mlmon-label");
    label.append(this.featureLabel, this.featureSelect);
    this.statisticSelect = traitSelect("mlmon-statistic", () => "statistic");
    this.statisticLabel = el("label", "mlmon-label", "statistic ");
    this.statisticLabel.appendChild(this.statisticSelect);
    this.overall = el("span", "mlmon-count");
    this.monitorButton = el("button", "mlmon-monitor", "monitor this segment");
    this.monitorButton.title = "add the selected segment or slice to the exported config (to_config)";
    this.asked = 0;
    this.monitorButton.addEventListener("click", () => {
      this.asked += 1;
      model.set("_action", { kind: "monitor", nonce: `${Date.now()}-${this.asked}` });
      model.save_changes();
    });
    this.monitoredText = el("span", "mlmon-count mlmon-monitored");
    this.toolbar.append(this.viewLabel, label, this.statisticLabel, this.overall, this.monitorButton, this.monitoredText);
    this.body = el("div", "mlmon-segment-blocks");
    this.slicesBox = el("div", "mlmon-slices");
    this.tip = tooltip(root);
    this.legend = el("div", "mlmon-legend");
    root.append(this.error, this.toolbar, this.legend, this.body, this.slicesBox);
    this.draw();
  }

  column(table, key) {
    return this.store.column(table, key)?.data ?? [];
  }

  select(selection) {
    this.model.set("selected", selection);
    this.model.save_changes();
  }

  performance() {
    return Boolean(this.views && this.views.length > 1 && this.model.get("view") === this.views[1]);
  }

  /** Legend items: the severities (drift), or what the performance colours mean. */
  drawLegend() {
    if (!this.performance()) {
      this.legend.replaceChildren(...severityLegend(this.words));
      return;
    }
    const [ok, , critical, insufficient] = this.words.severities || [];
    const items = [[ok, "not worse than the rest"], [critical, "worse than the rest (corrected)"], [insufficient, "not scored"]];
    this.legend.replaceChildren(
      ...items.map(([name, text]) => {
        const item = el("span", "mlmon-legend-item");
        const swatch = el("span", "mlmon-swatch");
        swatch.style.background = this.words.severity_colours?.[name];
        item.append(swatch, el("span", null, text));
        return item;
      }),
    );
  }

  draw() {
    const started = performance.now();
    const metrics = this.column("metrics", "name");
    this.viewLabel.style.display = metrics.length ? "" : "none";
    const views = this.column("views", "name");
    this.views = views.length ? views : [this.model.get("view")];
    this.viewSelect.replaceChildren(...this.views.map((name) => el("option", null, name)));
    this.views.forEach((name, i) => (this.viewSelect.options[i].value = name));
    this.viewSelect.value = this.model.get("view");
    const scored = this.performance();
    const options = scored ? metrics : this.column("features", "name");
    this.featureLabel.textContent = scored ? "metric " : "feature ";
    this.featureSelect.replaceChildren(...options.map((name) => el("option", null, scored ? this.words.metricLabel(name) : name)));
    for (let i = 0; i < options.length; i++) this.featureSelect.options[i].value = options[i];
    this.featureSelect.value = this.model.get(scored ? "metric" : "feature");
    const statistics = this.column("statistics", "name");
    this.statisticLabel.style.display = scored || statistics.length < 2 ? "none" : "";
    this.statisticSelect.replaceChildren(...statistics.map((name) => el("option", null, this.words.metricLabel(name))));
    statistics.forEach((name, i) => (this.statisticSelect.options[i].value = name));
    this.statisticSelect.value = this.model.get("statistic");
    this.statistic = this.words.metricLabel(this.column("statistic", "name")[0]);
    const overallValue = this.column("overall", "measure")[0];
    const overallCode = this.column("overall", "code")[0];
    const judged = scored ? "" : ` (${this.words.severityLabel(overallCode)})`;
    this.overall.textContent = `all rows: ${this.statistic} ${fmt(overallValue)}${judged}`;
    this.drawLegend();
    this.drawSegments(overallValue);
    this.drawSlices();
    this.drawSelection();
    this.drawMonitored();
    this.renders += 1;
    this.root.dataset.renders = String(this.renders);
    this.root.dataset.renderMs = (performance.now() - started).toFixed(1);
    this.root.dataset.ready = "1";
  }

  /** What a colour code means here: a severity (drift), or worse / not worse / not scored. */
  codeLabel(code) {
    if (!this.performance()) return this.words.severityLabel(code);
    const name = this.words.severity(code);
    const [ok, , critical] = this.words.severities || [];
    return name === critical ? "worse than the rest" : name === ok ? "not worse" : "not scored";
  }

  // Per segment column: each segment's value over the period (a bar from 0 for drift; a
  // point with its 95% interval for performance) against all rows (dashed), and per window
  // (a strip of cells coloured by the engine's judgement).
  drawSegments(overallValue) {
    const columns = this.column("segments", "column");
    const values = this.column("segments", "value");
    const shares = this.column("segments", "share");
    const measure = this.column("segments", "measure");
    const low = this.column("segments", "low");
    const high = this.column("segments", "high");
    const code = this.column("segments", "code");
    const labels = this.column("windows", "label");
    const cells = this.column("cells", "code");
    const cellValues = this.column("cells", "measure");
    const n = values.length;
    const finite = (list) => Array.from(list).filter(Number.isFinite);
    const whiskers = finite(low).length > 0 || this.performance();
    const spread = [...finite(measure), ...finite(low), ...finite(high), ...finite([overallValue])];
    let lo = whiskers ? Math.min(...spread) : 0;
    let hi = whiskers ? Math.max(...spread) : Math.max(0.25, ...spread);
    if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
    const pad = whiskers ? 0.05 * (hi - lo) : 0;
    lo -= pad;
    hi += pad;
    const x = (v) => LABEL_W + ((Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * BAR_W;
    const blocks = [];
    this.rowNodes = [];
    for (const name of [...new Set(columns)]) {
      const rows = [];
      for (let i = 0; i < n; i++) if (columns[i] === name) rows.push(i);
      const block = el("div", "mlmon-segment-block");
      block.appendChild(el("div", "mlmon-segment-title", name));
      const HEAD = 14;
      const width = Math.max(LABEL_W + BAR_W + 16 + labels.length * CELL_W, LABEL_W + BAR_W + 200);
      const plot = svg("svg", { width, height: HEAD + rows.length * ROW_H + 4, class: "mlmon-segment-plot" });
      const axis = whiskers ? `${this.statistic} (${fmt(lo)} to ${fmt(hi)})` : `${this.statistic}, whole period`;
      plot.appendChild(svg("text", { x: 0, y: 10, class: "mlmon-axis-label" }, axis));
      if (labels.length) {
        const strip = labels.length > 1 ? `${labels[0]} to ${labels[labels.length - 1]}` : labels[0];
        plot.appendChild(svg("text", { x: LABEL_W + BAR_W + 16, y: 10, class: "mlmon-axis-label" }, strip));
      }
      if (Number.isFinite(overallValue)) {
        plot.appendChild(svg("line", { x1: x(overallValue), x2: x(overallValue), y1: HEAD, y2: HEAD + rows.length * ROW_H, class: "mlmon-overall-line" }));
      }
      rows.forEach((i, r) => {
        const y = HEAD + r * ROW_H + 2;
        const group = svg("g", { class: "mlmon-segment-row", "data-segment": values[i] });
        group.appendChild(svg("text", { x: 0, y: y + 12, class: "mlmon-segment-label" }, values[i]));
        if (whiskers) {
          if (Number.isFinite(low[i]) && Number.isFinite(high[i])) {
            group.appendChild(svg("line", { x1: x(low[i]), x2: x(high[i]), y1: y + ROW_H / 2, y2: y + ROW_H / 2, class: "mlmon-interval" }));
          }
          if (Number.isFinite(measure[i])) {
            group.appendChild(svg("circle", { cx: x(measure[i]), cy: y + ROW_H / 2, r: 4, class: `mlmon-value mlmon-sev-${code[i]}` }));
          }
        } else {
          group.appendChild(svg("rect", { x: LABEL_W, y: y + 3, width: Math.max(1, x(measure[i] || 0) - LABEL_W), height: ROW_H - 6, class: `mlmon-bar mlmon-sev-${code[i]}` }));
        }
        labels.forEach((label, w) => {
          group.appendChild(svg("rect", { x: LABEL_W + BAR_W + 16 + w * CELL_W, y: y + 2, width: CELL_W - 1, height: ROW_H - 4, class: `mlmon-cell mlmon-sev-${cells[w * n + i]}`, "data-window": w }));
        });
        group.addEventListener("mousemove", (event) => {
          const w = Number(event.target.getAttribute?.("data-window"));
          const interval = Number.isFinite(low[i]) ? ` [${fmt(low[i])}, ${fmt(high[i])}]` : "";
          const lines = [`${name} = ${values[i]}`, `${fmt(100 * shares[i], 2)}% of rows`, `${this.statistic} ${fmt(measure[i])}${interval} (${this.codeLabel(code[i])}) over the period`];
          if (Number.isInteger(w) && event.target.hasAttribute("data-window")) {
            lines.push(`${labels[w]}: ${this.codeLabel(cells[w * n + i])}, ${this.statistic} ${fmt(cellValues[w * n + i])}`);
          }
          this.tip.show(event, lines);
        });
        group.addEventListener("mouseleave", () => this.tip.hide());
        group.addEventListener("click", () => this.select({ segment_column: name, segment_value: values[i] }));
        this.rowNodes.push({ node: group, column: name, value: values[i] });
        plot.appendChild(group);
      });
      block.appendChild(plot);
      const waterfall = this.drawWaterfall(name);
      const why = this.column("notes", "waterfall")[0];
      if (waterfall) block.appendChild(waterfall);
      else if (why) block.appendChild(el("div", "mlmon-hint mlmon-waterfall-note", why));
      blocks.push(block);
    }
    this.body.replaceChildren(...blocks);
  }

  // The change of the feature's mean (drift) or of the metric (performance) between two
  // periods, split into each segment's part (mix + rate, from explain_change): the bars add
  // up to the last one. For a metric that is not a mean of rows (AUC) the engine gives each
  // segment's leave-one-out part instead: bars from zero, labelled "not additive".
  drawWaterfall(name) {
    const columns = this.column("waterfall", "column");
    const rows = [];
    for (let i = 0; i < columns.length; i++) if (columns[i] === name) rows.push(i);
    if (!rows.length) return null;
    const segments = this.column("waterfall", "segment");
    const mix = this.column("waterfall", "mix");
    const rate = this.column("waterfall", "rate");
    const total = this.column("waterfall", "total");
    const before = this.column("waterfall", "before")[rows[0]];
    const after = this.column("waterfall", "after")[rows[0]];
    const change = after - before;
    const additive = this.column("waterfall", "additive")[rows[0]] !== 0;
    const box = el("div", additive ? "mlmon-waterfall" : "mlmon-waterfall mlmon-not-additive");
    const sign = change >= 0 ? "+" : "";
    const what = this.performance() ? this.words.metricLabel(this.model.get("metric")) : `mean ${this.model.get("feature")}`;
    const periods = this.column("periods", "text")[0] || "";
    const parts = additive ? "each segment's part (mix + rate)" : "not additive: each bar is the change with that segment left out";
    box.appendChild(el("div", "mlmon-hint", `${what}, ${periods}: ${fmt(before)} → ${fmt(after)} (${sign}${fmt(change)}), ${parts}`));
    const BAR = 64;
    const H = 70;
    const plot = svg("svg", { width: LABEL_W + (rows.length + 1) * BAR, height: H + 18, class: "mlmon-waterfall-plot" });
    const ends = [0];
    let running = 0;
    for (const i of rows) ends.push(additive ? (running += total[i]) : total[i]);
    const lo = Math.min(0, change, ...ends);
    const hi = Math.max(0, change, ...ends);
    const y = (v) => (hi === lo ? H / 2 : 4 + ((hi - v) / (hi - lo)) * (H - 8));
    plot.appendChild(svg("line", { x1: LABEL_W, x2: LABEL_W + (rows.length + 1) * BAR, y1: y(0), y2: y(0), class: "mlmon-grid" }));
    const bar = (k, from, to, cls, label, lines) => {
      const x = LABEL_W + k * BAR + 6;
      const rect = svg("rect", { x, y: Math.min(y(from), y(to)), width: BAR - 12, height: Math.max(1, Math.abs(y(to) - y(from))), class: cls });
      rect.addEventListener("mousemove", (event) => this.tip.show(event, lines));
      rect.addEventListener("mouseleave", () => this.tip.hide());
      plot.appendChild(rect);
      const shown = label.length > 10 ? `${label.slice(0, 9)}…` : label; // whole in the tooltip
      plot.appendChild(svg("text", { x: x + (BAR - 12) / 2, y: H + 14, "text-anchor": "middle", class: "mlmon-segment-label" }, shown));
    };
    rows.forEach((i, k) => {
      const lines = additive
        ? [`${name} = ${segments[i]}`, `mix ${fmt(mix[i])} (its share changed)`, `rate ${fmt(rate[i])} (the value changed inside)`, `part ${fmt(total[i])} of ${fmt(change)}`]
        : [`${name} = ${segments[i]}`, `not additive: the change is ${fmt(total[i])} more than without this segment`, `overall change ${fmt(change)}`];
      const from = additive ? ends[k] : 0;
      bar(k, from, ends[k + 1], `mlmon-part ${total[i] >= 0 ? "mlmon-up" : "mlmon-down"}`, segments[i], lines);
    });
    bar(rows.length, 0, change, "mlmon-part mlmon-total", "all rows", [`all rows: ${fmt(before)} → ${fmt(after)}`, `change ${fmt(change)}`]);
    box.appendChild(plot);
    return box;
  }

  drawSlices() {
    const reasons = this.column("slices", "reason");
    const since = this.column("slices", "since");
    const why = this.column("notes", "slices")[0];
    const none = why ? `no slices: ${why}` : "no slice found";
    const title = el("div", "mlmon-segment-title", reasons.length ? "slices found" : none);
    const items = reasons.map((reason, i) => {
      const item = el("div", "mlmon-slice", since[i] ? `${reason}, from ${since[i]}` : reason);
      item.dataset.slice = String(i);
      item.addEventListener("click", () => this.select({ slice: i }));
      return item;
    });
    this.sliceNodes = items;
    this.slicesBox.replaceChildren(title, ...items);
  }

  drawMonitored() {
    const monitored = this.model.get("monitored") || [];
    this.monitoredText.textContent = monitored.length ? `monitored: ${monitored.join("; ")}` : "";
    this.monitoredText.dataset.count = String(monitored.length);
  }

  drawSelection() {
    const selected = this.model.get("selected");
    this.monitorButton.disabled = !selected;
    for (const row of this.rowNodes || []) {
      const on = Boolean(selected && selected.segment_column === row.column && selected.segment_value === row.value);
      row.node.classList.toggle("mlmon-selected", on);
    }
    (this.sliceNodes || []).forEach((node, i) => node.classList.toggle("mlmon-selected", Boolean(selected && selected.slice === i)));
  }
}

export default {
  initialize({ model }) {
    tablesOf(model);
  },
  render({ model, el: root }) {
    let view;
    try {
      view = new BreakdownView(model, root);
    } catch (err) {
      root.appendChild(el("pre", "mlmon-error mlmon-error-visible", `mlmon_widgets could not draw this breakdown: ${err.message}`));
      throw err;
    }
    const handlers = {
      "change:selected": () => view.drawSelection(),
      "change:monitored": () => view.drawMonitored(),
      "change:feature": () => view.performance() || (view.featureSelect.value = model.get("feature")),
      "change:metric": () => view.performance() && (view.featureSelect.value = model.get("metric")),
    };
    for (const [event, fn] of Object.entries(handlers)) model.on(event, fn);
    let patches = 0;
    const stop = view.store.subscribe(({ reset }) => {
      if (!reset) root.dataset.patches = String((patches += 1)); // a live append: only changes came
      view.draw();
    });
    return () => {
      stop();
      view?.error?.dispose();
      for (const [event, fn] of Object.entries(handlers)) model.off(event, fn);
    };
  },
};

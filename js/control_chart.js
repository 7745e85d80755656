// ControlChart front end: one SVG panel per metric (points, interval, centre, warning and
// control limits, pending windows shaded, run-rule violations and change points marked).
// Python computes every number; this file draws and reports what the user does: a dragged
// limit (an action), a typed rule, a detector setting, a segment, a clicked point (traits).
// Words (severities, statuses, sides, limit names, detectors) come from the vocabulary.
import { seriesChart } from "./lib/charts.js";
import { el, keepKeys, svg } from "./lib/dom.js";
import { dragVertically } from "./lib/drag.js";
import { errorArea } from "./lib/errors.js";
import { fmt } from "./lib/format.js";
import { tablesOf } from "./lib/live.js";
import { installStyle } from "./lib/style.js";
import { tooltip } from "./lib/tooltip.js";
import { installSeverityColours, vocabularyOf } from "./lib/vocabulary.js";

const W = 760;
const H = 210;

class ControlChartView {
  constructor(model, root) {
    const started = performance.now();
    this.model = model;
    this.root = root;
    this.words = vocabularyOf(model);
    this.store = tablesOf(model);
    this.renders = 0;
    this.patches = 0;
    this.loads = 1; // the first reading of the tables; a reset adds one
    this.build();
    root.dataset.loads = String(this.loads);
    this.drawAll();
    root.dataset.renderMs = (performance.now() - started).toFixed(1);
    root.dataset.ready = "1";
  }

  /** Redraw once after a burst of changes (one update may change several traits). */
  schedule(toolbar = false) {
    this.toolbarDirty = this.toolbarDirty || toolbar;
    if (this.pending) return;
    this.pending = true;
    queueMicrotask(() => {
      this.pending = false;
      if (this.toolbarDirty) this.buildToolbar();
      this.toolbarDirty = false;
      this.drawAll();
    });
  }

  // ------------------------------------------------------------------ DOM
  build() {
    const root = this.root;
    root.classList.add("mlmon-widget", "mlmon-control");
    keepKeys(root);
    installStyle(root);
    installSeverityColours(root, this.words);
    this.toolbar = el("div", "mlmon-toolbar");
    this.status = el("div", "mlmon-status mlmon-detector-note");
    this.body = el("div", "mlmon-panels");
    this.error = errorArea(this.model);
    root.append(this.error, this.toolbar, this.status, this.body);
    this.tip = tooltip(root);
    this.buildToolbar();
    this.handlers = [];
    const listen = (event, fn) => {
      this.model.on(event, fn);
      this.handlers.push([event, fn]);
    };
    for (const name of ["segment", "detector", "_segments", "_available", "metrics"]) {
      listen(`change:${name}`, () => this.buildToolbar());
    }
    for (const name of ["_panels", "selected", "rules"]) listen(`change:${name}`, () => this.schedule());
    listen("change:_changes", () => this.schedule(true));
    this.stop = this.store.subscribe(({ reset }) => {
      if (reset) this.loads += 1;
      else this.patches += 1;
      this.root.dataset.loads = String(this.loads);
      this.root.dataset.patches = String(this.patches);
      this.schedule(true);
    });
  }

  dispose() {
    this.error.dispose();
    this.stop();
    for (const [event, fn] of this.handlers) this.model.off(event, fn);
  }

  save(values) {
    for (const [k, v] of Object.entries(values)) this.model.set(k, v);
    this.model.save_changes();
  }

  /** Ask Python to do something (a synced trait; the nonce makes every request a change). */
  ask(action) {
    this.asked = (this.asked || 0) + 1;
    this.save({ _action: { ...action, nonce: `${Date.now()}-${this.asked}` } });
  }

  buildToolbar() {
    const bar = this.toolbar;
    bar.replaceChildren();
    const segments = this.model.get("_segments") || [];
    if (segments.length > 1) {
      const select = el("select", "mlmon-segment");
      select.setAttribute("aria-label", "segment");
      for (const s of segments) {
        const option = el("option", null, s);
        option.value = s;
        select.appendChild(option);
      }
      select.value = this.model.get("segment");
      select.addEventListener("change", () => this.save({ segment: select.value }));
      bar.append(el("span", null, "segment"), select);
    }
    const shown = new Set(this.model.get("metrics"));
    const metrics = el("span", "mlmon-metrics");
    for (const m of this.model.get("_available") || []) {
      const label = el("label", "mlmon-check");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = shown.has(m);
      box.dataset.metric = m;
      box.addEventListener("change", () => {
        const current = this.model.get("metrics");
        const next = box.checked ? current.concat([m]) : current.filter((x) => x !== m);
        if (next.length) this.save({ metrics: next });
        else box.checked = true;
      });
      label.append(box, document.createTextNode(this.words.metricLabel(m)));
      metrics.appendChild(label);
    }
    const more = el("details", "mlmon-more");
    more.open = this.metricsOpen || false;
    more.addEventListener("toggle", () => {
      this.metricsOpen = more.open;
    });
    more.append(el("summary", null, `metrics (${shown.size})`), metrics);
    bar.appendChild(more);
    bar.appendChild(this.detectorControls());
    const changes = this.model.get("_changes") || {};
    this.status.textContent = changes.note || "";
  }

  detectorControls() {
    const detectors = this.words.detectors || {};
    const spec = this.model.get("detector") || {};
    const box = el("span", "mlmon-detector");
    const kind = el("select", "mlmon-detector-kind");
    kind.setAttribute("aria-label", "detector");
    const none = this.words.rule_off;
    for (const [value, text] of [...Object.entries(detectors).map(([k, d]) => [k, d.label]), [none, "no detector"]]) {
      const option = el("option", null, text);
      option.value = value;
      kind.appendChild(option);
    }
    kind.value = spec.kind;
    kind.addEventListener("change", () => {
      const params = detectors[kind.value]?.params || {};
      this.save({ detector: { kind: kind.value, ...params } });
    });
    box.append(el("span", null, "detector"), kind);
    for (const name of Object.keys(detectors[spec.kind]?.params || {})) {
      const input = document.createElement("input");
      Object.assign(input, { type: "number", step: "any", className: "mlmon-param" });
      input.dataset.param = name;
      input.value = String(spec[name]);
      input.setAttribute("aria-label", `detector ${name}`);
      input.addEventListener("change", () => {
        const value = Number(input.value);
        if (Number.isFinite(value)) this.save({ detector: { ...this.model.get("detector"), [name]: value } });
      });
      box.append(el("span", null, name), input);
    }
    return box;
  }

  // ------------------------------------------------------------------ panels
  drawAll() {
    this.renders += 1;
    this.panels = this.model.get("_panels") || [];
    this.labels = this.store.column("windows", "label")?.data ?? [];
    this.root.dataset.renders = String(this.renders);
    this.root.dataset.panels = String(this.panels.length);
    this.root.dataset.windows = String(this.labels.length);
    const nodes = this.panels.filter((p) => this.store.tables[`panel:${p.metric}`]).map((p) => this.drawPanel(p));
    this.body.replaceChildren(...nodes);
  }

  /** The columns of a panel's table: {value, ci_low, ..., severity, status, reason}. */
  columns(metric) {
    const table = this.store.tables[`panel:${metric}`];
    const out = {};
    for (const [key, column] of Object.entries(table.columns)) out[key] = column.data;
    out.length = table.length;
    return out;
  }

  drawPanel(panel) {
    const box = el("div", "mlmon-panel");
    box.dataset.metric = panel.metric;
    const head = el("div", "mlmon-panel-head");
    head.appendChild(el("strong", null, panel.label || panel.metric));
    if (panel.counts) {
      const [warning, critical] = this.words.alert_levels;
      const counts = panel.counts;
      const text = `${counts[critical]} ${critical}, ${counts[warning]} ${warning} window(s)` + (counts.in_baseline ? `; ${counts.in_baseline} in the baseline period` : "");
      const summary = el("span", "mlmon-hint mlmon-backtest", ` · ${text}`);
      summary.dataset.critical = String(counts[critical]);
      summary.dataset.warning = String(counts[warning]);
      head.appendChild(summary);
    }
    box.appendChild(head);
    if (panel.note) box.appendChild(el("div", "mlmon-hint mlmon-note", panel.note));
    if (panel.rule) box.appendChild(this.ruleEditor(panel));
    box.appendChild(this.chart(panel, this.columns(panel.metric)));
    return box;
  }

  ruleEditor(panel) {
    const rule = panel.rule;
    const [warningName, criticalName] = this.words.alert_levels;
    const row = el("div", "mlmon-rule");
    const side = el("select", "mlmon-side");
    side.setAttribute("aria-label", `${panel.metric} alerting side`);
    for (const value of this.words.sides) {
      const option = el("option", null, this.words.side_labels[value]);
      option.value = value;
      side.appendChild(option);
    }
    side.value = rule.side;
    const number = (value, label, step, data) => {
      const input = document.createElement("input");
      Object.assign(input, { type: "number", step, min: "0" });
      input.value = value === undefined || value === null ? "" : String(Number(Number(value).toPrecision(4)));
      Object.assign(input.dataset, data);
      input.setAttribute("aria-label", label);
      return input;
    };
    const inputs = {};
    for (const name of this.words.alert_levels) {
      inputs[name] = number(rule[name], `${panel.metric} ${name} limit in sigma`, "0.1", { level: name });
    }
    // The relative check beside the limits: "more than 5% below the value 7 windows ago".
    const rel = rule.relative || null;
    const relOn = document.createElement("input");
    relOn.type = "checkbox";
    relOn.checked = Boolean(rel);
    relOn.dataset.relative = "on";
    relOn.setAttribute("aria-label", `${panel.metric} relative check`);
    const relative = {
      lag: number(rel ? rel.lag : 7, `${panel.metric} relative lag in windows`, "1", { relative: "lag" }),
      [warningName]: number(rel ? 100 * rel[warningName] : 5, `${panel.metric} relative ${warningName} in percent`, "1", { relative: warningName }),
      [criticalName]: number(rel ? 100 * rel[criticalName] : 10, `${panel.metric} relative ${criticalName} in percent`, "1", { relative: criticalName }),
    };
    for (const input of Object.values(relative)) input.disabled = !rel;
    const apply = () => {
      const next = { ...rule, side: side.value };
      for (const name of this.words.alert_levels) next[name] = Number(inputs[name].value);
      delete next.relative;
      if (relOn.checked) {
        next.relative = { lag: Math.round(Number(relative.lag.value)) };
        for (const name of this.words.alert_levels) next.relative[name] = Number(relative[name].value) / 100;
      }
      this.save({ rules: { ...this.model.get("rules"), [panel.metric]: next } });
    };
    for (const input of [side, ...Object.values(inputs), relOn, ...Object.values(relative)]) input.addEventListener("change", apply);
    const relLabel = el("label", "mlmon-check");
    relLabel.append(relOn, document.createTextNode("vs"));
    row.append(side, el("span", null, warningName), inputs[warningName], el("span", null, "σ, control"), inputs[criticalName],
      el("span", "mlmon-hint", `σ · centre ${fmt(rule.centre, 4)}, σ ${fmt(rule.sigma, 3)}${rule.seasonal ? `, season of ${rule.seasonal.length}` : ""}`),
      relLabel, relative.lag, el("span", null, `windows ago: ${warningName}`), relative[warningName], el("span", null, `%, ${criticalName}`), relative[criticalName], el("span", null, "%"));
    return row;
  }

  chart(panel, c) {
    const n = c.length;
    const values = Array.from(c.value);
    const pending = this.words.statuses.indexOf(this.words.pending);
    const bands = [];
    if (panel.baseline > 0) {
      bands.push({ from: 0, to: Math.min(panel.baseline, n) - 1, cls: "mlmon-baseline", title: `baseline: the first ${panel.baseline} windows set the centre and sigma` });
    }
    if (panel.labelled) {
      for (let i = 0; i < n; i++) {
        if (c.status[i] !== pending) continue;
        bands.push({ from: i, to: i, cls: "mlmon-pending", title: `${this.labels[i]}: labels pending (coverage ${fmt(100 * (c.coverage[i] || 0), 3)}%), not scored`, data: { "data-pending": i } });
      }
    }
    const lines = [{ name: "centre", values: Array.from(c.centre), cls: "mlmon-centre", data: { "data-line": "centre" } }];
    const order = [...this.words.limit_names].sort((a, b) => Number(a.endsWith(this.words.alert_levels[1])) - Number(b.endsWith(this.words.alert_levels[1])));
    for (const name of order) {
      const level = name.endsWith(this.words.alert_levels[1]) ? this.words.alert_levels[1] : this.words.alert_levels[0];
      const limit = Array.from(c[name]);
      const first = limit.find(Number.isFinite);
      const kind = level === this.words.alert_levels[1] ? "control" : level;
      lines.push({ name, values: limit, cls: `mlmon-limit mlmon-${level}-line`, data: { "data-limit": name }, drag: true, title: `${name.replace("_", " ")} (${kind} limit) ${fmt(first, 4)}: drag to move` });
    }
    const selected = this.model.get("selected");
    const alerting = new Set(this.words.alert_levels.map((s) => this.words.severities.indexOf(s)));
    const chart = seriesChart({
      values,
      labels: this.labels,
      width: W,
      height: H,
      ciLow: Array.from(c.ci_low),
      ciHigh: Array.from(c.ci_high),
      lines,
      bands,
      cls: "mlmon-cc",
      points: {
        r: (i) => (alerting.has(c.severity[i]) ? 4 : 2.6),
        cls: (i) => `mlmon-point mlmon-sev-${c.severity[i]}${c.status[i] === pending ? " mlmon-unscored" : ""}${selected && selected.metric === panel.metric && selected.window === i ? " mlmon-point-selected" : ""}`,
        data: (i) => ({ "data-window": i, "data-severity": this.words.severity(c.severity[i]) ?? "", tabindex: -1 }),
      },
    });
    // Run-rule violations: bit r - 1 of c.rules[i] is Nelson rule r; rule_notes say what it means.
    const byWindow = new Map();
    for (let i = 0; i < n; i++) {
      if (!c.rules[i]) continue;
      const list = [];
      for (let r = 1; r <= 8; r++) if (c.rules[i] & (1 << (r - 1))) list.push({ rule: r, description: panel.rule_notes?.[r] ?? "" });
      byWindow.set(i, list);
    }
    for (const [i, dot] of chart.points) {
      dot.addEventListener("mouseenter", (event) => this.tip.show(event, this.describe(panel, c, i, byWindow.get(i))));
      dot.addEventListener("mouseleave", () => this.tip.hide());
      dot.addEventListener("click", () => this.save({ selected: { metric: panel.metric, window: i } }));
    }
    // Run-rule violations: a marker above the point; change points: a vertical line.
    for (const [i, list] of byWindow) {
      if (!Number.isFinite(values[i])) continue;
      const y = Math.max(chart.top + 2, chart.sy(values[i]) - 10);
      const marker = svg("path", { d: `M${chart.sx(i) - 4},${y - 6}h8l-4,6z`, class: "mlmon-violation", "data-violation": i });
      marker.addEventListener("mouseenter", (event) => this.tip.show(event, list.map((x) => `Nelson rule ${x.rule}: ${x.description}`)));
      marker.addEventListener("mouseleave", () => this.tip.hide());
      chart.root.appendChild(marker);
    }
    for (const change of this.model.get("_changes")?.points || []) {
      if (change.window < 0 || change.window >= n) continue;
      const x = chart.sx(change.window);
      const line = svg("line", { x1: x, x2: x, y1: chart.top, y2: chart.top + chart.height, class: "mlmon-change", "data-change": change.window });
      line.addEventListener("mouseenter", (event) => this.tip.show(event, [`${this.labels[change.window]}`, change.reason]));
      line.addEventListener("mouseleave", () => this.tip.hide());
      chart.root.appendChild(line);
    }
    const w = W - 50 - 14;
    for (const { name, handle, nodes } of chart.handles) {
      dragVertically(chart.root, handle, nodes, ({ dy, x }) => {
        const window = Math.max(0, Math.min(n - 1, Math.round(((x - 50) / w) * (n - 1))));
        const value = c[name][window] - (dy / chart.height) * (chart.hi - chart.lo);
        if (!Number.isFinite(value)) return;
        this.ask({ kind: "move_limit", metric: panel.metric, which: name, value: Number(value.toPrecision(6)), window });
      });
    }
    return chart.root;
  }

  describe(panel, c, i, violations) {
    const lines = [`${this.labels[i]} · ${panel.label || panel.metric} ${fmt(c.value[i], 4)}`];
    if (Number.isFinite(c.ci_low[i]) && Number.isFinite(c.ci_high[i])) lines.push(`95% interval ${fmt(c.ci_low[i], 4)} – ${fmt(c.ci_high[i], 4)}`);
    if (!c.n[i]) lines.push("no rows in this window");
    else lines.push(`${fmt(c.n[i], 6)} rows${panel.labelled ? `, label coverage ${fmt(100 * (c.coverage[i] || 0), 3)}%` : ""} · ${this.words.status_labels[this.words.statuses[c.status[i]]]}`);
    const severity = this.words.severity(c.severity[i]);
    const shown = severity === this.words.insufficient ? "not judged" : severity;
    lines.push(`alert: ${shown}${c.reason[i] ? ` (${c.reason[i]})` : ""}`);
    for (const v of violations || []) lines.push(`Nelson rule ${v.rule}: ${v.description}`);
    for (const change of this.model.get("_changes")?.points || []) if (change.window === i) lines.push(change.reason);
    return lines;
  }
}

export default {
  initialize({ model }) {
    tablesOf(model); // one store per model, patched even while no view shows it
  },
  render({ model, el: root }) {
    try {
      const view = new ControlChartView(model, root);
      return () => view.dispose();
    } catch (err) {
      root.replaceChildren();
      const box = document.createElement("div");
      box.className = "mlmon-error mlmon-error-visible";
      box.textContent = `ControlChart could not render: ${err && err.message ? err.message : err}`;
      root.appendChild(box);
      throw err;
    }
  },
};

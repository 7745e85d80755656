// ControlChart front end: one SVG panel per metric (points, interval, centre, warning and
// control limits, pending windows shaded, run-rule violations and change points marked).
// Python computes every number; this file draws and reports what the user does: a dragged
// limit (a message), a typed rule, a detector setting, a segment, a clicked point (traits).
import { el, fmt, svg } from "./lib/dom.js";
import { installStyle } from "./lib/style.js";
import { errorArea } from "./lib/errors.js";

const W = 760;
const H = 210;
const M = { top: 14, right: 16, bottom: 30, left: 56 };
const LIMITS = ["lower_critical", "lower_warning", "upper_warning", "upper_critical"];
const SEVERITY_NAMES = ["ok", "warning", "critical", "not judged"];
const STATUS_NAMES = ["scored", "labels pending", "too few labelled rows"];
const DETECTOR_PARAMS = { adwin: [["delta", 0.002]], page_hinkley: [["threshold", 50], ["delta", 0.005]] };

class ControlChartView {
  constructor(model, root) {
    const started = performance.now();
    this.model = model;
    this.root = root;
    this.renders = 0;
    this.patches = 0;
    this.load();
    this.build();
    this.drawAll();
    root.dataset.renderMs = (performance.now() - started).toFixed(1);
    root.dataset.ready = "1";
  }

  load() {
    this.loads = (this.loads || 0) + 1;
    this.root.dataset.loads = String(this.loads);
    this.readModel();
  }

  readModel() {
    // The model holds the state (patches are applied to it too), so every view of the
    // widget and the notebook's saved state show the same thing.
    this.windows = this.model.get("_windows");
    this.panels = this.model.get("_panels");
    this.changes = this.model.get("_changes");
  }

  /** Redraw once after a burst of model changes (one message may change several traits). */
  schedule(toolbar = false) {
    this.toolbarDirty = this.toolbarDirty || toolbar;
    if (this.pending) return;
    this.pending = true;
    queueMicrotask(() => {
      this.pending = false;
      this.readModel();
      if (this.toolbarDirty) this.buildToolbar();
      this.toolbarDirty = false;
      this.drawAll();
    });
  }

  // ------------------------------------------------------------------ DOM
  build() {
    const root = this.root;
    root.classList.add("mlmon-widget", "mlmon-control");
    // Keys typed in the widget are ours: JupyterLab's notebook shortcuts must not act on them.
    root.dataset.lmSuppressShortcuts = "true";
    root.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.target instanceof HTMLInputElement) event.target.blur();
    });
    installStyle(root);
    this.toolbar = el("div", "mlmon-toolbar");
    this.body = el("div", "mlmon-panels");
    this.tooltip = el("div", "mlmon-tooltip");
    this.error = errorArea(this.model);
    root.append(this.error, this.toolbar, this.body, this.tooltip);
    this.buildToolbar();
    this.handlers = [];
    const listen = (event, fn) => { this.model.on(event, fn); this.handlers.push([event, fn]); };
    for (const name of ["segment", "detector", "_segments", "_available", "metrics"]) {
      listen(`change:${name}`, () => this.buildToolbar());
    }
    for (const name of ["_panels", "_windows", "selected", "rules"]) listen(`change:${name}`, () => this.schedule());
    listen("change:_changes", () => this.schedule(true));
    listen("msg:custom", (msg) => this.onMessage(msg));
  }

  dispose() {
    this.error.dispose();
    for (const [event, fn] of this.handlers) this.model.off(event, fn);
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
      label.append(box, document.createTextNode(m));
      metrics.appendChild(label);
    }
    const more = el("details", "mlmon-more");
    more.open = this.metricsOpen || false;
    more.addEventListener("toggle", () => { this.metricsOpen = more.open; });
    more.append(el("summary", null, `metrics (${shown.size})`), metrics);
    bar.appendChild(more);
    bar.appendChild(this.detectorControls());
  }

  detectorControls() {
    const spec = this.model.get("detector") || { kind: "off" };
    const box = el("span", "mlmon-detector");
    const kind = el("select", "mlmon-detector-kind");
    kind.setAttribute("aria-label", "detector");
    for (const [value, text] of [["adwin", "ADWIN"], ["page_hinkley", "Page-Hinkley"], ["off", "no detector"]]) {
      const option = el("option", null, text);
      option.value = value;
      kind.appendChild(option);
    }
    kind.value = spec.kind;
    kind.addEventListener("change", () => {
      const params = Object.fromEntries(DETECTOR_PARAMS[kind.value] || []);
      this.save({ detector: { kind: kind.value, ...params } });
    });
    box.append(el("span", null, "detector"), kind);
    for (const [name] of DETECTOR_PARAMS[spec.kind] || []) {
      const input = document.createElement("input");
      input.type = "number";
      input.step = "any";
      input.className = "mlmon-param";
      input.dataset.param = name;
      input.value = String(spec[name]);
      input.setAttribute("aria-label", `detector ${name}`);
      input.addEventListener("change", () => {
        const value = Number(input.value);
        if (Number.isFinite(value)) this.save({ detector: { ...this.model.get("detector"), [name]: value } });
      });
      box.append(el("span", null, name), input);
    }
    box.appendChild(el("span", "mlmon-hint mlmon-detector-note", this.changes?.note || ""));
    return box;
  }

  save(values) {
    for (const [k, v] of Object.entries(values)) this.model.set(k, v);
    this.model.save_changes();
  }

  onMessage(msg) {
    if (msg.type === "reload") {
      this.load();
      this.buildToolbar();
      this.drawAll();
      return;
    }
    if (msg.type === "redraw") {
      this.drawAll();
      return;
    }
    if (msg.type === "panels") {
      const panels = this.model.get("_panels").slice();
      for (const [i, panel] of Object.entries(msg.panels)) panels[Number(i)] = panel;
      this.store({ _panels: panels });
      return;
    }
    if (msg.type !== "patch") return;
    const first = msg.first;
    const windows = {};
    const old = this.model.get("_windows");
    for (const key of Object.keys(old)) windows[key] = old[key].slice(0, first).concat(msg.windows[key]);
    const before = this.model.get("_panels");
    const panels = msg.panels.map((patch, i) => {
      const prior = before[i] || {};
      const out = {};
      for (const [key, value] of Object.entries(patch)) {
        if (key === "violations") out[key] = (prior[key] || []).filter((v) => v.window < first).concat(value);
        else out[key] = Array.isArray(value) && Array.isArray(prior[key]) ? prior[key].slice(0, first).concat(value) : value;
      }
      return out;
    });
    this.store({ _windows: windows, _panels: panels, _changes: msg.changes });
  }

  /**
   * Put patched values into the model's own objects, in place: every view and the saved
   * notebook see them, and (unlike model.set) they are not queued to be sent back to the
   * kernel with the next edit. Applying a patch twice (one per view) gives the same state.
   */
  store(values) {
    for (const [key, value] of Object.entries(values)) {
      const target = this.model.get(key);
      if (Array.isArray(target)) target.splice(0, target.length, ...value);
      else {
        for (const k of Object.keys(target)) delete target[k];
        Object.assign(target, value);
      }
    }
    this.patches += 1;
    this.root.dataset.patches = String(this.patches);
    this.readModel();
    this.buildToolbar();
    this.drawAll();
  }

  // ------------------------------------------------------------------ panels
  drawAll() {
    this.renders += 1;
    this.root.dataset.renders = String(this.renders);
    this.root.dataset.panels = String(this.panels.length);
    this.root.dataset.windows = String(this.windows.label.length);
    const nodes = this.panels.map((panel) => this.drawPanel(panel));
    this.body.replaceChildren(...nodes);
  }

  drawPanel(panel) {
    const box = el("div", "mlmon-panel");
    box.dataset.metric = panel.metric;
    const head = el("div", "mlmon-panel-head");
    head.appendChild(el("strong", null, panel.metric));
    const bt = panel.backtest;
    if (bt) {
      const text = `${bt.critical} critical, ${bt.warning} warning window(s)` + (bt.in_baseline ? `; ${bt.in_baseline} in the baseline period` : "");
      const summary = el("span", "mlmon-hint mlmon-backtest", ` · ${text}`);
      summary.dataset.critical = String(bt.critical);
      summary.dataset.warning = String(bt.warning);
      head.appendChild(summary);
    }
    box.appendChild(head);
    if (panel.note) box.appendChild(el("div", "mlmon-hint mlmon-note", panel.note));
    if (panel.rule) box.appendChild(this.ruleEditor(panel));
    box.appendChild(this.chart(panel));
    return box;
  }

  ruleEditor(panel) {
    const rule = panel.rule;
    const row = el("div", "mlmon-rule");
    const side = el("select", "mlmon-side");
    side.setAttribute("aria-label", `${panel.metric} alerting side`);
    for (const [value, text] of [["lower", "alert when low"], ["upper", "alert when high"], ["both", "alert both ways"]]) {
      const option = el("option", null, text);
      option.value = value;
      side.appendChild(option);
    }
    side.value = rule.side;
    const number = (value, label, step, data) => {
      const input = document.createElement("input");
      input.type = "number";
      input.step = step;
      input.min = "0";
      input.value = value === undefined || value === null ? "" : String(Number(Number(value).toPrecision(4)));
      Object.assign(input.dataset, data);
      input.setAttribute("aria-label", label);
      return input;
    };
    const inputs = {};
    for (const name of ["warning", "critical"]) {
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
      warning: number(rel ? 100 * rel.warning : 5, `${panel.metric} relative warning in percent`, "1", { relative: "warning" }),
      critical: number(rel ? 100 * rel.critical : 10, `${panel.metric} relative critical in percent`, "1", { relative: "critical" }),
    };
    for (const input of Object.values(relative)) input.disabled = !rel;
    const apply = () => {
      const next = { ...rule, side: side.value, warning: Number(inputs.warning.value), critical: Number(inputs.critical.value) };
      delete next.relative;
      if (relOn.checked) {
        next.relative = {
          lag: Math.round(Number(relative.lag.value)),
          warning: Number(relative.warning.value) / 100,
          critical: Number(relative.critical.value) / 100,
        };
      }
      this.save({ rules: { ...this.model.get("rules"), [panel.metric]: next } });
    };
    for (const input of [side, inputs.warning, inputs.critical, relOn, ...Object.values(relative)]) {
      input.addEventListener("change", apply);
    }
    const relLabel = el("label", "mlmon-check");
    relLabel.append(relOn, document.createTextNode("vs"));
    row.append(side, el("span", null, "warning"), inputs.warning, el("span", null, "σ, control"), inputs.critical,
      el("span", "mlmon-hint", `σ · centre ${fmt(rule.centre, 4)}, σ ${fmt(rule.sigma, 3)}${rule.seasonal ? `, season of ${rule.seasonal.length}` : ""}`),
      relLabel, relative.lag, el("span", null, "windows ago: warning"), relative.warning, el("span", null, "%, critical"), relative.critical, el("span", null, "%"));
    return row;
  }

  chart(panel) {
    const n = panel.values.length;
    const w = W - M.left - M.right;
    const h = H - M.top - M.bottom;
    const all = [];
    for (const key of ["values", "ci_low", "ci_high", "centre", ...LIMITS]) {
      for (const v of panel[key] || []) if (v !== null && Number.isFinite(v)) all.push(v);
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of all) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!all.length) { lo = 0; hi = 1; }
    if (hi - lo < 1e-12) { lo -= 0.5; hi += 0.5; }
    const pad = (hi - lo) * 0.06;
    lo -= pad;
    hi += pad;
    const sx = (i) => M.left + (n > 1 ? (i / (n - 1)) * w : w / 2);
    const sy = (v) => M.top + h - ((v - lo) / (hi - lo)) * h;
    const step = n > 1 ? w / (n - 1) : w;
    const root = svg("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "mlmon-chart mlmon-cc" });
    // Baseline period and pending windows behind everything.
    if (panel.baseline > 0) {
      const x1 = Math.min(M.left + w, sx(Math.min(panel.baseline, n) - 1) + step / 2);
      const band = svg("rect", { x: M.left, y: M.top, width: Math.max(0, x1 - M.left), height: h, class: "mlmon-baseline" });
      band.appendChild(svg("title", {}, `baseline: the first ${panel.baseline} windows set the centre and sigma`));
      root.appendChild(band);
    }
    if (panel.labelled) {
      panel.status.forEach((s, i) => {
        if (s !== 1) return;
        const x0 = Math.max(M.left, sx(i) - step / 2);
        const x1 = Math.min(M.left + w, sx(i) + step / 2);
        const rect = svg("rect", { x: x0, y: M.top, width: Math.max(1, x1 - x0), height: h, class: "mlmon-pending", "data-pending": i });
        rect.appendChild(svg("title", {}, `${this.windows.label[i]}: labels pending (coverage ${fmt(100 * (panel.coverage[i] ?? 0), 3)}%), not scored`));
        root.appendChild(rect);
      });
    }
    // Axes.
    for (const v of [lo + pad, (lo + hi) / 2, hi - pad]) {
      root.appendChild(svg("line", { x1: M.left - 3, x2: M.left + w, y1: sy(v), y2: sy(v), class: "mlmon-grid" }));
      root.appendChild(svg("text", { x: M.left - 5, y: sy(v) + 3, "text-anchor": "end", class: "mlmon-tick" }, fmt(v, 3)));
    }
    const labels = this.windows.label;
    const ticks = n <= 1 ? [0] : [0, Math.floor((n - 1) / 2), n - 1];
    for (const i of ticks) {
      if (i >= labels.length) continue;
      root.appendChild(svg("text", { x: sx(i), y: H - 10, "text-anchor": i === 0 ? "start" : i === n - 1 ? "end" : "middle", class: "mlmon-tick" }, labels[i]));
    }
    // Confidence intervals.
    for (let i = 0; i < n; i++) {
      const a = panel.ci_low[i];
      const b = panel.ci_high[i];
      if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b)) continue;
      root.appendChild(svg("line", { x1: sx(i), x2: sx(i), y1: sy(a), y2: sy(b), class: "mlmon-ci" }));
    }
    // Centre and limits: step paths (they follow a seasonal pattern), each with a drag handle.
    const pathOf = (values) => {
      let d = "";
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === null || !Number.isFinite(v)) continue;
        d += `${d ? "L" : "M"}${sx(i) - (i === 0 ? 0 : step / 2)},${sy(v)}H${sx(i) + (i === n - 1 ? 0 : step / 2)}`;
      }
      return d;
    };
    if (panel.centre) root.appendChild(svg("path", { d: pathOf(panel.centre), class: "mlmon-centre", "data-line": "centre" }));
    const handles = [];
    for (const name of LIMITS) {
      const values = panel[name];
      if (!values || !values.some((v) => v !== null && Number.isFinite(v))) continue;
      const d = pathOf(values);
      const line = svg("path", { d, class: `mlmon-limit mlmon-${name.endsWith("critical") ? "critical" : "warning"}-line`, "data-limit": name });
      root.appendChild(line);
      handles.push([name, d, line, values]);
    }
    // Handles over the lines, control limits last: on top where the two lines are close.
    handles.sort((a, b) => Number(a[0].endsWith("critical")) - Number(b[0].endsWith("critical")));
    for (const [name, d, line, values] of handles) {
      const level = name.endsWith("critical") ? "control" : "warning";
      const handle = svg("path", { d, class: "mlmon-threshold-handle", "data-handle": name });
      const first = values.find((v) => v !== null && Number.isFinite(v));
      handle.appendChild(svg("title", {}, `${name.replace("_", " ")} (${level} limit) ${fmt(first, 4)}: drag to move`));
      root.appendChild(handle);
      this.enableDrag(root, handle, line, panel, name, { sy, lo, hi, h, sx, n });
    }
    // The series and its points, coloured by the alert they raise.
    let d = "";
    for (let i = 0; i < n; i++) {
      const v = panel.values[i];
      if (v === null || !Number.isFinite(v)) continue;
      const prev = i > 0 ? panel.values[i - 1] : null;
      d += `${d && prev !== null && Number.isFinite(prev) ? "L" : "M"}${sx(i)},${sy(v)}`;
    }
    root.appendChild(svg("path", { d, class: "mlmon-series" }));
    const selected = this.model.get("selected");
    const byWindow = new Map();
    for (const v of panel.violations) {
      if (!byWindow.has(v.window)) byWindow.set(v.window, []);
      byWindow.get(v.window).push(v);
    }
    for (let i = 0; i < n; i++) {
      const v = panel.values[i];
      if (v === null || !Number.isFinite(v)) continue;
      const sev = panel.severity[i];
      const dot = svg("circle", {
        cx: sx(i), cy: sy(v), r: sev === 1 || sev === 2 ? 4 : 2.6,
        class: `mlmon-point mlmon-sev-${sev}${panel.status[i] === 1 ? " mlmon-unscored" : ""}`,
        "data-window": i, "data-severity": SEVERITY_NAMES[sev] || "",
        tabindex: -1,
      });
      if (selected && selected.metric === panel.metric && selected.window === i) dot.classList.add("mlmon-point-selected");
      dot.addEventListener("mouseenter", (event) => this.showTip(event, this.describe(panel, i, byWindow.get(i))));
      dot.addEventListener("mouseleave", () => this.hideTip());
      dot.addEventListener("click", () => this.save({ selected: { metric: panel.metric, window: i } }));
      root.appendChild(dot);
    }
    // Run-rule violations: a marker above the point; change points: a vertical line.
    for (const [i, list] of byWindow) {
      const v = panel.values[i];
      if (v === null || !Number.isFinite(v)) continue;
      const y = Math.max(M.top + 2, sy(v) - 10);
      const marker = svg("path", { d: `M${sx(i) - 4},${y - 6}h8l-4,6z`, class: "mlmon-violation", "data-violation": i });
      marker.addEventListener("mouseenter", (event) => this.showTip(event, list.map((x) => `Nelson rule ${x.rule}: ${x.description}`)));
      marker.addEventListener("mouseleave", () => this.hideTip());
      root.appendChild(marker);
    }
    for (const c of this.changes?.points || []) {
      if (c.window < 0 || c.window >= n) continue;
      const line = svg("line", { x1: sx(c.window), x2: sx(c.window), y1: M.top, y2: M.top + h, class: "mlmon-change", "data-change": c.window });
      line.addEventListener("mouseenter", (event) => this.showTip(event, [`${labels[c.window]}`, c.reason]));
      line.addEventListener("mouseleave", () => this.hideTip());
      root.appendChild(line);
    }
    return root;
  }

  describe(panel, i, violations) {
    const lines = [`${this.windows.label[i]} · ${panel.metric} ${fmt(panel.values[i], 4)}`];
    const a = panel.ci_low[i];
    const b = panel.ci_high[i];
    if (a !== null && b !== null && Number.isFinite(a)) lines.push(`95% interval ${fmt(a, 4)} – ${fmt(b, 4)}`);
    if (!panel.n[i]) lines.push("no rows in this window");
    else lines.push(`${fmt(panel.n[i], 6)} rows${panel.labelled ? `, label coverage ${fmt(100 * (panel.coverage[i] ?? 0), 3)}%` : ""} · ${STATUS_NAMES[panel.status[i]]}`);
    const sev = panel.severity[i];
    lines.push(`alert: ${SEVERITY_NAMES[sev]}${panel.reasons[i] ? ` (${panel.reasons[i]})` : ""}`);
    for (const v of violations || []) lines.push(`Nelson rule ${v.rule}: ${v.description}`);
    for (const c of this.changes?.points || []) if (c.window === i) lines.push(c.reason);
    return lines;
  }

  showTip(event, lines) {
    const tip = this.tooltip;
    tip.replaceChildren(...lines.map((line) => el("div", null, line)));
    const box = this.root.getBoundingClientRect();
    tip.style.left = `${event.clientX - box.left + 12}px`;
    tip.style.top = `${event.clientY - box.top + 12}px`;
    tip.style.display = "block";
  }

  hideTip() {
    this.tooltip.style.display = "none";
  }

  enableDrag(root, handle, line, panel, name, geo) {
    handle.addEventListener("pointerdown", (event) => {
      handle.setPointerCapture(event.pointerId);
      const box = root.getBoundingClientRect();
      const scale = root.viewBox.baseVal.height / box.height;
      const startY = (event.clientY - box.top) * scale;
      const startX = (event.clientX - box.left) * (root.viewBox.baseVal.width / box.width);
      const window = Math.max(0, Math.min(geo.n - 1, Math.round(((startX - M.left) / (W - M.left - M.right)) * (geo.n - 1))));
      let dy = 0;
      const move = (e) => {
        dy = (e.clientY - box.top) * scale - startY;
        for (const node of [handle, line]) node.setAttribute("transform", `translate(0 ${dy})`);
      };
      const cancel = () => {
        handle.removeEventListener("pointermove", move);
        handle.removeEventListener("pointerup", up);
        handle.removeEventListener("pointercancel", cancel);
        for (const node of [handle, line]) node.removeAttribute("transform");
      };
      const up = () => {
        handle.removeEventListener("pointermove", move);
        handle.removeEventListener("pointerup", up);
        handle.removeEventListener("pointercancel", cancel);
        const base = panel[name][window];
        const value = base - (dy / geo.h) * (geo.hi - geo.lo);
        if (Math.abs(dy) < 1 || !Number.isFinite(value)) {
          for (const node of [handle, line]) node.removeAttribute("transform");
          return;
        }
        this.model.send({ type: "limit", metric: panel.metric, which: name, value: Number(value.toPrecision(6)), window });
      };
      handle.addEventListener("pointermove", move);
      handle.addEventListener("pointerup", up);
      handle.addEventListener("pointercancel", cancel);
      event.preventDefault();
    });
  }
}

function render({ model, el: root }) {
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
}

export default { render };

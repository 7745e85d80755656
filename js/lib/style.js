// Styles of all widgets, scoped under .mlmon-widget; JupyterLab's --jp-* variables make
// light and dark themes work, with fallbacks for a static HTML export.
const CSS = `
.mlmon-widget { --mlmon-fg: var(--jp-ui-font-color1, #1f2328); --mlmon-muted: var(--jp-ui-font-color2, #57606a);
  --mlmon-bg: var(--jp-layout-color1, #ffffff); --mlmon-border: var(--jp-border-color2, #d0d7de);
  --mlmon-accent: var(--jp-brand-color1, #4477AA); --mlmon-error-bg: var(--jp-error-color3, #ffebe9);
  --mlmon-error-fg: var(--jp-error-color0, #82071e);
  color: var(--mlmon-fg); background: var(--mlmon-bg); font-family: var(--jp-ui-font-family, system-ui, sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); position: relative; }
.mlmon-toolbar { display: flex; gap: 12px; align-items: center; margin: 4px 0; flex-wrap: wrap; }
.mlmon-control .mlmon-toolbar { flex-wrap: nowrap; white-space: nowrap; gap: 8px; }
.mlmon-control .mlmon-toolbar select { max-width: 9em; text-overflow: ellipsis; }
.mlmon-status { color: var(--mlmon-muted); font-size: 11px; margin: 0 0 4px; min-height: 14px; }
.mlmon-toolbar select, .mlmon-toolbar input { color: var(--mlmon-fg); background: var(--mlmon-bg);
  border: 1px solid var(--mlmon-border); border-radius: 3px; padding: 2px 4px; font: inherit; }
.mlmon-count, .mlmon-hint { color: var(--mlmon-muted); }
.mlmon-legend { display: flex; gap: 12px; align-items: center; margin: 4px 0; flex-wrap: wrap; }
.mlmon-legend-item { display: inline-flex; gap: 4px; align-items: center; }
.mlmon-swatch { display: inline-block; width: 12px; height: 12px; border: 1px solid var(--mlmon-border); }
.mlmon-gradient { display: inline-block; width: 120px; height: 10px; border: 1px solid var(--mlmon-border); }
.mlmon-hatched { background: repeating-linear-gradient(135deg, transparent 0 3px, #888 3px 4px); }
.mlmon-error { display: none; }
.mlmon-error-visible { display: block; white-space: pre-wrap; background: var(--mlmon-error-bg);
  color: var(--mlmon-error-fg); padding: 6px 8px; border-radius: 3px; margin: 4px 0; }
.mlmon-scroll { overflow: auto; max-height: 460px; border: 1px solid var(--mlmon-border); outline: none; }
.mlmon-scroll:focus-visible { box-shadow: 0 0 0 2px var(--mlmon-accent); }
.mlmon-table { display: grid; grid-template-columns: 170px max-content; }
.mlmon-corner { position: sticky; top: 0; left: 0; z-index: 3; background: var(--mlmon-bg); height: 22px;
  color: var(--mlmon-muted); font-size: 10px; line-height: 22px; padding-left: 4px; }
.mlmon-colhead { position: sticky; top: 0; z-index: 2; background: var(--mlmon-bg); display: block; }
.mlmon-rowlabels { position: sticky; left: 0; z-index: 1; background: var(--mlmon-bg); }
.mlmon-rowlabel { height: 16px; line-height: 16px; width: 166px; padding-left: 4px; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; cursor: pointer; font-size: 11px; }
.mlmon-cellsbox { position: relative; }
.mlmon-cells, .mlmon-overlay { display: block; }
.mlmon-overlay { position: absolute; left: 0; top: 0; cursor: pointer; }
.mlmon-tooltip { display: none; position: absolute; z-index: 10; pointer-events: none; background: var(--mlmon-bg);
  border: 1px solid var(--mlmon-border); padding: 3px 6px; border-radius: 3px; white-space: normal;
  width: max-content; max-width: 420px; box-shadow: 0 1px 4px rgba(0,0,0,0.2); }
.mlmon-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.mlmon-detail { margin-top: 8px; }
.mlmon-detail-title { font-size: 14px; margin-bottom: 2px; }
.mlmon-badge { padding: 0 6px; border-radius: 8px; color: #111; }
.mlmon-reason { color: var(--mlmon-muted); margin-bottom: 6px; }
.mlmon-detail-body { display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-start; }
.mlmon-numbers th { text-align: left; font-weight: normal; color: var(--mlmon-muted); padding-right: 10px; }
.mlmon-numbers td { text-align: right; font-variant-numeric: tabular-nums; }
.mlmon-charts { display: flex; gap: 12px; flex-wrap: wrap; }
.mlmon-chart { overflow: visible; max-width: 100%; height: auto; }
.mlmon-chart-title { font-size: 11px; fill: var(--mlmon-fg); }
.mlmon-tick { font-size: 10px; fill: var(--mlmon-muted); }
.mlmon-axis { stroke: var(--mlmon-muted); }
.mlmon-ref { fill: #4477AA; }
.mlmon-cur { fill: #EE7733; }
.mlmon-ref-line { fill: none; stroke: #4477AA; stroke-width: 1.5; }
.mlmon-cur-line { fill: none; stroke: #EE7733; stroke-width: 1.5; }
.mlmon-gap { stroke: var(--mlmon-fg); stroke-width: 2; stroke-dasharray: 2 2; }
.mlmon-series { fill: none; stroke: var(--mlmon-accent); stroke-width: 1.5; }
.mlmon-warning-line { stroke: var(--mlmon-sev-1); stroke-width: 1.5; stroke-dasharray: 5 3; fill: none; }
.mlmon-critical-line { stroke: var(--mlmon-sev-2); stroke-width: 1.5; stroke-dasharray: 5 3; fill: none; }
.mlmon-threshold-handle { stroke: transparent; stroke-width: 10; cursor: ns-resize; fill: none; }
.mlmon-backtest { color: var(--mlmon-muted); margin: 2px 0 4px; }
.mlmon-season-offer { margin: 2px 0 4px; }
.mlmon-season-switch { margin-left: 8px; white-space: nowrap; }
.mlmon-rule { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
.mlmon-rule input { width: 6em; }
.mlmon-rule input[data-relative] { width: 4em; }
.mlmon-rule input[type=checkbox] { width: auto; }
.mlmon-rule select, .mlmon-rule input, .mlmon-rule button, .mlmon-toolbar button {
  color: var(--mlmon-fg); background: var(--mlmon-bg); border: 1px solid var(--mlmon-border);
  border-radius: 3px; padding: 2px 6px; font: inherit; }
.mlmon-toolbar input.mlmon-alpha { width: 5.5em; }
.mlmon-selected-line { stroke: var(--mlmon-muted); stroke-dasharray: 1 2; }
.mlmon-panel { margin: 6px 0 10px; }
.mlmon-panel-head { font-size: 13px; }
.mlmon-note { font-size: 11px; }
.mlmon-more summary { cursor: pointer; }
.mlmon-more { position: relative; }
.mlmon-metrics { display: flex; flex-direction: column; gap: 2px; position: absolute; z-index: 5; top: 100%; left: 0;
  background: var(--mlmon-bg); border: 1px solid var(--mlmon-border); border-radius: 3px; padding: 4px 8px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.2); }
.mlmon-check { display: inline-flex; gap: 3px; align-items: center; }
.mlmon-detector { display: inline-flex; gap: 6px; align-items: center; flex-wrap: nowrap; }
.mlmon-detector input.mlmon-param { width: 4.5em; }
.mlmon-grid { stroke: var(--mlmon-border); stroke-width: 0.5; }
.mlmon-baseline { fill: var(--mlmon-accent); opacity: 0.06; }
.mlmon-pending { fill: var(--mlmon-muted); opacity: 0.16; }
.mlmon-ci { stroke: var(--mlmon-muted); stroke-width: 1; opacity: 0.6; }
.mlmon-centre { fill: none; stroke: var(--mlmon-muted); stroke-width: 1; }
.mlmon-limit { fill: none; }
.mlmon-cc .mlmon-threshold-handle { fill: none; }
.mlmon-point { fill: #4477AA; stroke: var(--mlmon-bg); stroke-width: 0.8; cursor: pointer; }
.mlmon-sev-1 { fill: var(--mlmon-sev-1); }
.mlmon-sev-2 { fill: var(--mlmon-sev-2); }
.mlmon-sev-3 { fill: var(--mlmon-sev-3); }
.mlmon-point-selected { stroke: var(--mlmon-fg); stroke-width: 2; }
.mlmon-violation { fill: var(--mlmon-fg); cursor: help; }
.mlmon-change { stroke: #AA3377; stroke-width: 2; stroke-dasharray: 4 2; cursor: help; }
.mlmon-segments .mlmon-sev-0 { fill: var(--mlmon-sev-0); }
.mlmon-segments .mlmon-sev-4 { fill: var(--mlmon-sev-4); }
.mlmon-segment-title { font-weight: 600; margin: 8px 0 2px; }
.mlmon-segment-label { fill: var(--mlmon-fg); font-size: 11px; }
.mlmon-axis-label { fill: var(--mlmon-muted); font-size: 10px; }
.mlmon-interval { stroke: var(--mlmon-fg); stroke-width: 1.5; }
.mlmon-value { stroke: var(--mlmon-bg); stroke-width: 1; }
.mlmon-segment-row { cursor: pointer; }
.mlmon-segment-row.mlmon-selected .mlmon-segment-label { font-weight: 700; }
.mlmon-overall-line { stroke: var(--mlmon-fg); stroke-width: 1; stroke-dasharray: 3 2; }
.mlmon-slice { cursor: pointer; padding: 2px 4px; border-left: 3px solid transparent; }
.mlmon-slice:hover { background: var(--mlmon-error-bg, rgba(0,0,0,0.04)); }
.mlmon-slice.mlmon-selected { border-left-color: var(--mlmon-accent); font-weight: 600; }
.mlmon-waterfall .mlmon-up { fill: #BB5566; }
.mlmon-waterfall .mlmon-down { fill: #4477AA; }
.mlmon-waterfall .mlmon-total { fill: var(--mlmon-muted); }
.mlmon-verdict { border-radius: 4px; padding: 6px 10px; margin: 4px 0 8px; border-left: 6px solid var(--mlmon-decision, #888); background: var(--mlmon-bg); }
.mlmon-verdict-title { font-weight: 700; font-size: 14px; }
.mlmon-verdict-reasons { margin: 4px 0 0; padding-left: 18px; }
.mlmon-verdict-reasons li { margin: 1px 0; }
.mlmon-panels { display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-start; }
.mlmon-forest-row text { fill: var(--mlmon-fg); font-size: 11px; }
.mlmon-forest-row.mlmon-worse text.mlmon-forest-label { font-weight: 700; }
.mlmon-margin { stroke: var(--mlmon-fg); stroke-width: 2; stroke-dasharray: 4 2; cursor: ew-resize; }
.mlmon-margin-hit { stroke: transparent; stroke-width: 12; cursor: ew-resize; }
.mlmon-zero { stroke: var(--mlmon-muted); stroke-width: 1; }
.mlmon-gate-editor { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; font-size: 12px; margin: 2px 0; }
.mlmon-gate-editor input[type=number] { width: 6em; }
.mlmon-hist-cell { shape-rendering: crispEdges; }
.mlmon-region { fill: rgba(68, 119, 170, 0.15); stroke: var(--mlmon-accent); stroke-width: 1.5; }
.mlmon-threshold { stroke: var(--mlmon-muted); stroke-dasharray: 3 2; }
`;

/** Add the stylesheet once to the document (or to the root's shadow root, if any). */
export function installStyle(root) {
  const host = root.getRootNode() instanceof ShadowRoot ? root.getRootNode() : document.head;
  if (host.querySelector?.("style[data-mlmon-widgets]")) return;
  const style = document.createElement("style");
  style.dataset.mlmonWidgets = "1";
  style.textContent = CSS;
  host.appendChild(style);
}

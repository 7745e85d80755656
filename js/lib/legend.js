// Legends: severity swatches (from the vocabulary) and a sequential scale.
import { sequentialGradient } from "./colors.js";
import { el } from "./dom.js";
import { shortNumber } from "./format.js";

/** One swatch per severity (hatched for too few rows), labelled as the vocabulary says. */
export function severityLegend(words, { hatched = [] } = {}) {
  return (words.severities || []).map((name) => {
    const item = el("span", "mlmon-legend-item");
    const swatch = el("span", `mlmon-swatch${hatched.includes(name) ? " mlmon-hatched" : ""}`);
    if (!hatched.includes(name)) swatch.style.background = words.severity_colours[name];
    item.append(swatch, el("span", null, words.severity_labels[name]));
    item.dataset.severity = name;
    return item;
  });
}

/** The sequential scale from 0 to `top`, and a hatched swatch for `noData`. */
export function gradientLegend(top, label, noData) {
  const item = el("span", "mlmon-legend-item");
  const bar = el("span", "mlmon-gradient");
  bar.style.background = sequentialGradient();
  item.append(el("span", null, "0"), bar, el("span", null, `≥ ${shortNumber(top)} ${label}`));
  const none = el("span", "mlmon-legend-item");
  none.append(el("span", "mlmon-swatch mlmon-hatched"), el("span", null, noData));
  return [item, none];
}

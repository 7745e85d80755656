// Seasonal comparison in a drift view: the offer for features whose reference follows the
// view's seasonality, and the per-feature switch. Python finds the features and says the
// words (the `_seasonality` trait); this only draws and reports the user's choice.
import { el } from "./dom.js";

/** One line per offered feature not yet compared by phase, with a button that accepts. */
export function drawSeasonalOffers(box, info, seasonal, onAccept) {
  const hints = info?.hints || {};
  const pending = Object.keys(hints).filter((f) => !seasonal.includes(f));
  box.replaceChildren();
  box.dataset.offers = String(pending.length);
  for (const feature of pending) {
    const line = el("div", "mlmon-season-offer");
    line.append(el("span", null, `${feature} looks ${info.label}: compare by ${info.seasonality}? `));
    const accept = el("button", "mlmon-season-accept", `compare by ${info.seasonality}`);
    accept.dataset.feature = feature;
    accept.title = hints[feature];
    accept.addEventListener("click", () => onAccept([...seasonal, feature]));
    line.appendChild(accept);
    box.appendChild(line);
  }
}

/** A checkbox: compare this feature by phase, or with the whole reference. */
export function seasonalSwitch(feature, info, seasonal, onChange) {
  if (!info?.seasonality) return null;
  const label = el("label", "mlmon-season-switch");
  const box = el("input");
  box.type = "checkbox";
  box.checked = seasonal.includes(feature);
  box.addEventListener("change", () => {
    const others = seasonal.filter((f) => f !== feature);
    onChange(box.checked ? [...others, feature] : others);
  });
  label.append(box, el("span", null, ` compare by ${info.seasonality}`));
  return label;
}

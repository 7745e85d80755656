// DOM helpers. Text from data (feature names, categories) is always set with
// textContent, never parsed as HTML.

/** Create an element with a class and optional text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** Create an SVG element with attributes. */
export function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** Read a CSS custom property from the widget root, with a fallback. */
export function cssVar(node, name, fallback) {
  const value = getComputedStyle(node).getPropertyValue(name).trim();
  return value || fallback;
}

/**
 * Keys typed in the widget are ours: JupyterLab's notebook shortcuts (Enter, arrows, ...) must
 * not act on them, and Enter in a field commits it (blur fires its change event).
 */
export function keepKeys(root) {
  root.dataset.lmSuppressShortcuts = "true";
  root.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target instanceof HTMLInputElement) event.target.blur();
  });
}

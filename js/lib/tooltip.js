// The one tooltip of every widget: text lines (never HTML), kept inside the output area.
import { el } from "./dom.js";

/** A tooltip for `root`: show(event, lines) and hide(). */
export function tooltip(root) {
  const tip = el("div", "mlmon-tooltip");
  tip.setAttribute("role", "tooltip");
  root.appendChild(tip);
  const area = () => root.closest(".jp-OutputArea-output, .output_subarea, .cell-output-ipywidget-background") || root;
  return {
    node: tip,
    show(event, lines) {
      tip.replaceChildren(...[].concat(lines).map((line) => el("div", null, line)));
      tip.style.display = "block";
      const box = root.getBoundingClientRect();
      const bounds = area().getBoundingClientRect();
      const width = tip.offsetWidth;
      const height = tip.offsetHeight;
      let x = event.clientX + 12;
      let y = event.clientY + 12;
      // Flip to the other side of the pointer at an edge, then clamp inside the area.
      if (x + width > bounds.right) x = event.clientX - 12 - width;
      if (y + height > bounds.bottom && event.clientY - 12 - height >= bounds.top) y = event.clientY - 12 - height;
      x = Math.max(bounds.left, Math.min(x, bounds.right - width));
      tip.style.maxWidth = `${Math.max(120, bounds.width)}px`;
      tip.style.left = `${x - box.left}px`;
      tip.style.top = `${y - box.top}px`;
    },
    hide() {
      tip.style.display = "none";
    },
  };
}

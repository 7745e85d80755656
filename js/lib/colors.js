// Rendering scales: Tol's colour-blind-safe sequential palette and a hatch for no data.
// (Severity colours are vocabulary: they come from Python, see vocabulary.js.)

/** Cells without statistics (a window before a feature existed). */
export const NO_DATA = 255;

// Tol's sequential "YlOrBr" (colour-blind safe, monotone in lightness).
const SEQUENTIAL = [
  "#FFFFE5", "#FFF7BC", "#FEE391", "#FEC44F", "#FB9A29", "#EC7014", "#CC4C02", "#993404", "#662506",
];

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
const STOPS = SEQUENTIAL.map(hexToRgb);

/** Colour of a value in [0, max] on the sequential scale (clipped). */
export function sequential(value, max) {
  const t = Math.max(0, Math.min(1, value / max)) * (STOPS.length - 1);
  const i = Math.min(Math.floor(t), STOPS.length - 2);
  const f = t - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  const c = a.map((v, k) => Math.round(v + (b[k] - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** CSS gradient of the sequential scale, for legends. */
export function sequentialGradient() {
  return `linear-gradient(to right, ${SEQUENTIAL.join(", ")})`;
}

/** A canvas pattern of diagonal stripes for cells without data. */
export function hatch(ctx, color) {
  const tile = document.createElement("canvas");
  tile.width = 6;
  tile.height = 6;
  const t = tile.getContext("2d");
  t.strokeStyle = color;
  t.lineWidth = 1;
  t.beginPath();
  t.moveTo(0, 6);
  t.lineTo(6, 0);
  t.stroke();
  return ctx.createPattern(tile, "repeat");
}

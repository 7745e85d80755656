// Numbers for people: a few significant digits, compact thousands, round axis ticks.

/** A number in about six characters (as engine short_number): 26.8k, 0.5, 1.23M, 1.2e-4. */
export function shortNumber(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  const size = Math.abs(value);
  for (const [scale, suffix] of [[1e9, "G"], [1e6, "M"], [1e4, "k"]]) {
    if (size >= scale) return `${Number((value / (suffix === "k" ? 1e3 : scale)).toPrecision(3))}${suffix}`;
  }
  if (size === 0 || size >= 1e-3) return String(Number(value.toPrecision(3)));
  return value.toExponential(1);
}

/** Format a number with `digits` significant digits (NaN as an em dash). */
export function fmt(value, digits = 3) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return shortNumber(value);
  return Number(value.toPrecision(digits)).toString();
}

/**
 * About `count` round ticks covering [lo, hi]: steps of 1, 2, 2.5 or 5 times a power of ten,
 * each tick a multiple of the step (0.75, 0.8, 0.85 rather than 0.766, 0.812).
 */
export function niceTicks(lo, hi, count = 4) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(count, 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks = [];
  const first = Math.ceil(lo / step - 1e-9);
  for (let k = first; k * step <= hi + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** Tick labels with just the decimals the step needs. */
export function tickLabels(ticks) {
  if (ticks.length < 2) return ticks.map((t) => shortNumber(t));
  const step = Math.abs(ticks[1] - ticks[0]);
  if (Math.max(...ticks.map(Math.abs)) >= 1e4) return ticks.map((t) => shortNumber(t));
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9) + (String(step).includes("25") ? 1 : 0)));
  return ticks.map((t) => t.toFixed(decimals));
}

// Medians and ranges over repeated runs: the machine is shared and noisy, so
// results are reported as ratios between systems measured in the same run.
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

export async function repeat(times, fn) {
  const values = [];
  for (let i = 0; i < times; i++) values.push(await fn(i));
  return values;
}

export const fmt = (x, digits = 0) => Number(x).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const fmtSummary = (s, digits = 0) => `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;

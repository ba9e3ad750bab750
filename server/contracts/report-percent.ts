/**
 * A share as a percentage with one decimal, rounded half up, the one rule of the hub report's
 * page and CSV: 23 of 2000 (1.15 %) read 1.2 in the CSV and 1.1% on the page (toFixed reads the
 * binary 1.1499… it is stored as). 1000 × ratio is read to 12 significant digits before rounding,
 * so a half stored a hair below itself still rounds up.
 */
export function percentOf(ratio: number | null): number | null {
  if (ratio === null) return null;
  return Math.round(Number((1000 * ratio).toPrecision(12))) / 10;
}

/** `part` of `whole` as `percentOf` rounds it; null when there is no whole. */
export function sharePercent(part: number, whole: number): number | null {
  return whole === 0 ? null : percentOf(part / whole);
}

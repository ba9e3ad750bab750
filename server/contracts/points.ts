/**
 * Points in hundredths, a whole number. A blueprint's points and pass mark have at most two
 * decimals (BlueprintShape), and binary fractions do not add up exactly: 40 × 0.5 + 50 × 1.2 +
 * 10 × 2 added one question at a time make 100.0000000000001, and 0.7 + 0.1 make 0.7999999999999999.
 */
export const inHundredths = (points: number): number => Math.round(points * 100);

/** The exact sum of points with at most two decimals (summed in whole hundredths). */
export function sumPoints(points: Iterable<number>): number {
  let total = 0;
  for (const p of points) total += inHundredths(p);
  return total / 100;
}

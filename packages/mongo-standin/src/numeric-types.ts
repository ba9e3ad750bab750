import { Double, type Int32, Long } from "bson";
import { unsupported } from "./errors.js";

/**
 * The server's numeric types below Decimal128, narrowest first. A JavaScript number is an int when
 * it is an integer in the int32 range (not -0), else a double: the codec reads int32, int64 and
 * double alike, so that is the type its bytes will have in a reply (README, "Known simplifications").
 * A `Long` object is a long: a value widened by the stand-in, or one beyond 2^53.
 */
export type NumericKind = "int" | "long" | "double";

const RANK: Record<NumericKind, number> = { int: 0, long: 1, double: 2 };
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const TWO_POW_63 = 2 ** 63;

/** The numeric type of a value, "decimal", or null for a non-number. */
export function numericKind(value: unknown): NumericKind | "decimal" | null {
  if (typeof value === "number")
    return Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 && !Object.is(value, -0)
      ? "int"
      : "double";
  // bson's Timestamp is a subclass of Long: only the tag tells them apart.
  const tag = (value as { _bsontype?: unknown } | null | undefined)?._bsontype;
  if (tag === "Long") return "long";
  if (tag === "Int32") return "int";
  if (tag === "Double") return "double";
  if (tag === "Decimal128") return "decimal";
  return null;
}

/** An int, long or double: a number the stand-in computes with (a Timestamp, though bson makes it a Long, is none). */
export function isIntLongOrDouble(value: unknown): boolean {
  const kind = numericKind(value);
  return kind !== null && kind !== "decimal";
}

/**
 * A double result as the reply must carry it. The codec writes a whole JavaScript number in the
 * int32 range as an int32, so such a double is held as bson's `Double` (the server's `$avg` of 1
 * and 3 is the double 2, which drivers and `$type` tell from the int 2); any other number is
 * written as a double already and stays a number.
 */
export function asDouble(value: number): number | Double {
  return numericKind(value) === "int" ? new Double(value) : value;
}

/**
 * True for bson's `Double` and `Int32` objects, by their tag: the boxed numbers expressions compute
 * (`asDouble`) and the codec never stores. A JavaScript number has no tag, so plain values pay one
 * property read.
 */
export function isBoxedNumber(value: unknown): value is Double | Int32 {
  const tag = (value as { _bsontype?: unknown } | null | undefined)?._bsontype;
  return tag === "Double" || tag === "Int32";
}

/**
 * A `Double` or `Int32` as its JavaScript number, for code that computes with numbers (the
 * engine's own operators took one for an object); any other value as it is.
 */
export function plainNumber(value: unknown): unknown {
  return isBoxedNumber(value) ? Number(value.valueOf()) : value;
}

/**
 * An operand for one of the engine's operators: a `Double` or `Int32` as its number, and a long
 * (`$toLong`, a date difference) too, which the engine took for an object (`$dateAdd` of a long
 * amount, a date plus a long). A long no double holds exactly is refused, not rounded.
 */
export function engineOperand(value: unknown): unknown {
  if (numericKind(value) !== "long") return plainNumber(value);
  const n = (value as Long).toNumber();
  if (!Number.isSafeInteger(n)) throw unsupported("a long beyond 2^53 where the engine computes in doubles");
  return n;
}

/** The wider of two numeric types (the server's Value::getWidestNumeric). */
export function widest(a: NumericKind, b: NumericKind): NumericKind {
  return RANK[a] >= RANK[b] ? a : b;
}

/** An int or long value as an exact integer. */
export function toBigInt(value: unknown): bigint {
  if (value instanceof Long) return value.toBigInt();
  return BigInt(Number(value));
}

/** A numeric value as the nearest double (the server's coerceToDouble). */
export function toDouble(value: unknown): number {
  if (value instanceof Long) return value.toNumber();
  return Number(value);
}

export function fitsInt64(n: bigint): boolean {
  return n >= INT64_MIN && n <= INT64_MAX;
}

/** An integer result of int operands: an int when it fits (a JavaScript number), else a long (createIntOrLong). */
export function intOrLong(n: bigint): number | Long {
  return n >= -(2n ** 31n) && n < 2n ** 31n ? Number(n) : Long.fromBigInt(n);
}

/** An integer result typed `kind` (int or long). */
export function integerOf(kind: NumericKind, n: bigint): number | Long {
  return kind === "int" ? intOrLong(n) : Long.fromBigInt(n);
}

/** Rounds half-way cases away from zero, as C's llround. */
function llround(x: number): bigint {
  return BigInt(x < 0 ? -Math.round(-x) : Math.round(x));
}

/**
 * The server's DoubleDoubleSummation (src/mongo/util/summation.h and .cpp), which `$sum` and `$avg`
 * accumulate in: an unevaluated sum of a rounded `sum` and an `addend`, so a total is rounded once
 * (0.1 + 0.2 + 0.3 is 0.6, not 0.6000000000000001) and sums of 64-bit integers stay exact.
 */
class DoubleDoubleSum {
  private sum = 0;
  private addend = 0;
  /** A plain sum, returned when the compensated one turned infinities into NaN. */
  private special = 0;

  addDouble(value: number): void {
    this.special += value;
    // Fast2Sum(value, addend), then 2Sum(sum, value), in the server's order.
    let x = value + this.addend;
    this.addend = this.addend - (x - value);
    const s = this.sum + x;
    const aPrime = s - x;
    const bPrime = s - aPrime;
    x = this.sum - aPrime + (x - bPrime);
    this.sum = s;
    this.addend += x;
  }

  /** A 64-bit integer split in two doubles, each exact, so that the sum stays exact. */
  addLong(value: bigint): void {
    const high = (value / 2n ** 32n) * 2n ** 32n;
    this.addDouble(Number(value - high));
    this.addDouble(Number(high));
  }

  getDouble(): number {
    return Number.isNaN(this.sum) ? this.special : this.sum;
  }

  fitsLong(): boolean {
    if (this.sum > -TWO_POW_63 && this.sum < TWO_POW_63) return true;
    if (this.sum === TWO_POW_63) return this.addend < -0.5;
    if (this.sum === -TWO_POW_63) return this.addend >= -0.5;
    return false;
  }

  /** The sum rounded to the nearest integer; only where `fitsLong`. */
  getLong(): bigint {
    if (this.sum === TWO_POW_63) return llround(this.addend) + 2n ** 63n;
    const rounded = llround(this.sum);
    return rounded + llround(this.sum - Number(rounded) + this.addend);
  }
}

/** The numbers among `values` with their types; Decimal128 is refused (the stand-in has no decimal arithmetic). */
function numericInputs(name: string, values: unknown[]): Array<[NumericKind, unknown]> {
  const found: Array<[NumericKind, unknown]> = [];
  for (const value of values) {
    const kind = numericKind(value);
    if (kind === "decimal") throw unsupported(`${name} over Decimal128 values`);
    if (kind !== null) found.push([kind, value]);
  }
  return found;
}

function summed(inputs: Array<[NumericKind, unknown]>): { kind: NumericKind; total: DoubleDoubleSum } {
  let kind: NumericKind = "int";
  const total = new DoubleDoubleSum();
  for (const [inputKind, value] of inputs) {
    kind = widest(kind, inputKind);
    if (inputKind === "double") total.addDouble(toDouble(value));
    else total.addLong(toBigInt(value));
  }
  return { kind, total };
}

/**
 * `$sum` over a group's values (accumulator_sum.cpp, getValue): non-numbers ignored; ints give an
 * int, or a long past int32; longs a long, or a double past int64; any double a double.
 */
export function sumOf(name: string, values: unknown[]): number | Long | Double {
  const { kind, total } = summed(numericInputs(name, values));
  if (kind !== "double" && total.fitsLong()) return integerOf(kind, total.getLong());
  return asDouble(total.getDouble());
}

/**
 * `$sum` of a constant over `count` documents (`{$sum: 1}` counts): the server adds the constant in
 * turn, widening an int total to a long and a long to a double on overflow (_processInternalConstant).
 */
export function constantSum(constant: number, count: number): number | Long | Double {
  if (numericKind(constant) === "double") {
    let total = 0;
    for (let i = 0; i < count; i += 1) total += constant;
    return asDouble(total);
  }
  const n = BigInt(constant) * BigInt(count);
  return fitsInt64(n) ? intOrLong(n) : Number(n);
}

/**
 * `$avg` (accumulator_avg.cpp): the double-double sum over the count of numbers, a double (ints
 * and longs too, so a whole mean is a `Double`); null without numbers.
 */
export function avgOf(name: string, values: unknown[]): number | Double | null {
  const inputs = numericInputs(name, values);
  if (inputs.length === 0) return null;
  return asDouble(summed(inputs).total.getDouble() / inputs.length);
}

/**
 * `$stdDevPop`/`$stdDevSamp` (accumulator_std_dev.cpp): Welford's online algorithm over the numbers as
 * doubles; null when there are none (or, for the sample, only one).
 */
export function stdDevOf(name: string, values: unknown[], sampled: boolean): number | Double | null {
  let count = 0;
  let mean = 0;
  let m2 = 0;
  for (const [, value] of numericInputs(name, values)) {
    const x = toDouble(value);
    count += 1;
    const delta = x - mean;
    if (delta !== 0) {
      mean += delta / count;
      m2 += delta * (x - mean);
    }
  }
  const adjusted = sampled ? count - 1 : count;
  return adjusted <= 0 ? null : asDouble(Math.sqrt(m2 / adjusted));
}

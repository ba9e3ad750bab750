/**
 * The value with every string and object key made well-formed Unicode (a lone UTF-16 surrogate
 * becomes U+FFFD), exactly what a UTF-8 store (MongoDB, BSON) will hand back; a NUL in a key,
 * which BSON cannot store at all, becomes U+FFFD too. Anything hashed
 * or signed must be normalised with this first and the normalised value stored, or the stored
 * text no longer matches its hash. Dates, ObjectIds, Buffers and other objects with a prototype of
 * their own pass through untouched.
 */
export function wellFormed<T>(value: T): T {
  return deepWellFormed(value) as T;
}

function deepWellFormed(value: unknown): unknown {
  if (typeof value === "string") return value.toWellFormed();
  if (Array.isArray(value)) return value.map(deepWellFormed);
  if (value && typeof value === "object" && isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) setOwn(out, storableKey(key), deepWellFormed(v));
    return out;
  }
  return value;
}

function storableKey(key: string): string {
  return key.toWellFormed().replaceAll("\0", "\ufffd");
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Sets an own enumerable property, even one named `__proto__` (plain assignment would set the prototype). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

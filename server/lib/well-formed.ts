/**
 * The value with every string and object key made well-formed Unicode (a lone UTF-16 surrogate
 * becomes U+FFFD), exactly what a UTF-8 store (MongoDB, BSON) will hand back; a NUL in a key,
 * which BSON cannot store at all, becomes U+FFFD too. Anything hashed
 * or signed must be normalised with this first and the normalised value stored, or the stored
 * text no longer matches its hash. Dates, ObjectIds, Buffers and other objects with a prototype of
 * their own pass through untouched.
 */
export function wellFormed<T>(value: T): T {
  // Nearly every value already is (every save's chain event is): it is returned as it is, not
  // copied key by key, which cost a save several objects and a property definition per key.
  return isStorable(value) ? value : (deepWellFormed(value) as T);
}

/** Whether `deepWellFormed` would leave `value` as it is: every string and key well-formed, no NUL in a key. */
function isStorable(value: unknown): boolean {
  if (typeof value === "string") return value.isWellFormed();
  if (Array.isArray(value)) {
    for (const item of value) if (!isStorable(item)) return false;
    return true;
  }
  if (value && typeof value === "object" && isPlainObject(value)) {
    // A copy would have Object.prototype (the BSON encoder's usual case): a null-prototype object is copied.
    if (Object.getPrototypeOf(value) !== Object.prototype) return false;
    let keys = 0;
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      keys += 1;
      if (!key.isWellFormed() || key.includes("\0")) return false;
      if (!isStorable((value as Record<string, unknown>)[key])) return false;
    }
    // Symbol keys and non-enumerable own keys: what `Object.entries` leaves out, so a copy would drop them.
    return (
      Object.getOwnPropertySymbols(value).length === 0 && keys === Object.getOwnPropertyNames(value).length
    );
  }
  return true;
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

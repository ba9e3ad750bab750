/**
 * `table[key]` when the table itself holds `key`, else undefined. Every code-to-name table is
 * read through it: `table[key]` and `key in table` also find what each object inherits, so a
 * code such as `constructor` (typed, imported, or read from someone's QR) showed
 * `function Object() { [native code] }` as its name.
 */
export function ownEntry<V>(table: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

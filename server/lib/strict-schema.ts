import type { z } from "zod";

/** The parts of a zod schema's definition this walk reads (zod 4's `_zod.def`). */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  in?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  items?: z.ZodType[];
  rest?: z.ZodType | null;
  getter?: () => z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/**
 * Where a schema lets keys it does not name through: the path of every object in it that strips
 * unknown keys (zod's default) instead of refusing them (`.strict()`). A request carrying such a
 * key was answered as if the key were absent: `GET /certificates?status=revoked` listed every
 * certificate, an imported option's extra field vanished without a word. Walks what the request
 * is checked against: a transform's input, wrapped schemas, arrays, records, unions, tuples.
 */
export function looseObjectPaths(schema: z.ZodType, at = "$", seen = new Set<z.ZodType>()): string[] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  const def = defOf(schema);
  const walk = (child: z.ZodType | null | undefined, path: string) =>
    child ? looseObjectPaths(child, path, seen) : [];
  switch (def.type) {
    case "object": {
      const own = def.catchall && defOf(def.catchall).type === "never" ? [] : [at];
      return own.concat(
        ...Object.entries(def.shape ?? {}).map(([key, child]) => walk(child, `${at}.${key}`)),
      );
    }
    case "pipe":
      return walk(def.in, at);
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "nonoptional":
    case "readonly":
    case "catch":
      return walk(def.innerType, at);
    case "array":
      return walk(def.element, `${at}[]`);
    case "record":
      return walk(def.valueType, `${at}{}`);
    case "union":
      return (def.options ?? []).flatMap((option) => walk(option, at));
    case "intersection":
      return [...walk(def.left, at), ...walk(def.right, at)];
    case "tuple":
      return [
        ...(def.items ?? []).flatMap((item, i) => walk(item, `${at}[${i}]`)),
        ...walk(def.rest, `${at}[]`),
      ];
    case "lazy":
      return walk(def.getter?.(), at);
    default:
      return [];
  }
}

const checked = new WeakSet<z.ZodType>();

/**
 * Throws (a programming error: the route answers 500 and the log names the path) when a schema
 * that checks a request would drop unknown keys rather than refuse them. Checked once per schema.
 */
export function assertRefusesUnknownKeys(schema: z.ZodType, what: string): void {
  if (checked.has(schema)) return;
  const loose = looseObjectPaths(schema);
  if (loose.length > 0) {
    throw new Error(
      `${what}: its schema drops unknown keys at ${loose.join(", ")}; make those objects .strict()`,
    );
  }
  checked.add(schema);
}

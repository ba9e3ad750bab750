import { EJSON, type Document } from "bson";
import { CommandError } from "../errors.js";
import { positionalIndex, type FilterCompiler } from "../positional.js";
import { isPlainObject, putData, type Doc } from "../storage/values.js";

/** How an update statement reaches into one document: its filter, array filters and compiler. */
export interface PathContext {
  doc: Doc;
  filter: Document;
  compile: FilterCompiler;
  /** `$[identifier]` → predicate over one array element. */
  arrayFilters: Map<string, (element: unknown) => boolean>;
  /** Identifiers some path used (unused array filters are an error, as on the server). */
  usedIdentifiers: Set<string>;
}

/** An own property (a stored `__proto__` key is data; an inherited one is not a field). */
export function own(container: object, key: string): unknown {
  return Object.hasOwn(container, key) ? (container as Record<string, unknown>)[key] : undefined;
}

/** Writes a field as data, so a `__proto__` key never replaces a prototype. */
export function putField(container: Record<string, unknown> | unknown[], key: string, value: unknown): void {
  if (Array.isArray(container)) {
    const index = Number(key);
    while (container.length < index) container.push(null);
    container[index] = value;
    return;
  }
  putData(container, key, value);
}

/** How MongoDB shows a value in messages (relaxed extended JSON). */
export function show(value: unknown): string {
  try {
    return EJSON.stringify(value as Document, { relaxed: true });
  } catch {
    return String(value);
  }
}

/** Checks the path's syntax: no empty parts, no `$`-prefixed names except positional parts. */
export function checkPath(path: string): void {
  const parts = path.split(".");
  if (path === "" || parts.some((part) => part === ""))
    throw new CommandError(
      "EmptyFieldName",
      `The update path '${path}' contains an empty field name, which is not allowed.`,
    );
  for (const part of parts) {
    if (part.startsWith("$") && !isPositional(part))
      throw new CommandError(
        "DollarPrefixedFieldName",
        `The dollar ($) prefixed field '${part}' in '${path}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
      );
  }
}

function isPositional(part: string): boolean {
  return (
    part.charCodeAt(0) === 36 /* $ */ &&
    (part === "$" || part === "$[]" || /^\$\[[a-z][a-zA-Z0-9]*\]$/.test(part))
  );
}

/**
 * Two paths of one update may not overlap (`a` and `a.b`), as on the server (40
 * ConflictingUpdateOperators). Positional parts are compared as written, so `arr.$.a` and
 * `arr.$.b` are two separate fields of one element.
 */
export function checkConflicts(paths: string[]): void {
  // Pairwise, without building a string or an array per pair: every save checks its ten paths
  // (45 pairs), and those temporaries were a twentieth of the bytes a save-shaped update allocated.
  for (let j = 1; j < paths.length; j += 1) {
    const path = paths[j] ?? "";
    for (let k = 0; k < j; k += 1) {
      const other = paths[k] ?? "";
      const shorter = other.length <= path.length ? other : path;
      if (overlaps(shorter, shorter === other ? path : other))
        throw new CommandError(
          "ConflictingUpdateOperators",
          `Updating the path '${path}' would create a conflict at '${shorter}'`,
        );
    }
  }
}

/**
 * Two paths of one update, one of them positional, that resolve in this document to the same
 * element or one inside the other's (`a.$[i]` and `a.$[j]` both at `a.0`) conflict as the
 * server's merge of their update nodes does: 40 "Update created a conflict at …", naming the
 * element where they met and, past it, the parts as written (the server's `a.0.b.$[k].c`).
 * `steps` are the concrete paths (`parts`) of the paths as written (`path`).
 */
export function checkResolvedConflicts(steps: ReadonlyArray<{ path: string; parts: string[] }>): void {
  if (!steps.some((step) => step.path.includes("$"))) return;
  const byConcrete = new Map<string, { path: string; parts: string[] }>();
  for (const step of steps) {
    const key = step.parts.join(".");
    const other = byConcrete.get(key);
    if (other && other.path !== step.path) throw resolvedConflict(step.path, other.path, step.parts);
    byConcrete.set(key, step);
  }
  for (const step of steps) {
    let prefix = "";
    for (let i = 0; i < step.parts.length - 1; i += 1) {
      prefix = i === 0 ? (step.parts[0] ?? "") : `${prefix}.${step.parts[i] ?? ""}`;
      const other = byConcrete.get(prefix);
      if (other && other.path !== step.path && (other.path.includes("$") || step.path.includes("$")))
        throw resolvedConflict(step.path, other.path, step.parts);
    }
  }
}

function resolvedConflict(path: string, other: string, concrete: string[]): CommandError {
  const written = path.split(".");
  const otherWritten = other.split(".");
  const length = Math.min(written.length, otherWritten.length);
  let met = 0;
  while (met < length - 1 && written[met] === otherWritten[met]) met += 1;
  const at = [...concrete.slice(0, met + 1), ...written.slice(met + 1, length)].join(".");
  return new CommandError("ConflictingUpdateOperators", `Update created a conflict at '${at}'`);
}

/** Whether `longer` is `shorter` or a path inside it (`shorter` followed by a dot). */
function overlaps(shorter: string, longer: string): boolean {
  if (longer.length === shorter.length) return longer === shorter;
  return longer.charCodeAt(shorter.length) === 46 /* . */ && longer.startsWith(shorter);
}

/**
 * Array filters by identifier: each filter's top-level keys name one identifier (`x` or `x.f`),
 * and an element matches when `{x: element}` satisfies the filter.
 */
export function compileArrayFilters(
  arrayFilters: Document[] | undefined,
  compile: FilterCompiler,
): Map<string, (element: unknown) => boolean> {
  const filters = new Map<string, (element: unknown) => boolean>();
  for (const filter of arrayFilters ?? []) {
    const identifiers = new Set(Object.keys(filter).map((key) => key.split(".")[0] ?? ""));
    if (identifiers.size !== 1)
      throw new CommandError(
        "FailedToParse",
        `Error parsing array filter :: caused by :: Expected a single top-level field name, found '${[...identifiers].join("' and '")}'`,
      );
    const [identifier = ""] = identifiers;
    if (filters.has(identifier))
      throw new CommandError(
        "FailedToParse",
        `Found multiple array filters with the same top-level field name ${identifier}`,
      );
    const matches = compile(filter);
    filters.set(identifier, (element) => matches({ [identifier]: element }));
  }
  return filters;
}

/**
 * Marks the array filter identifiers a path names (`$[x]`) as used, as the server's update parser
 * does for every path whether or not a document reaches them; an identifier without an array
 * filter answers 2 as there.
 */
export function markIdentifiers(path: string, ctx: PathContext): void {
  if (!path.includes("$[")) return;
  for (const part of path.split(".")) {
    if (!isPositional(part) || part === "$" || part === "$[]") continue;
    const identifier = part.slice(2, -1);
    if (!ctx.arrayFilters.has(identifier))
      throw new CommandError(
        "BadValue",
        `No array filter found for identifier '${identifier}' in path '${path}'`,
      );
    ctx.usedIdentifiers.add(identifier);
  }
}

/**
 * Expands a path with positional parts into the concrete paths it names in this document:
 * `$` → the element the filter matched, `$[]` → every element, `$[id]` → the elements its array
 * filter matches. Missing arrays and non-arrays under a positional part are errors.
 */
export function expandPath(path: string, ctx: PathContext): string[][] {
  const parts = path.split(".");
  // A path without positional parts names itself (the walk below would copy it part by part).
  if (!parts.some(isPositional)) return [parts];
  const results: string[][] = [];
  const walk = (value: unknown, i: number, prefix: string[]): void => {
    if (i === parts.length) {
      results.push(prefix);
      return;
    }
    const part = parts[i] ?? "";
    if (!isPositional(part)) {
      const next = Array.isArray(value)
        ? /^\d+$/.test(part)
          ? (value as unknown[])[Number(part)]
          : undefined
        : isPlainObject(value)
          ? own(value, part)
          : undefined;
      walk(next, i + 1, [...prefix, part]);
      return;
    }
    if (part === "$") {
      const index = positionalIndex(ctx.doc, ctx.filter, prefix.join("."), ctx.compile);
      if (index === null)
        throw new CommandError(
          "BadValue",
          "The positional operator did not find the match needed from the query.",
        );
      walk(Array.isArray(value) ? (value as unknown[])[index] : undefined, i + 1, [...prefix, String(index)]);
      return;
    }
    if (value === undefined)
      throw new CommandError(
        "BadValue",
        `The path '${prefix.join(".")}' must exist in the document in order to apply array updates.`,
      );
    if (!Array.isArray(value))
      throw new CommandError(
        "BadValue",
        `Cannot apply array updates to non-array element ${prefix[prefix.length - 1] ?? ""}: ${show(value)}`,
      );
    let matches: (element: unknown) => boolean = () => true;
    if (part !== "$[]") {
      const identifier = part.slice(2, -1);
      const filter = ctx.arrayFilters.get(identifier);
      if (!filter)
        throw new CommandError(
          "BadValue",
          `No array filter found for identifier '${identifier}' in path '${path}'`,
        );
      ctx.usedIdentifiers.add(identifier);
      matches = filter;
    }
    (value as unknown[]).forEach((element, index) => {
      if (matches(element)) walk(element, i + 1, [...prefix, String(index)]);
    });
  };
  walk(ctx.doc, 0, []);
  return results;
}

/** Where a concrete path ends: the container holding the last part, or null when it is absent. */
export interface Location {
  container: Record<string, unknown> | unknown[];
  key: string;
}

/**
 * Finds the container of a concrete path. With `create`, missing objects on the way are created
 * (an array index past the end pads with nulls); a scalar or a named field of an array on the way
 * cannot hold the path: 28 PathNotViable, as the server answers. Without `create`, such a path is
 * simply absent.
 */
export function locate(
  doc: Doc,
  parts: string[],
  create: boolean,
  owned: Map<object, object | null> | null = null,
  copyValue = true,
): Location | null {
  let container: Record<string, unknown> | unknown[] = doc;
  for (let i = 0; i < parts.length - 1; i += 1) {
    const part = parts[i] ?? "";
    let next: unknown;
    if (Array.isArray(container)) {
      if (!/^\d+$/.test(part)) {
        if (!create) return null;
        throw notViable(part, parts.slice(0, i), container);
      }
      next = container[Number(part)];
    } else next = own(container, part);
    // Only a missing element is created (an index past the end pads with nulls): a null one is a
    // value the server cannot create a field in (28, as for a null field of a sub-document).
    if (next === undefined) {
      if (!create) return null;
      const created = {};
      putField(container, part, created);
      owned?.set(created, null);
      next = created;
    }
    if (next === null || typeof next !== "object" || !(Array.isArray(next) || isPlainObject(next))) {
      if (!create) return null;
      throw notViable(parts[i + 1] ?? "", parts.slice(0, i + 1), next);
    }
    container = owned ? ownCopy(container, part, next) : (next as Record<string, unknown> | unknown[]);
  }
  const key = parts[parts.length - 1] ?? "";
  if (Array.isArray(container) && !/^\d+$/.test(key)) {
    if (!create) return null;
    throw notViable(key, parts.slice(0, -1), container);
  }
  // Operators change the value at the end in place ($pull, $addToSet…): that too is a copy, unless
  // the operator builds a new value itself ($push; `copyValue` false).
  if (owned && copyValue) {
    const value = Array.isArray(container) ? container[Number(key)] : own(container, key);
    if (Array.isArray(value) || isPlainObject(value)) ownCopy(container, key, value);
  }
  return { container, key };

  /** `value` (held by `parent` under `key`) as a container of the update's own, copied on first use. */
  function ownCopy(
    parent: Record<string, unknown> | unknown[],
    key: string,
    value: object,
  ): Record<string, unknown> | unknown[] {
    if (owned?.has(value)) return value as Record<string, unknown> | unknown[];
    const copy = Array.isArray(value) ? [...(value as unknown[])] : { ...(value as Record<string, unknown>) };
    putField(parent, key, copy);
    owned?.set(copy, value);
    return copy;
  }
}

function notViable(field: string, at: string[], element: unknown): CommandError {
  const name = at[at.length - 1] ?? "";
  return new CommandError(
    "PathNotViable",
    `Cannot create field '${field}' in element {${name}: ${show(element)}}`,
  );
}

/** The current value at a location. */
export function valueAt(location: Location): unknown {
  const { container, key } = location;
  return Array.isArray(container) ? container[Number(key)] : own(container, key);
}

/** Orders concrete paths as the server applies them: by field name, numeric parts numerically. */
export function comparePaths(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const x = a[i] ?? "";
    const y = b[i] ?? "";
    if (x === y) continue;
    if (/^\d+$/.test(x) && /^\d+$/.test(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

import { calculateObjectSize, type Document } from "bson";
import { CommandError } from "../errors.js";
import type { FilterCompiler } from "../positional.js";
import { carryFact } from "../storage/array-facts.js";
import { deepClone, isPlainObject, scalarsDiffer, type Doc } from "../storage/values.js";
import { MAX_BSON_BYTES } from "../wire/frames.js";
import { NON_CREATING, OPERATORS } from "./operators.js";
import { growthBound, knownSize, rememberSize } from "./size-bound.js";
import {
  checkConflicts,
  checkResolvedConflicts,
  checkPath,
  comparePaths,
  compileArrayFilters,
  expandPath,
  markIdentifiers,
  locate,
  own,
  putField,
  show,
  valueAt,
  type PathContext,
} from "./paths.js";

/**
 * The latest document an operator update certainly changed: a `$set` of a plain path put a
 * number, string or flag where a different one was. Every save sets its chain head so, and
 * `unchanged` then needs no walk of the two documents (write.ts), which asks right after the
 * update. The paths of one update never overlap (checkConflicts), so no later step of the same
 * update can undo that change. One slot, not a set of every such document: adding each new
 * version to a WeakSet was about 3% of a save statement's CPU samples (issue 17), and a document
 * asked about later is only walked, as any document not known to have changed is.
 */
let surelyChanged: Doc | null = null;

/** Whether `applyOperators` saw `after` change for certain (false: it may or may not have). */
export function changedForCertain(after: Doc): boolean {
  return after === surelyChanged;
}

/** How one update statement applies to one document. */
interface OperatorUpdate {
  update: Document;
  filter: Document;
  arrayFilters: Document[] | undefined;
  /** True for an upsert's insert: `$setOnInsert` acts, and the filter has matched nothing. */
  inserting: boolean;
  compile: FilterCompiler;
}

const KNOWN = new Set([...Object.keys(OPERATORS), "$rename"]);
/**
 * Operators that never change the value they find at the path's end: `$push`, `$pull` and
 * `$pullAll` put a new array (operators.ts), `$set` and `$setOnInsert` put their argument, and
 * `$min`/`$max` put theirs or keep the value as it is. The value there need not be copied first.
 */
const KEEPS_FOUND_VALUE = new Set(["$push", "$pull", "$pullAll", "$set", "$setOnInsert", "$min", "$max"]);

function unknownModifier(op: string): CommandError {
  return new CommandError(
    "FailedToParse",
    `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
  );
}

/**
 * Applies update operators to a copy of `doc`, the way the server's update driver does: every
 * path is checked (syntax, overlaps: 40), positional parts are resolved against the document as
 * it was, array filters must all be used, then the changes apply in field-name order. Type errors
 * answer the server's codes (14 TypeMismatch, 2 BadValue, 28 PathNotViable) and leave the
 * document untouched, because the caller stores nothing when this throws.
 *
 * `doc` is never changed: only the objects and arrays on the updated paths are copied, and the
 * result shares the rest with `doc` (stored documents are never mutated in place). Copying the
 * whole document per update was the database's largest cost when a room's attempts, each with its
 * answers and event log, started at once. `$rename` moves fields between paths and copies it all.
 */
export function applyOperators(doc: Doc, spec: OperatorUpdate): Doc {
  const key = planKey(spec);
  let steps = key === null ? undefined : plans.get(key);
  if (!steps) {
    steps = planSteps(doc, spec);
    if (key !== null) {
      if (plans.size >= MAX_PLANS) plans.clear();
      plans.set(key, steps);
    }
  }
  const renames = steps.some((step) => step.op === "$rename");
  const after: Doc = renames ? deepClone(doc) : { ...doc };
  // The containers `after` owns (copied or created by this update), written freely, each with
  // the container it was copied from (null: created).
  const owned = renames ? null : new Map<object, object | null>([[after, doc]]);
  let changed = false;
  for (const step of steps) {
    if (step.op === "$rename") {
      rename(after, step.parts, String(step.target).split("."));
      continue;
    }
    const arg = (spec.update[step.op] as Record<string, unknown>)[step.path];
    const create = !NON_CREATING.has(step.op);
    // `$push`, `$pull` and `$pullAll` never change the array they find (operators.ts): copying it
    // first would copy every save's event log twice, once here and again when the appended element
    // outgrew the copy, and its `seen` list when nothing was pulled from it. `$set` replaced the
    // copy of the answer it saved (KEEPS_FOUND_VALUE).
    const location = locate(after, step.parts, create, owned, !KEEPS_FOUND_VALUE.has(step.op));
    if (!location) continue;
    const operator = OPERATORS[step.op];
    if (!operator) throw unknownModifier(step.op);
    if (!changed && step.op === "$set" && !step.path.includes("$"))
      changed = scalarsDiffer(valueAt(location), arg);
    operator(location, arg, { doc: after, path: step.path, compile: spec.compile });
  }
  surelyChanged = changed ? after : null;
  // The copies are final now: each array copied learns what its original was known to hold.
  if (owned) for (const [copy, source] of owned) if (Array.isArray(copy) && Array.isArray(source)) carryFact(source, copy);
  return after;
}

/**
 * One concrete path an operator writes: the path as written (its argument's name in the update)
 * and its parts with positional ones resolved; `target` is a `$rename`'s destination.
 */
interface Step {
  op: string;
  path: string;
  parts: string[];
  target?: string;
}

/**
 * Steps of updates whose shape decides them, by `planKey`. A save's update names its answer's
 * index (`answers.31.choice`), so there are about as many shapes as questions; a full table
 * starts over.
 */
const plans = new Map<string, Step[]>();
const MAX_PLANS = 1_000;

/**
 * The operators and paths of an update, in order, when they alone decide its steps: no positional
 * part (which the document resolves), no array filters, no `$rename` or `$setOnInsert`, every
 * operator known and given a document of fields. Checking, splitting, conflict-testing and
 * sorting a save's ten paths was redone for every statement (issue 17); for such an update it
 * gives the same steps every time, errors included (an update that fails them is not cached).
 * Null for any other update. Names hold no NUL (BSON C strings), and an operator starts with `$`
 * where a path here cannot, so the key is unambiguous.
 */
function planKey(spec: OperatorUpdate): string | null {
  if (spec.arrayFilters && spec.arrayFilters.length > 0) return null;
  let key = "";
  for (const op in spec.update) {
    if (!Object.prototype.hasOwnProperty.call(spec.update, op)) continue;
    const fields: unknown = spec.update[op];
    if (!KNOWN.has(op) || op === "$rename" || op === "$setOnInsert" || !isPlainObject(fields)) return null;
    key += op + "\u0000";
    for (const path in fields) {
      if (!Object.prototype.hasOwnProperty.call(fields, path)) continue;
      if (path.includes("$")) return null;
      key += path + "\u0000";
    }
  }
  return key;
}

/** One path an operator names, as written (`target`: a `$rename`'s destination). */
interface Named {
  op: string;
  path: string;
  target?: string;
}

/**
 * The checks the server's update parser makes before it reads any document (UpdateDriver::parse):
 * operators known and given documents, each path's syntax, overlapping paths (40), every `$[id]`
 * with an array filter (2) and every array filter used (9). A filter that matches nothing does not
 * spare an update them. Returns the paths each operator names, in the update's order.
 */
function parseNamed(spec: Pick<OperatorUpdate, "update" | "compile">, ctx: PathContext): Named[] {
  const written: string[] = [];
  const named: Named[] = [];
  // for…in, not Object.entries (the same names in the same order): a save's update has four
  // operators and ten paths, and their entries arrays were 3% of its bytes (issue 17).
  for (const op in spec.update) {
    if (!Object.prototype.hasOwnProperty.call(spec.update, op)) continue;
    const fields: unknown = spec.update[op];
    if (!op.startsWith("$") || !KNOWN.has(op)) throw unknownModifier(op);
    if (!isPlainObject(fields))
      throw new CommandError(
        "FailedToParse",
        `Modifiers operate on fields but we found type ${Array.isArray(fields) ? "array" : typeof fields} instead. For example: {$mod: {<field>: ...}} not {${op}: ${show(fields)}}`,
      );
    for (const path in fields) {
      if (!Object.prototype.hasOwnProperty.call(fields, path)) continue;
      checkPath(path);
      if (op === "$rename") {
        const target = checkRename(path, fields[path]);
        written.push(path, target);
        named.push({ op, path, target });
        continue;
      }
      written.push(path);
      // The server marks an identifier used when it parses the path, before any document is
      // walked: `a.$[x].b.$[y]` uses `y` even where no element matches `x`.
      markIdentifiers(path, ctx);
      named.push({ op, path });
    }
  }
  checkConflicts(written);
  for (const identifier of ctx.arrayFilters.keys()) {
    if (!ctx.usedIdentifiers.has(identifier))
      throw new CommandError(
        "FailedToParse",
        `The array filter for identifier '${identifier}' was not used in the update ${show(spec.update)}`,
      );
  }
  return named;
}

/**
 * The parser's checks alone (`parseNamed`), for an operator update whose filter matched no
 * document: the server refuses a malformed update whether or not it meets one.
 */
export function checkOperatorUpdate(
  update: Document,
  arrayFilters: Document[] | undefined,
  compile: FilterCompiler,
): void {
  const named = parseNamed(
    { update, compile },
    {
      doc: {},
      filter: {},
      compile,
      arrayFilters: compileArrayFilters(arrayFilters, compile),
      usedIdentifiers: new Set(),
    },
  );
  // The server parses each operator's argument too (ModifierNode::init: a non-number to `$inc`,
  // `$each` not an array, `$pop` of 2): each operator runs once on a scratch field, missing for
  // those that create it and an empty array for those that only change one, so that only its
  // argument can fail.
  for (const { op, path } of named) {
    const operator = OPERATORS[op];
    if (!operator || op === "$unset") continue;
    const scratch: Doc = NON_CREATING.has(op) ? { field: [] } : {};
    operator({ container: scratch, key: "field" }, (update[op] as Record<string, unknown>)[path], {
      doc: {},
      path,
      compile,
    });
  }
}

/** The update's steps in the order they apply, every path checked (see `applyOperators`). */
function planSteps(doc: Doc, spec: OperatorUpdate): Step[] {
  const ctx: PathContext = {
    doc,
    filter: spec.filter,
    compile: spec.compile,
    arrayFilters: compileArrayFilters(spec.arrayFilters, spec.compile),
    usedIdentifiers: new Set(),
  };
  const steps: Step[] = [];
  for (const { op, path, target } of parseNamed(spec, ctx)) {
    if (op === "$rename") steps.push({ op, path, parts: path.split("."), target });
    else if (op !== "$setOnInsert" || spec.inserting)
      for (const parts of expandPath(path, ctx)) steps.push({ op, path, parts });
  }
  checkResolvedConflicts(steps);
  return steps.sort((a, b) => comparePaths(a.parts, b.parts));
}

function checkRename(path: string, target: unknown): string {
  if (typeof target !== "string")
    throw new CommandError(
      "BadValue",
      `The 'to' field for $rename must be a string: ${path}: ${show(target)}`,
    );
  checkPath(target);
  if (target === path)
    throw new CommandError(
      "BadValue",
      `The source and target field for $rename must differ: ${path}: "${target}"`,
    );
  if (/(^|\.)\$/.test(path) || /(^|\.)\$/.test(target))
    throw new CommandError("BadValue", "The source field for $rename may not be dynamic: " + path);
  return target;
}

/** `$rename`: neither end may pass through an array; a missing source is a no-op. */
function rename(doc: Doc, from: string[], to: string[]): void {
  let container: unknown = doc;
  for (const part of from.slice(0, -1)) {
    if (Array.isArray(container))
      throw new CommandError(
        "BadValue",
        `The source field cannot be an array element, '${from.join(".")}' in doc with ${part}`,
      );
    if (!isPlainObject(container)) return;
    container = own(container, part);
  }
  if (Array.isArray(container))
    throw new CommandError(
      "BadValue",
      `The source field cannot be an array element, '${from.join(".")}' in doc`,
    );
  if (!isPlainObject(container)) return;
  const key = from[from.length - 1] ?? "";
  const value = own(container, key);
  if (value === undefined) return;
  delete container[key];
  const target = locate(doc, to, true);
  if (!target) return;
  if (Array.isArray(target.container))
    throw new CommandError("BadValue", `The destination field cannot be an array element, '${to.join(".")}'`);
  putField(target.container, target.key, value);
}

/**
 * The server's limit on a document an update produces (17419). With the document `before` the
 * update and the operator `update` that produced `doc`, a known size of `before` plus the most
 * the update can add (size-bound.ts) settles it without measuring `doc` when far from the limit.
 */
export function checkUpdatedSize(doc: Doc, before?: Doc, update?: Document): void {
  const previous = before ? knownSize(before) : undefined;
  const growth = previous !== undefined && update ? growthBound(update) : null;
  if (previous !== undefined && growth !== null && previous + growth <= MAX_BSON_BYTES) {
    rememberSize(doc, previous + growth);
    return;
  }
  const size = calculateObjectSize(doc);
  if (size > MAX_BSON_BYTES)
    throw new CommandError(
      "Location17419",
      `Resulting document after update is larger than ${MAX_BSON_BYTES}`,
    );
  rememberSize(doc, size);
}

import { evalExpr } from "mingo/core";
import type * as pipelineOperators from "mingo/operators/pipeline";
import { CommandError } from "./errors.js";
import { applyComputed, type ComputedNode, type ComputedTree } from "./computed-paths.js";
import { isPlainObject } from "./storage/values.js";

/**
 * `$set`/`$addFields` as the server runs them. The engine's own stage set dotted paths only through
 * sub-documents (a path through an array or a scalar was silently dropped) and replaced a
 * sub-document named with a nested object, which the server merges into (a nested object is a
 * path like a dotted name: `{a: {b: 1}}` is `{"a.b": 1}`). Both are now placed by
 * computed-paths.ts, every expression evaluated by the engine against the whole document.
 */
function stage(name: "$set" | "$addFields"): typeof pipelineOperators.$addFields {
  return (collection, spec, options) => {
    const tree = parseComputedSpec(spec, name);
    return collection.map((doc) =>
      applyComputed(
        doc as Record<string, unknown>,
        tree,
        (expression) => evalExpr(doc, expression, options),
        "enter",
      ),
    );
  };
}

export const ADD_FIELDS_STAGES = { $set: stage("$set"), $addFields: stage("$addFields") };

/**
 * The tree of a `$set`/`$addFields` specification: dotted names and nested objects (whose first
 * field is not an operator) become paths; anything else is an expression. A path given twice, or
 * under a field that is itself computed, answers 31250 as a projection's path collision does.
 */
function parseComputedSpec(spec: unknown, name: string): ComputedTree {
  if (!isPlainObject(spec))
    throw new CommandError("BadValue", `${name} specification stage must be an object`);
  const tree: ComputedTree = new Map();
  addPaths(tree, spec, "", name);
  if (tree.size === 0)
    throw new CommandError(
      "BadValue",
      `Invalid ${name} :: caused by :: specification must have at least one field`,
    );
  return tree;
}

function addPaths(tree: ComputedTree, spec: Record<string, unknown>, prefix: string, name: string): void {
  for (const key of Object.keys(spec)) {
    const value = spec[key];
    const parts = key.split(".");
    for (const part of parts) {
      if (part === "") throw new CommandError("BadValue", "FieldPath field names may not be empty strings.");
      if (part.startsWith("$"))
        throw new CommandError(
          "BadValue",
          `FieldPath field names may not start with '$'. Consider using $getField or $setField.`,
        );
    }
    let level = tree;
    let path = prefix;
    for (const [i, part] of parts.entries()) {
      path = path ? `${path}.${part}` : part;
      const last = i === parts.length - 1;
      const existing = level.get(part);
      if (last && !isNestedSpec(value)) {
        if (existing) throw collision(name, path);
        level.set(part, { kind: "expression", expression: value });
        break;
      }
      if (existing?.kind === "expression") throw collision(name, path);
      const node: ComputedNode = existing ?? { kind: "path", children: new Map() };
      level.set(part, node);
      level = node.children;
      if (last) addPaths(level, value as Record<string, unknown>, path, name);
    }
  }
}

/** A nested object whose first field is not an operator is a path, not an expression. */
function isNestedSpec(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const first = Object.keys(value)[0];
  return first !== undefined && !first.startsWith("$");
}

function collision(name: string, path: string): CommandError {
  return new CommandError("Location31250", `Invalid ${name} :: caused by :: Path collision at ${path}`);
}

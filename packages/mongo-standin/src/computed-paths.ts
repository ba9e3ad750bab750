import { isPlainObject, putData, deepClone } from "./storage/values.js";

/**
 * Computed fields at paths, placed as the server's projection executor places them
 * (projection_node.cpp, `applyExpressionsToValue`): where the path meets a sub-document the field
 * is set in it, where it meets an array every element gets it, and where it meets a scalar or
 * nothing that value is replaced by a new sub-document of the computed fields. Every expression is
 * evaluated against the whole document, not the element it lands in. Shared by `$set`/`$addFields`
 * (add-fields.ts) and computed find projections (projection.ts).
 */
export type ComputedTree = Map<string, ComputedNode>;
export type ComputedNode =
  { kind: "expression"; expression: unknown } | { kind: "path"; children: ComputedTree };

/** Evaluates one expression against the whole document (undefined: the value is missing). */
type Evaluate = (expression: unknown) => unknown;

/**
 * How arrays nested in arrays are treated: pipelines enter them (`kRecurseNestedArrays`), find
 * projections leave them as they are (`kDoNotRecurseNestedArrays`).
 */
type NestedArrays = "enter" | "keep";

/** The document with the tree's computed fields applied (a new object; `doc` is not changed). */
export function applyComputed(
  doc: Record<string, unknown>,
  tree: ComputedTree,
  evaluate: Evaluate,
  nested: NestedArrays,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in doc) if (Object.prototype.hasOwnProperty.call(doc, key)) putData(out, key, doc[key]);
  for (const [field, node] of tree) {
    if (node.kind === "expression") {
      const value = evaluate(node.expression);
      // A missing value (`$nothing`, `$$REMOVE`) sets nothing and removes what was there.
      if (value === undefined) delete out[field];
      else putData(out, field, deepClone(value));
      continue;
    }
    const current = Object.prototype.hasOwnProperty.call(out, field) ? out[field] : undefined;
    putData(out, field, computedValue(current, node.children, evaluate, nested));
  }
  return out;
}

function computedValue(
  value: unknown,
  tree: ComputedTree,
  evaluate: Evaluate,
  nested: NestedArrays,
): unknown {
  if (isPlainObject(value)) return applyComputed(value, tree, evaluate, nested);
  if (Array.isArray(value)) {
    return (value as unknown[]).map((item) =>
      Array.isArray(item) && nested === "keep" ? item : computedValue(item, tree, evaluate, nested),
    );
  }
  // A scalar (or nothing) on the path: "replace whatever existing value we find with a new
  // document of all the computed values" (the server's own comment).
  return applyComputed({}, tree, evaluate, nested);
}

/** True when a tree (or a subtree) computes at least one field. */
export function computes(tree: ComputedTree): boolean {
  for (const node of tree.values()) if (node.kind === "expression" || computes(node.children)) return true;
  return false;
}

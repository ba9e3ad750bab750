import type { Document } from "bson";
import { CommandError } from "../errors.js";
import { shape } from "../query.js";
import { pathValues, valueKey } from "../storage/values.js";
import { namespaceOf, type Handler } from "./context.js";
import { findHinted } from "./plan.js";

function asNumber(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n))
    throw new CommandError("BadValue", `expected a number, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * An argument the server's command parser bounds at zero (find_command.idl: `skip`, `limit` and
 * `batchSize` have `validator: { gte: 0 }`; count_command.idl: `skip`), which answers 51024 when
 * one is negative.
 */
function nonNegative(command: Document, field: string, name = "find"): number | undefined {
  const n = asNumber(command[field]);
  if (n !== undefined && n < 0)
    throw new CommandError(
      "Location51024",
      `BSON field '${name}.${field}' value must be >= 0, actual value '${n}'`,
    );
  return n;
}

const find: Handler = (command, ctx) => {
  const ns = namespaceOf(command, ctx);
  const skip = nonNegative(command, "skip");
  const limit = nonNegative(command, "limit");
  const batchSize = nonNegative(command, "batchSize");
  const filter = (command.filter as Document | undefined) ?? {};
  const docs = shape(findHinted(ns, filter, command.hint, ctx), {
    sort: command.sort as Document | undefined,
    skip,
    limit,
    projection: command.projection as Document | undefined,
    filter: command.filter as Document | undefined,
  });
  if (command.singleBatch === true) {
    const size = batchSize ?? docs.length;
    return { cursor: ctx.cursors.first(ns, docs.slice(0, size || docs.length), docs.length) };
  }
  return { cursor: ctx.cursors.first(ns, docs, batchSize) };
};

const getMore: Handler = (command, ctx) => {
  const ns = `${ctx.db}.${String(command.collection)}`;
  return { cursor: ctx.cursors.more(command.getMore, ns, asNumber(command.batchSize)) };
};

const killCursors: Handler = (command, ctx) => {
  const { killed, notFound } = ctx.cursors.kill((command.cursors as unknown[] | undefined) ?? []);
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [] };
};

const count: Handler = (command, ctx) => {
  const ns = namespaceOf(command, ctx);
  // A negative skip is refused (a slice from the end otherwise); a negative limit counts as its
  // absolute value on the server too (`shape` takes Math.abs).
  const skip = nonNegative(command, "skip", "count");
  const docs = shape(findHinted(ns, (command.query as Document | undefined) ?? {}, command.hint, ctx), {
    skip,
    limit: asNumber(command.limit),
  });
  return { n: docs.length };
};

/** `distinct`: array values contribute each element, like the server's multikey semantics. */
const distinct: Handler = (command, ctx) => {
  const ns = namespaceOf(command, ctx);
  const key = String(command.key);
  const values = new Map<string, unknown>();
  for (const doc of findHinted(ns, (command.query as Document | undefined) ?? {}, command.hint, ctx)) {
    for (const value of pathValues(doc, key)) {
      if (value !== undefined && !values.has(valueKey(value))) values.set(valueKey(value), value);
    }
  }
  return { values: [...values.values()] };
};

/** Read and cursor commands. */
export const readCommands: Record<string, Handler> = { find, getMore, killCursors, count, distinct };

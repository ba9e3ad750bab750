import type { Document } from "bson";
import { unsupported } from "../errors.js";
import { isPlainObject } from "../storage/values.js";

/**
 * Refuses `let` on a command (find, aggregate, update, delete, findAndModify, also inside the
 * command `explain` wraps): its variables are read as `$$name` by the command's filters, updates
 * and pipelines, and the stand-in does not hand them to its engine, which would then answer
 * "Use of undefined variable" or, where a variable goes unread, run the command as if it had none.
 * A stage's own `let` (`$lookup`, `$merge`) is the engine's and is not concerned.
 */
export function assertNoCommandLet(command: Document): void {
  if (command.let !== undefined)
    throw unsupported(
      "the command option 'let' (variables for $$name in the command's filters, updates and pipelines)",
    );
  if (isPlainObject(command.explain)) assertNoCommandLet(command.explain);
}

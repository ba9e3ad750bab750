import { toAppError, type AppError } from "../../server/lib/errors.js";

/** The error a parse (or any call) that must fail throws, as the API would answer it. */
export function refusalOf(run: () => unknown): AppError {
  try {
    run();
  } catch (err) {
    return toAppError(err);
  }
  throw new Error("expected the call to fail");
}

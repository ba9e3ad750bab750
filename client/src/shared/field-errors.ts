import { reactive } from "vue";
import type { ValidationIssue } from "@contracts/validation.js";
import { ApiError } from "./api.js";

/**
 * Per-field messages of a form, filled from a `validation_failed` answer so each field shows what
 * is wrong with it in place (bind `:error="fields.errors.name"` on its ElFormItem). Keys are the
 * request's top-level field names; nested problems show on their top-level field with their label.
 */
export function useFieldErrors() {
  const errors = reactive<Record<string, string>>({});

  function clear(): void {
    for (const k of Object.keys(errors)) delete errors[k];
  }

  /** Takes the field problems of `err`; true when it carried any (the caller may then stay quiet). */
  function take(err: unknown): boolean {
    clear();
    if (!(err instanceof ApiError) || err.code !== "validation_failed" || !Array.isArray(err.details))
      return false;
    for (const issue of err.details as ValidationIssue[]) {
      const key = issue.path.split(".")[0] ?? "";
      const nested = issue.path.includes(".");
      const text = nested ? `${issue.field}：${issue.message}` : issue.message;
      errors[key] = errors[key] ? `${errors[key]}；${text}` : text;
    }
    return true;
  }

  return { errors, clear, take };
}

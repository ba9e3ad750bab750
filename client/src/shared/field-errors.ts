import { reactive } from "vue";
import type { ValidationIssue } from "@contracts/validation.js";
import { ApiError } from "./api.js";

/**
 * Per-field messages of a form, filled from a `validation_failed` answer so each field shows what
 * is wrong with it in place (bind `:error="fields.errors.name"` on its ElFormItem). Every problem
 * is kept under its top-level field (a nested one with its label, for a form with one item for
 * the whole group) and, when nested, under its full path too (`fields.errors['details.reason']`,
 * for a form with an item per nested field; that item names the field itself). The exchange
 * form bound full paths while only top-level keys were kept, so none of its fields ever showed
 * its problem.
 */
export function useFieldErrors() {
  const errors = reactive<Record<string, string>>({});

  function clear(): void {
    for (const k of Object.keys(errors)) delete errors[k];
  }

  /** Adds a problem to the field's message (several problems of one field are joined with ；). */
  function add(key: string, text: string): void {
    errors[key] = errors[key] ? `${errors[key]}；${text}` : text;
  }

  /** Takes the field problems of `err`; true when it carried any (the caller may then stay quiet). */
  function take(err: unknown): boolean {
    clear();
    if (!(err instanceof ApiError) || err.code !== "validation_failed" || !Array.isArray(err.details))
      return false;
    for (const issue of err.details as ValidationIssue[]) {
      const key = issue.path.split(".")[0] ?? "";
      const nested = issue.path.includes(".");
      add(key, nested ? `${issue.field}：${issue.message}` : issue.message);
      if (nested) add(issue.path, issue.message);
    }
    return true;
  }

  return { errors, clear, take };
}

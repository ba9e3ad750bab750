/**
 * The fields of `edited` that differ from `current` (compared with ===), or null when none does:
 * an edit form sends only what the user changed, and nothing at all when nothing was (the page
 * says 未作修改; an unchanged field sent again is still checked, e.g. a session's start against
 * the clock). Only `current`'s keys are compared, so a form may carry more than the record.
 */
export function changedFields<T extends object>(current: T, edited: T): Partial<T> | null {
  const changed: Partial<T> = {};
  for (const key of Object.keys(current) as (keyof T)[])
    if (edited[key] !== current[key]) changed[key] = edited[key];
  return Object.keys(changed).length > 0 ? changed : null;
}

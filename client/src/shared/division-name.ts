import { MINISTRY_CODE, MINISTRY_NAME, type DivisionDto } from "@contracts/organisation.js";

/**
 * A division's name from a loaded division list; the ministry level (the hub's staff and bodies)
 * by its name, since no list holds it; the code itself while the list loads or for a code it lacks.
 */
export function divisionNameIn(divisions: readonly DivisionDto[], code: string): string {
  if (code === MINISTRY_CODE) return MINISTRY_NAME;
  return divisions.find((d) => d.code === code)?.name ?? code;
}

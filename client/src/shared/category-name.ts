import { CATEGORIES } from "@contracts/categories.js";
import { ownEntry } from "@contracts/own-entry.js";

/** The category's name, or its code when this client does not know it. */
export function categoryName(code: string): string {
  return ownEntry(CATEGORIES, code) ?? code;
}

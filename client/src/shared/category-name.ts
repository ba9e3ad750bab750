import { CATEGORIES, type CategoryCode } from "@contracts/categories.js";

/** The category's name, or its code when this client does not know it. */
export function categoryName(code: string): string {
  // Own keys only: `in` also finds what every object inherits (`constructor`, `toString`).
  return Object.hasOwn(CATEGORIES, code) ? CATEGORIES[code as CategoryCode] : code;
}

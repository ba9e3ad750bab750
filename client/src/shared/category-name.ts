import { CATEGORIES, type CategoryCode } from "@contracts/categories.js";

/** The category's name, or its code when this client does not know it. */
export function categoryName(code: string): string {
  return code in CATEGORIES ? CATEGORIES[code as CategoryCode] : code;
}

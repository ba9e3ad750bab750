import type { QuestionType } from "@contracts/question-bank.js";

/**
 * Keyboard control of the exam page, so a candidate can sit the whole exam without a mouse
 * (kiosk keyboards, candidates who do not use a mouse comfortably):
 * A–D or 1–4 pick an option (toggle for multiple choice), T/F (or 1/2) answer true/false,
 * ↑/↓ move the highlight and Enter/Space picks it, ←/→ (PageUp/PageDown) change question,
 * M marks for review.
 */
export type ExamKeyAction =
  | { type: "choose"; key: string }
  | { type: "highlight"; delta: 1 | -1 }
  | { type: "pickHighlighted" }
  | { type: "go"; delta: 1 | -1 }
  | { type: "flag" };

/** The option keys a question shows, in display order. */
export function optionKeys(type: QuestionType, options: { key: string }[]): string[] {
  return type === "true_false" ? ["T", "F"] : options.map((o) => o.key);
}

/** Maps a key press to an action on the current question, or null when the page ignores it. */
export function examKeyAction(key: string, type: QuestionType, keys: string[]): ExamKeyAction | null {
  const k = key.length === 1 ? key.toUpperCase() : key;
  switch (k) {
    case "ArrowLeft":
    case "PageUp":
      return { type: "go", delta: -1 };
    case "ArrowRight":
    case "PageDown":
      return { type: "go", delta: 1 };
    case "ArrowUp":
      return { type: "highlight", delta: -1 };
    case "ArrowDown":
      return { type: "highlight", delta: 1 };
    case "Enter":
    case " ":
      return { type: "pickHighlighted" };
    case "M":
      return { type: "flag" };
  }
  if (/^[1-4]$/.test(k)) {
    const chosen = keys[Number(k) - 1];
    return chosen ? { type: "choose", key: chosen } : null;
  }
  if (type === "true_false") {
    if (k === "T" || k === "A") return { type: "choose", key: "T" };
    if (k === "F" || k === "B") return { type: "choose", key: "F" };
    return null;
  }
  return keys.includes(k) ? { type: "choose", key: k } : null;
}

/** The new choice after picking `key`: replace for single/true-false, toggle for multiple. */
export function applyChoice(type: QuestionType, current: readonly string[], key: string): string[] {
  if (type !== "multiple") return [key];
  const next = current.includes(key) ? current.filter((k) => k !== key) : [...current, key];
  return next.sort();
}

import { BlueprintFile } from "../contracts/question-bank.js";
import type { ParsedFile, ParsedItem } from "./parsed-item.js";
import { toItem } from "./parsed-item.js";

/**
 * roadcert JSON: a question file (`"format": "roadcert-questions/1"`) or a blueprint file
 * (`"format": "roadcert-blueprint/1"`), as described by question-bank/schema/*.schema.json.
 * Each question is validated on its own so a bad item is reported by index and ref.
 */
export function parseRoadcertJson(text: string): ParsedFile {
  const empty: ParsedFile = { format: "roadcert", items: [], blueprints: [], fileErrors: [] };
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (err) {
    return { ...empty, fileErrors: [`不是合法的 JSON：${err instanceof Error ? err.message : String(err)}`] };
  }
  const obj =
    data && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : null;
  if (!obj) return { ...empty, fileErrors: ["顶层须为对象"] };
  if (obj.format === "roadcert-blueprint/1") {
    const bp = BlueprintFile.safeParse(obj);
    if (!bp.success)
      return { ...empty, fileErrors: bp.error.issues.map((i) => `${i.path.join(".")}：${i.message}`) };
    return { ...empty, blueprints: [bp.data.blueprint] };
  }
  if (obj.format !== "roadcert-questions/1")
    return { ...empty, fileErrors: ['format 须为 "roadcert-questions/1" 或 "roadcert-blueprint/1"'] };
  const fileErrors: string[] = [];
  const allowed = new Set(["format", "title", "note", "questions"]);
  for (const key of Object.keys(obj)) if (!allowed.has(key)) fileErrors.push(`未知字段：${key}`);
  if (typeof obj.title !== "string" || !obj.title) fileErrors.push("title：须为非空字符串");
  if (!Array.isArray(obj.questions) || !obj.questions.length) fileErrors.push("questions：须为非空数组");
  if (fileErrors.length) return { ...empty, fileErrors };
  const seen = new Map<string, number>();
  const items: ParsedItem[] = (obj.questions as unknown[]).map((raw, i) => {
    const q = raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
    const ref = typeof q.ref === "string" ? q.ref : "";
    const location = `questions[${i}]${ref ? `（${ref}）` : ""}`;
    const item = toItem(location, q, []);
    const first = seen.get(ref);
    if (ref && first !== undefined)
      return {
        ...item,
        outcome: "invalid",
        question: undefined,
        notes: [...item.notes, `ref 与 questions[${first}] 重复`],
      };
    if (ref) seen.set(ref, i);
    return item;
  });
  return { ...empty, items };
}

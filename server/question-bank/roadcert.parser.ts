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
  // Repeated refs are refused by the importer for every format alike (refuseRepeatedRefs).
  const items: ParsedItem[] = (obj.questions as unknown[]).map((raw, i) => {
    const q = raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
    const ref = typeof q.ref === "string" ? q.ref : "";
    return toItem(`questions[${i}]${ref ? `（${ref}）` : ""}`, q, []);
  });
  return { ...empty, items };
}

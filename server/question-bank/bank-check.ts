import { CATEGORIES, type CategoryCode } from "../contracts/categories.js";
import type {
  BankQuestionSnapshot,
  BankShortfall,
  BlueprintInput,
  QuestionType,
} from "../contracts/question-bank.js";
import { toAppError } from "../lib/errors.js";
import { assemblePaper, checkFeasibility } from "./assembly.js";
import { parseImportFile, type ImportFile } from "./question-import.service.js";

/** What `bank:validate` reports for one category. */
export interface CategoryCheck {
  categoryCode: CategoryCode;
  name: string;
  counts: { type: QuestionType; chapter: string; count: number }[];
  total: number;
  blueprints: {
    file: string;
    title: string;
    questions: number;
    feasible: boolean;
    shortfalls: BankShortfall[];
    assembled: boolean;
  }[];
}

export interface BankCheck {
  /** Every problem found; the check passes when this is empty. */
  problems: string[];
  categories: CategoryCheck[];
}

/**
 * Checks the sample-bank files as a whole: every file against the contract (the same rules the JSON
 * Schema states), refs unique across files, every category with questions has exactly one
 * blueprint, and every blueprint assembles from the files' questions (as if all were published).
 */
export function checkBankFiles(files: ImportFile[]): BankCheck {
  const problems: string[] = [];
  const questions: (BankQuestionSnapshot & { file: string })[] = [];
  const blueprints: { file: string; blueprint: BlueprintInput }[] = [];
  const refs = new Map<string, string>();
  for (const file of files) {
    const parsed = parseImportFile(file);
    for (const e of parsed.fileErrors) problems.push(`${file.name}：${e}`);
    for (const item of parsed.items) {
      if (item.outcome !== "ok" || !item.question) {
        problems.push(`${file.name} ${item.location}：${item.notes.join("；")}`);
        continue;
      }
      const q = item.question;
      const first = refs.get(q.ref);
      if (first) problems.push(`${file.name} ${item.location}：ref ${q.ref} 已在 ${first} 中使用`);
      else refs.set(q.ref, file.name);
      questions.push({ ...q, id: q.ref, version: 1, file: file.name });
    }
    for (const bp of parsed.blueprints) blueprints.push({ file: file.name, blueprint: bp });
  }

  const codes = new Set<CategoryCode>([
    ...questions.flatMap((q) => q.categories),
    ...blueprints.map((b) => b.blueprint.categoryCode),
  ]);
  const categories: CategoryCheck[] = [];
  for (const code of [...codes].sort()) {
    const own = questions.filter((q) => q.categories.includes(code));
    const counts = new Map<string, { type: QuestionType; chapter: string; count: number }>();
    for (const q of own) {
      const key = `${q.chapter}\u0000${q.type}`;
      const row = counts.get(key) ?? { type: q.type, chapter: q.chapter, count: 0 };
      row.count++;
      counts.set(key, row);
    }
    const check: CategoryCheck = {
      categoryCode: code,
      name: CATEGORIES[code],
      counts: [...counts.values()].sort(
        (a, b) => a.chapter.localeCompare(b.chapter) || a.type.localeCompare(b.type),
      ),
      total: own.length,
      blueprints: [],
    };
    const bps = blueprints.filter((b) => b.blueprint.categoryCode === code);
    if (!bps.length)
      problems.push(`类别 ${code}（${CATEGORIES[code]}）有 ${own.length} 道题，但没有组卷方案`);
    if (bps.length > 1)
      problems.push(
        `类别 ${code} 有 ${bps.length} 个组卷方案文件（${bps.map((b) => b.file).join("、")}），默认方案应唯一`,
      );
    for (const { file, blueprint } of bps) {
      const { shortfalls } = checkFeasibility(own, blueprint);
      let assembled = false;
      if (!shortfalls.length) {
        try {
          const paper = assemblePaper({
            questions: own,
            blueprint: { ...blueprint, id: "validate", version: 1 },
            seed: "bank-validate",
          });
          assembled = paper.questions.length === blueprint.cells.reduce((s, c) => s + c.count, 0);
          if (paper.passMark > paper.totalPoints)
            problems.push(`${file}：及格分 ${paper.passMark} 高于满分 ${paper.totalPoints}`);
        } catch (err) {
          problems.push(`${file}：组卷失败（${toAppError(err).message}）`);
        }
      } else {
        for (const s of shortfalls)
          problems.push(
            `${file}：类别 ${code} ${s.chapter} ${s.type} 需 ${s.needed} 题，题库仅有 ${s.available} 题`,
          );
      }
      check.blueprints.push({
        file,
        title: blueprint.title,
        questions: blueprint.cells.reduce((s, c) => s + c.count, 0),
        feasible: shortfalls.length === 0,
        shortfalls,
        assembled,
      });
    }
    categories.push(check);
  }
  return { problems, categories };
}

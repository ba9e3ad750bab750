import { z } from "zod";
import { CATEGORIES, CategoryCode } from "./categories.js";

/** The question importer's edge: the formats it reads, its request body and its per-item report. */

/** Formats the importer reads. */
export const ImportFormat = z.enum(["roadcert", "csv", "moodle_xml", "gift", "xlsx"]);
export type ImportFormat = z.infer<typeof ImportFormat>;

/**
 * Why an import left an item unwritten, for software (other provinces' nodes, the UI): each code is
 * stable, the Chinese `notes` beside it say the same to a person with the item's particulars. File
 * level codes come on the file's one item (location "文件"); the write's codes on the item of the
 * file whose batch failed (earlier batches stay written). IMPORT_ITEM_CODES says what each means.
 */
export const ImportItemCode = z.enum([
  "file_refused",
  "file_unreadable",
  "file_rejected",
  "not_a_question",
  "unsupported_type",
  "unsupported_option_count",
  "malformed_item",
  "invalid_item",
  "image_refused",
  "number_format_unknown",
  "repeated_ref",
  "repeated_question",
  "ref_category_mismatch",
  "question_exists",
  "question_in_review",
  "question_retired",
  "question_changed_during_import",
  "question_ref_renamed",
  "ref_taken",
  "bank_insufficient",
  "bank_in_use",
  "import_failed",
  "import_stopped",
]);
export type ImportItemCode = z.infer<typeof ImportItemCode>;

/** What each import code means (the outcome it comes with first). */
export const IMPORT_ITEM_CODES: Record<ImportItemCode, string> = {
  file_refused: "invalid：文件无法按其格式读取（过大、无法解码、格式错误、表头有误等），整个文件未读取",
  file_unreadable: "invalid：文件无法打开（命令行导入：文件不存在或无法读取）",
  file_rejected: "skipped：本题无误，但文件中有无效题目，整个文件未导入（全有或全无）",
  not_a_question: "skipped：不是题目（GIFT 或 Moodle 的说明文字 description）",
  unsupported_type: "skipped：roadcert 不支持的题型（简答、论述、数值、配对、完形填空、计算等）",
  unsupported_option_count: "skipped：选择题的选项不是恰好 A–D 四个",
  malformed_item: "invalid：题目的写法有误（GIFT 花括号不成对、CSV 行的列数不符或无表头的列有内容）",
  invalid_item: "invalid：题目内容不符合题目规范（答案、选项、字段、长度等）或其格式的规则",
  image_refused: "invalid：题目所带图片不能导入（过大，或不是 PNG、JPEG、GIF、WebP）",
  number_format_unknown: "invalid：XLSX 中的数字无法确定其显示的文字",
  repeated_ref: "invalid：编号与同一文件（或同一次导入中前面的文件）中的题目重复或答案不同",
  repeated_question: "invalid：与同一文件中另一题题干和选项相同、编号不同（答案不同时两题都不导入）",
  ref_category_mismatch: "skipped：题库中同编号（由内容或名称得出）的题目属于其他从业类别且内容不同，未覆盖",
  question_exists: "skipped：题库中已有同一从业类别、题干和选项相同的另一道题（编号不同），本题未导入或未更新",
  question_in_review: "skipped：同编号题目正在审核中，未覆盖",
  question_retired: "skipped：同编号题目已停用，未覆盖",
  question_changed_during_import: "invalid：导入期间同编号题目被他人修改、送审或停用，本批未写入",
  question_ref_renamed: "invalid：同编号题目已有更新的版本（编号已在题库中更改），本批未写入",
  ref_taken: "invalid：编号已被同时写入的其他题目使用，本批未写入",
  bank_insufficient: "invalid：组卷方案按已发布导入，但题库不足以组卷，未写入",
  bank_in_use:
    "skipped：按已发布导入的新版本会使在用的组卷方案（现行版本或未结束场次所用版本）无法组卷，本题未写入",
  import_failed: "invalid：导入中断（数据库或服务器错误），已写入的批次保留",
  import_stopped: "invalid：导入在前面某一批停止，本题未写入（原因见停止处）；已写入的批次保留",
};

/**
 * The codes a question batch that was not written leaves on its items: each batch commits on its
 * own, so a report holding one of these has written the batches before it (question-bank/
 * import-stop.ts sets them; the import page and the command line say where it stopped).
 */
export const IMPORT_STOP_CODES: ReadonlySet<ImportItemCode> = new Set<ImportItemCode>([
  "question_changed_during_import",
  "question_ref_renamed",
  "ref_taken",
  "import_failed",
  "import_stopped",
]);

/** Per item: what was imported, and what was skipped or dropped and why. */
export const ImportItemReport = z
  .object({
    /** Where in the file: "第 12 行", "question #3 (name)", the item's ref. */
    location: z.string().max(300),
    ref: z.string().max(64).optional(),
    outcome: z.enum(["created", "updated", "unchanged", "skipped", "invalid"]),
    /** Why a skipped or invalid item was not written (on those only): ImportItemCode. */
    code: ImportItemCode.optional(),
    /** Constructs the format allows but roadcert cannot hold (e.g. Moodle matching, GIFT feedback), with why. */
    notes: z.array(z.string().max(2000)).max(50),
  })
  .refine((r) => (r.outcome === "skipped" || r.outcome === "invalid") === (r.code !== undefined), {
    message: "跳过或无效的条目须有 code，其他条目不带 code",
    path: ["code"],
  });
export type ImportItemReport = z.infer<typeof ImportItemReport>;

export const ImportReport = z.object({
  file: z.string().max(200),
  format: ImportFormat,
  dryRun: z.boolean(),
  /**
   * True when nothing of the file was written: an invalid item under all-or-nothing, or an import
   * stopped before its first batch committed (one stopped later has written the batches before).
   */
  rejected: z.boolean(),
  counts: z.object({
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    skipped: z.number().int(),
    invalid: z.number().int(),
  }),
  /** One per item of the file; files are bounded by size (bulk CSV/GIFT files hold 100,000 items). */
  items: z.array(ImportItemReport).max(1_000_000),
  blueprints: z
    .array(
      z.object({
        categoryCode: CategoryCode,
        outcome: z.enum(["created", "unchanged", "updated"]),
        version: z.number().int(),
        /** The version's state after the import: a person's import leaves a draft for someone else to publish. */
        status: z.enum(["draft", "published"]).optional(),
      }),
    )
    .max(100),
});
export type ImportReport = z.infer<typeof ImportReport>;

/** What an import fills in where a format leaves it out (Moodle XML, GIFT, CSV): from the API and `bank:import` alike. */
export const ImportDefaultsBody = z
  .object({
    categories: z.array(CategoryCode).min(1).max(Object.keys(CATEGORIES).length).optional(),
    chapter: z.string().min(1).max(64).optional(),
    difficulty: z.number().int().min(1).max(5).optional(),
  })
  .strict();

/** POST /api/question-bank/import: files to import (or dry-run), with defaults for what they leave out. */
export const QuestionImportBody = z
  .object({
    files: z
      .array(
        z
          .object({
            name: z.string().min(1).max(200),
            // Text already decoded by the sender, or the file's bytes (how the UI sends them, so GBK,
            // UTF-16 and XLSX reach the importer's decoder intact).
            content: z.string().max(1_500_000).optional(),
            contentBase64: z
              .string()
              .max(2_000_000)
              .regex(/^[A-Za-z0-9+/=]*$/, "文件内容须为 base64")
              .optional(),
            format: ImportFormat.optional(),
          })
          .strict()
          .refine((f) => (f.content === undefined) !== (f.contentBase64 === undefined), {
            message: "content 与 contentBase64 须恰给一个",
          }),
      )
      .min(1)
      .max(20),
    dryRun: z.boolean().default(false),
    partial: z.boolean().default(false),
    /**
     * Publish on import: the seeding and CLI only (the system actor); a person's request with it is
     * refused publish_not_allowed, since an import must not publish without a second person's review.
     */
    publish: z.boolean().default(false),
    defaults: ImportDefaultsBody.default({}),
  })
  .strict();

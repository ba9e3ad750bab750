import type { RequestHandler, Router } from "express";
import { actorOf, type Access } from "../access/index.js";
import { z } from "zod";
import { CategoryCode } from "../contracts/categories.js";
import { BlueprintInput, BlueprintShape, QuestionInput, QuestionListQuery } from "../contracts/question-bank.js";
import { QuestionImportBody, type ImportReport } from "../contracts/question-import.js";
import { wholeNumber } from "../contracts/validation.js";
import type { FeatureContext } from "../feature.js";
import { errors } from "../lib/errors.js";
import { noBody, noQuery, parsed, strictRouter, validate } from "../lib/http.js";
import { toCsv } from "./csv.parser.js";
import { IMAGE_MAX_BYTES } from "./image.store.js";
import type { QuestionBankService } from "./question-bank.service.js";
import type { ImportFile, ImportOptions } from "./question-import.service.js";
import { decodeBase64 } from "../lib/base64.js";

const Id = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/, "题目标识格式不正确") }).strict();
const IdVersion = z
  .object({ id: z.string().min(1).max(64), version: wholeNumber(1) })
  .strict();
/**
 * An edit names when the version its form was read from was last written (the question's
 * `updatedAt`, beside the question in the body): a save read before a colleague's is refused
 * question_changed instead of overwriting it.
 */
const EditRevision = z.object({
  expectedUpdatedAt: z.iso.datetime({ message: "expectedUpdatedAt 须为 ISO 8601 时间" }).optional(),
});

/**
 * Takes `expectedUpdatedAt` out of an edit's body, leaving the question itself for QuestionInput
 * (strict, and refined, so it cannot be extended with the field).
 */
const liftRevision: RequestHandler = (req, res, next) => {
  const body: unknown = req.body;
  if (body && typeof body === "object" && !Array.isArray(body) && "expectedUpdatedAt" in body) {
    const { expectedUpdatedAt, ...question } = body as Record<string, unknown>;
    req.body = question;
    res.locals.expectedUpdatedAt = expectedUpdatedAt;
  }
  next();
};
const Comment = z.object({ comment: z.string().trim().max(1000).optional() }).strict();
const RequiredComment = z.object({ comment: z.string().trim().min(1, "请填写审核意见").max(1000) }).strict();
const Quarantine = z
  .object({ quarantined: z.boolean(), reason: z.string().trim().max(500).optional() })
  .strict();
const CategoryParam = z.object({ categoryCode: CategoryCode }).strict();
const SaveBlueprint = z.object({ blueprint: BlueprintInput, publish: z.boolean().default(false) }).strict();
const Feasibility = z.object({ blueprint: BlueprintShape }).strict();
const PreviewPaper = z
  .object({
    categoryCode: CategoryCode,
    blueprintRef: z
      .object({ id: z.string().min(1).max(64), version: z.number().int().min(1) })
      .strict()
      .optional(),
    seed: z.string().min(1).max(100),
  })
  .strict();
const ExportQuery = z
  .object({
    categoryCode: CategoryCode.optional(),
    format: z.enum(["roadcert", "csv"]).default("roadcert"),
    /** The caller knows the file will hold no images (neither format carries them) and accepts it. */
    withoutImages: z.enum(["true", "false"]).default("false"),
  })
  .strict();
const ImageBody = z
  .object({
    filename: z.string().min(1).max(200),
    // Base64 of at most twice the image limit, so an oversized image still gets the bank's own clear refusal.
    dataBase64: z
      .string()
      .min(1)
      .max(Math.ceil((IMAGE_MAX_BYTES * 2 * 4) / 3))
      .regex(/^[A-Za-z0-9+/=\s]+$/, "图片数据须为 base64"),
  })
  .strict();
const ImageId = z.object({ imageId: z.string().regex(/^[0-9a-f]{24}$/) }).strict();

/**
 * REST routes under /api/question-bank. Examiners write and submit; reviewers approve, return,
 * quarantine; the four-eyes rule itself lives in the service (a role check cannot know the author).
 */
export function questionBankRouter(
  ctx: FeatureContext,
  bank: QuestionBankService,
  access: Access,
  /** The import, bound by the feature to the node's audit log (routes never touch audit). */
  importFiles: (files: ImportFile[], options: Omit<ImportOptions, "audit">) => Promise<ImportReport[]>,
): Router {
  const r = strictRouter();
  const base = "/question-bank";
  const readers = access.route("question:read");

  r.get(`${base}/questions`, readers, validate("query", QuestionListQuery), async (_req, res) => {
    res.json(await bank.listQuestions(parsed<z.infer<typeof QuestionListQuery>>(res, "query")));
  });
  r.post(
    `${base}/questions`,
    access.route("question:write"),
    validate("body", QuestionInput),
    async (req, res) => {
      res.status(201).json(await bank.createQuestion(actorOf(req), parsed<QuestionInput>(res, "body")));
    },
  );
  r.get(`${base}/questions/:id`, readers, noQuery, validate("params", Id), async (_req, res) => {
    res.json(await bank.getQuestion(parsed<z.infer<typeof Id>>(res, "params").id));
  });
  r.put(
    `${base}/questions/:id`,
    access.route("question:write"),
    validate("params", Id),
    liftRevision,
    validate("body", QuestionInput),
    async (req, res) => {
      const revision: unknown = res.locals.expectedUpdatedAt;
      const expected = EditRevision.parse({ expectedUpdatedAt: revision }).expectedUpdatedAt;
      res.json(
        await bank.updateQuestion(
          actorOf(req),
          parsed<z.infer<typeof Id>>(res, "params").id,
          parsed<QuestionInput>(res, "body"),
          expected ? new Date(expected) : undefined,
        ),
      );
    },
  );
  r.get(`${base}/questions/:id/versions`, readers, noQuery, validate("params", Id), async (_req, res) => {
    res.json({ items: await bank.history(parsed<z.infer<typeof Id>>(res, "params").id) });
  });
  r.get(
    `${base}/questions/:id/versions/:version`,
    readers,
    noQuery, validate("params", IdVersion),
    async (_req, res) => {
      const p = parsed<z.infer<typeof IdVersion>>(res, "params");
      res.json(await bank.getQuestionVersion(p.id, p.version));
    },
  );
  r.post(
    `${base}/questions/:id/submit`,
    access.route("question:write"),
    noBody, validate("params", Id),
    async (req, res) => {
      res.json(await bank.submitForReview(actorOf(req), parsed<z.infer<typeof Id>>(res, "params").id));
    },
  );
  r.post(
    `${base}/questions/:id/approve`,
    access.route("question:review"),
    validate("params", Id),
    validate("body", Comment),
    async (req, res) => {
      const body = parsed<z.infer<typeof Comment>>(res, "body");
      res.json(await bank.approve(actorOf(req), parsed<z.infer<typeof Id>>(res, "params").id, body.comment));
    },
  );
  r.post(
    `${base}/questions/:id/return`,
    access.route("question:review"),
    validate("params", Id),
    validate("body", RequiredComment),
    async (req, res) => {
      const body = parsed<z.infer<typeof RequiredComment>>(res, "body");
      res.json(
        await bank.returnForChanges(actorOf(req), parsed<z.infer<typeof Id>>(res, "params").id, body.comment),
      );
    },
  );
  r.post(
    `${base}/questions/:id/retire`,
    access.route("question:retire"),
    validate("params", Id),
    validate("body", Comment),
    async (req, res) => {
      const body = parsed<z.infer<typeof Comment>>(res, "body");
      res.json(await bank.retire(actorOf(req), parsed<z.infer<typeof Id>>(res, "params").id, body.comment));
    },
  );
  r.post(
    `${base}/questions/:id/quarantine`,
    access.route("question:review"),
    validate("params", Id),
    validate("body", Quarantine),
    async (req, res) => {
      const body = parsed<z.infer<typeof Quarantine>>(res, "body");
      res.json(
        await bank.setQuarantine(
          actorOf(req),
          parsed<z.infer<typeof Id>>(res, "params").id,
          body.quarantined,
          body.reason,
        ),
      );
    },
  );
  // Images arrive base64 in JSON (the UI's one request style); the bank checks size and real type.
  r.put(
    `${base}/questions/:id/image`,
    access.route("question:write"),
    validate("params", Id),
    validate("body", ImageBody),
    async (req, res) => {
      const body = parsed<z.infer<typeof ImageBody>>(res, "body");
      const data = decodeBase64(body.dataBase64, "图片数据");
      res.json(
        await bank.attachImage(
          actorOf(req),
          parsed<z.infer<typeof Id>>(res, "params").id,
          data,
          body.filename,
        ),
      );
    },
  );
  r.delete(
    `${base}/questions/:id/image`,
    access.route("question:write"),
    noBody, validate("params", Id),
    async (req, res) => {
      res.json(await bank.removeImage(actorOf(req), parsed<z.infer<typeof Id>>(res, "params").id));
    },
  );
  // The bank's readers fetch any image by id; a candidate only those of their own paper (others look
  // like none). No proctor or officer page shows a question, so neither may fetch its image.
  r.get(
    `${base}/images/:imageId`,
    access.route("question-image:read"),
    noQuery, validate("params", ImageId),
    async (req, res) => {
      const { imageId } = parsed<z.infer<typeof ImageId>>(res, "params");
      const actor = actorOf(req);
      if (actor.kind === "candidate" && !(actor.candidate && (await bank.candidateSeesImage(actor.candidate, imageId))))
        throw errors.notFound("图片");
      // Staff read an image as bank content, under question:read's rule (the province level's).
      if (actor.kind !== "candidate") await access.assert(actor, "question:read");
      const image = await bank.images.get(imageId);
      res.setHeader("Content-Type", image.contentType);
      res.setHeader("Cache-Control", "private, max-age=3600, immutable");
      res.setHeader("X-Content-Type-Options", "nosniff");
      res.send(image.data);
    },
  );
  r.get(
    `${base}/review-queue`,
    access.route("question:review"),
    validate("query", z.object({ categoryCode: CategoryCode.optional() }).strict()),
    async (_req, res) => {
      const q = parsed<{ categoryCode?: CategoryCode }>(res, "query");
      res.json(await bank.reviewQueue(q.categoryCode));
    },
  );
  r.get(`${base}/summary/:categoryCode`, readers, noQuery, validate("params", CategoryParam), async (_req, res) => {
    res.json({
      items: await bank.bankSummary(parsed<z.infer<typeof CategoryParam>>(res, "params").categoryCode),
    });
  });

  r.get(
    `${base}/blueprints`,
    access.route("blueprint:read"),
    validate("query", z.object({ categoryCode: CategoryCode.optional() }).strict()),
    async (_req, res) => {
      res.json({
        items: await bank.listBlueprints(parsed<{ categoryCode?: CategoryCode }>(res, "query").categoryCode),
      });
    },
  );
  r.post(
    `${base}/blueprints`,
    access.route("blueprint:write"),
    validate("body", SaveBlueprint),
    async (req, res) => {
      const body = parsed<z.infer<typeof SaveBlueprint>>(res, "body");
      const actor = actorOf(req);
      // Saving and publishing in one step skips the second person, and the blueprint decides the
      // pass mark and the retake rules of every session pinned to it: nobody does it, an admin
      // neither. Everyone saves a draft that someone other than its author publishes.
      if (body.publish)
        throw errors.forbidden(
          "组卷方案不能保存即发布：请保存为草稿，由起草人以外的审核人或管理员发布",
          "publish_not_allowed",
        );
      res.status(201).json(await bank.saveBlueprint(actor, body.blueprint, { publish: body.publish }));
    },
  );
  r.post(
    `${base}/blueprints/:id/versions/:version/publish`,
    access.route("blueprint:publish"),
    noBody, validate("params", IdVersion),
    async (req, res) => {
      const p = parsed<z.infer<typeof IdVersion>>(res, "params");
      res.json(await bank.publishBlueprint(actorOf(req), p.id, p.version));
    },
  );
  r.post(`${base}/blueprints/feasibility`, readers, validate("body", Feasibility), async (_req, res) => {
    res.json(await bank.feasibility(parsed<z.infer<typeof Feasibility>>(res, "body").blueprint));
  });
  r.post(`${base}/preview-paper`, readers, validate("body", PreviewPaper), async (_req, res) => {
    res.json(await bank.buildPaper(parsed<z.infer<typeof PreviewPaper>>(res, "body")));
  });

  r.post(`${base}/import`, access.route("bank:import"), validate("body", QuestionImportBody), async (req, res) => {
    const body = parsed<z.infer<typeof QuestionImportBody>>(res, "body");
    const user = actorOf(req);
    // Publishing on import skips review, and a published question (or a new version of a live
    // one, e.g. another answer key) is what candidates are examined on: nobody does it alone, an
    // admin neither (as blueprints, above). A person's import writes drafts that someone other
    // than their writers approves; only the system (seeding, the operator's bank:import CLI)
    // imports published. The service refuses it too (importQuestionBankFiles).
    if (body.publish)
      throw errors.forbidden(
        "导入不能直接发布：请导入为草稿，由起草人以外的审核人审核通过后发布",
        "publish_not_allowed",
      );
    const files = body.files.map((f) => ({
      name: f.name,
      content: f.contentBase64 !== undefined ? decodeBase64(f.contentBase64, `文件 ${f.name} 的内容`) : (f.content ?? ""),
      ...(f.format ? { format: f.format } : {}),
    }));
    const reports = await importFiles(files, { ...body, actor: user });
    res.json({ reports });
  });
  r.get(`${base}/export`, readers, validate("query", ExportQuery), async (_req, res) => {
    const q = parsed<z.infer<typeof ExportQuery>>(res, "query");
    const { questions, withImages, quarantined } = await bank.exportQuestions(q.categoryCode);
    // Neither format carries an image: imported elsewhere such a question would read "created"
    // with no picture. Refused unless the caller says it accepts that (correct or refuse).
    if (withImages.length && q.withoutImages !== "true")
      throw errors.conflict(
        "export_images_not_carried",
        `有 ${withImages.length} 道题带图片（如「${withImages.slice(0, 3).join("」「")}」），导出文件无法携带图片；` +
          "确认导出不含图片的文件后再导出，并在导入方另行补图",
        { count: withImages.length, refs: withImages.slice(0, 20) },
      );
    const stamp = q.categoryCode ?? "all";
    if (q.format === "csv") {
      // Built before the headers: a refusal (export_tag_separator) must not go out as the attachment.
      const csv = toCsv(questions);
      res.setHeader("Content-Type", "text/csv; charset=utf-8");
      res.setHeader("Content-Disposition", `attachment; filename="roadcert-${stamp}.csv"`);
      res.send(`\uFEFF${csv}`);
      return;
    }
    res.setHeader("Content-Disposition", `attachment; filename="roadcert-${stamp}.json"`);
    res.json({
      format: "roadcert-questions/1",
      title: `导出题目（${stamp}）`,
      note: [
        "roadcert 导出",
        ...(withImages.length ? [`${withImages.length} 道题的图片未导出（如 ${withImages.slice(0, 10).join("、")}）`] : []),
        ...(quarantined ? [`${quarantined} 道暂停使用的题目未导出`] : []),
      ].join("；"),
      questions,
    });
  });

  r.get(`${base}/statistics/:categoryCode`, readers, noQuery, validate("params", CategoryParam), async (_req, res) => {
    res.json({
      items: await bank.itemStatistics(parsed<z.infer<typeof CategoryParam>>(res, "params").categoryCode),
    });
  });
  r.post(
    `${base}/statistics/:categoryCode/quarantine-negative`,
    access.route("question:review"),
    noBody, validate("params", CategoryParam),
    async (req, res) => {
      const code = parsed<z.infer<typeof CategoryParam>>(res, "params").categoryCode;
      // `kept`: items left in new papers because a blueprint in use needs them (bank_in_use).
      res.json(await bank.quarantineNegative(code, actorOf(req)));
    },
  );
  return r;
}

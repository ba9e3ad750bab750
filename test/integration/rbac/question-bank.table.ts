import type { RunningNode } from "../../../server/main.js";
import { createQuestionBankService, type Actor } from "../../../server/question-bank/index.js";
import type { RbacFixtures, RbacRow, RbacTable } from "./rbac-types.js";
import { routeRow } from "./row-builders.js";

/**
 * Rows of the question bank. The bank is the province node's content, not a division's: examiners
 * and reviewers exist at the province level only (the matrix makes them there on both sides), and
 * the matrix's admins are a city's, refused province_level_only; the province admin's answers are
 * tested in question-bank/province-bank.test.ts. The blueprint list is also the officers' (they
 * schedule sessions on it), from any division.
 */

const readers = { examiner: "all", reviewer: "all" } as const;
const PNG_1PX =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

const author: Actor = { id: "rbac-author", displayName: "矩阵出题人" };
const approver: Actor = { id: "rbac-approver", displayName: "矩阵审核人" };

function question(n: number, overrides: Record<string, unknown> = {}) {
  return {
    ref: `RBAC-${n}`,
    type: "single",
    stem: `矩阵测试题 ${n}：车辆起步前应当观察哪里？`,
    options: [
      { key: "A", text: "车辆周围情况" },
      { key: "B", text: "只看仪表" },
      { key: "C", text: "只看导航" },
      { key: "D", text: "不用观察" },
    ],
    answer: ["A"],
    chapter: "矩阵章节",
    categories: ["04001"],
    ...overrides,
  };
}

const blueprint = {
  categoryCode: "04001",
  title: "矩阵方案",
  minutes: 30,
  passMark: 1,
  points: { true_false: 1, single: 1, multiple: 1 },
  cells: [{ type: "single", chapter: "矩阵章节", count: 2 }],
};

const bank = (fx: RbacFixtures) => createQuestionBankService(fx.node.ctx);
const extra = (fx: RbacFixtures, key: string): string => fx.extra["question-bank"]?.[key] ?? "";

/** A question in the given state, written by someone who is not any matrix actor. */
async function questionIn(fx: RbacFixtures, state: "draft" | "in_review" | "published"): Promise<string> {
  const b = bank(fx);
  const q = await b.createQuestion(author, question(fx.unique() + 10_000));
  if (state === "draft") return q.id;
  await b.submitForReview(author, q.id);
  if (state === "published") await b.approve(approver, q.id);
  return q.id;
}

export const setup: RbacTable["setup"] = async (node: RunningNode) => {
  const b = createQuestionBankService(node.ctx);
  const published: string[] = [];
  for (let i = 0; i < 2; i++) {
    const q = await b.createQuestion(author, question(i + 1));
    await b.submitForReview(author, q.id);
    await b.approve(approver, q.id);
    published.push(q.id);
  }
  // Seeded through the service (a script's path): the routes publish only a draft, by another person.
  await b.saveBlueprint(author, blueprint, { publish: true });
  const editable = await b.createQuestion(author, question(3));
  const withImage = await b.attachImage(author, editable.id, Buffer.from(PNG_1PX, "base64"), "sign.png");
  return { questionId: published[0] ?? "", editableId: editable.id, imageId: withImage.imageId ?? "" };
};

export const rows: RbacRow[] = [
  routeRow("get", "/question-bank/questions", readers),
  {
    method: "post",
    path: "/question-bank/questions",
    access: { examiner: "all" },
    request: (fx) => ({ url: "/api/question-bank/questions", body: question(fx.unique() + 20_000) }),
  },
  {
    method: "get",
    path: "/question-bank/questions/:id",
    access: readers,
    request: (fx) => ({ url: `/api/question-bank/questions/${extra(fx, "questionId")}` }),
  },
  {
    method: "put",
    path: "/question-bank/questions/:id",
    access: { examiner: "all" },
    request: (fx) => ({
      url: `/api/question-bank/questions/${extra(fx, "editableId")}`,
      body: question(3, { difficulty: 1 + (fx.unique() % 5) }),
    }),
  },
  {
    method: "get",
    path: "/question-bank/questions/:id/versions",
    access: readers,
    request: (fx) => ({ url: `/api/question-bank/questions/${extra(fx, "questionId")}/versions` }),
  },
  {
    method: "get",
    path: "/question-bank/questions/:id/versions/:version",
    access: readers,
    request: (fx) => ({ url: `/api/question-bank/questions/${extra(fx, "questionId")}/versions/1` }),
  },
  {
    method: "post",
    path: "/question-bank/questions/:id/submit",
    access: { examiner: "all" },
    request: async (fx) => ({
      url: `/api/question-bank/questions/${await questionIn(fx, "draft")}/submit`,
      body: {},
    }),
  },
  {
    method: "post",
    path: "/question-bank/questions/:id/approve",
    access: { reviewer: "all" },
    request: async (fx) => ({
      url: `/api/question-bank/questions/${await questionIn(fx, "in_review")}/approve`,
      body: {},
    }),
  },
  {
    method: "post",
    path: "/question-bank/questions/:id/return",
    access: { reviewer: "all" },
    request: async (fx) => ({
      url: `/api/question-bank/questions/${await questionIn(fx, "in_review")}/return`,
      body: { comment: "请核对法规原文" },
    }),
  },
  {
    method: "post",
    path: "/question-bank/questions/:id/retire",
    access: { examiner: "all", reviewer: "all" },
    request: async (fx) => ({
      url: `/api/question-bank/questions/${await questionIn(fx, "published")}/retire`,
      body: {},
    }),
  },
  {
    method: "post",
    path: "/question-bank/questions/:id/quarantine",
    access: { reviewer: "all" },
    request: async (fx) => {
      // A draft (no blueprint in use needs it, so quarantining is not refused bank_in_use), asked
      // the opposite of what it holds now: quarantining twice, or releasing a free question, is
      // refused 409 as a change that did not happen.
      const questionId = extra(fx, "editableId");
      const held = await fx.node.ctx.conn
        .collection("question_versions")
        .findOne({ questionId, quarantined: true });
      return { url: `/api/question-bank/questions/${questionId}/quarantine`, body: { quarantined: !held } };
    },
  },
  {
    method: "put",
    path: "/question-bank/questions/:id/image",
    access: { examiner: "all" },
    request: (fx) => ({
      url: `/api/question-bank/questions/${extra(fx, "editableId")}/image`,
      body: { filename: "sign.png", dataBase64: PNG_1PX },
    }),
  },
  {
    method: "delete",
    path: "/question-bank/questions/:id/image",
    access: { examiner: "all" },
    request: (fx) => ({ url: `/api/question-bank/questions/${extra(fx, "editableId")}/image` }),
  },
  {
    method: "get",
    path: "/question-bank/images/:imageId",
    // Bank content, as the questions are; a candidate sees only the images of their own paper
    // (the setup's image is on none); no proctor or officer page shows a question.
    access: { examiner: "all", reviewer: "all" },
    request: (fx) => ({ url: `/api/question-bank/images/${extra(fx, "imageId")}` }),
  },
  routeRow("get", "/question-bank/review-queue", { reviewer: "all" }),
  {
    method: "get",
    path: "/question-bank/summary/:categoryCode",
    access: readers,
    request: () => ({ url: "/api/question-bank/summary/04001" }),
  },
  routeRow("get", "/question-bank/blueprints", { ...readers, admin: "all", officer: "all" }),
  {
    method: "post",
    path: "/question-bank/blueprints",
    access: { examiner: "all" },
    request: () => ({
      url: "/api/question-bank/blueprints",
      body: { blueprint: { ...blueprint, categoryCode: "04002" }, publish: false },
    }),
  },
  {
    method: "post",
    path: "/question-bank/blueprints/:id/versions/:version/publish",
    access: { reviewer: "all" },
    // A fresh draft of the category the setup's published questions fill (publishing checks the bank).
    request: async (fx) => {
      const draft = await bank(fx).saveBlueprint(author, blueprint);
      return { url: `/api/question-bank/blueprints/${draft.id}/versions/${draft.version}/publish`, body: {} };
    },
  },
  {
    method: "post",
    path: "/question-bank/blueprints/feasibility",
    access: readers,
    request: () => ({ url: "/api/question-bank/blueprints/feasibility", body: { blueprint } }),
  },
  {
    method: "post",
    path: "/question-bank/preview-paper",
    access: readers,
    request: (fx) => ({
      url: "/api/question-bank/preview-paper",
      body: { categoryCode: "04001", seed: `rbac-${fx.unique()}` },
    }),
  },
  {
    method: "post",
    path: "/question-bank/import",
    access: { examiner: "all" },
    request: () => ({
      url: "/api/question-bank/import",
      body: {
        files: [
          {
            name: "a.csv",
            content:
              "ref,type,stem,answer,chapter,categories\nRBAC-CSV,判断,车辆起步前应观察周围情况。,T,矩阵章节,04001\n",
          },
        ],
        dryRun: true,
      },
    }),
  },
  {
    method: "get",
    path: "/question-bank/export",
    access: readers,
    request: () => ({ url: "/api/question-bank/export?categoryCode=04001" }),
  },
  {
    method: "get",
    path: "/question-bank/statistics/:categoryCode",
    access: readers,
    request: () => ({ url: "/api/question-bank/statistics/04001" }),
  },
  {
    method: "post",
    path: "/question-bank/statistics/:categoryCode/quarantine-negative",
    access: { reviewer: "all" },
    request: () => ({ url: "/api/question-bank/statistics/04001/quarantine-negative", body: {} }),
  },
];

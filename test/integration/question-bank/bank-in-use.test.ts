import { expect } from "chai";
import type { ItemResponse } from "../../../server/contracts/item-stats.js";
import type { QuestionDto } from "../../../server/contracts/question-bank.js";
import { AppError } from "../../../server/lib/errors.js";
import { createQuestionBankService, type QuestionBankService } from "../../../server/question-bank/index.js";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { commandsDuring } from "../../helpers/commands.js";
import { useTestDatabase } from "../../helpers/database.js";
import { startTestNode } from "../../helpers/node.js";
import { author, bankContext, blueprintInput, questionInput, reviewer } from "./bank-context.js";
import {
  aBankNode,
  aSessionNeedingEveryQuestion,
  checkIn,
  publishedBlueprint,
  publishedQuestions,
  type BankNode,
} from "./pinned-bank.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;

/**
 * Papers are drawn from the published bank at check-in, by the blueprint version the session
 * pinned. A retirement, a quarantine or an approved new version that leaves such a version (or the
 * current one, which the next session pins) short would fail every check-in of those sessions on
 * the exam morning: it is refused `bank_in_use` instead, and nothing is written.
 */
describe("question bank: a change that would leave a blueprint in use unfillable", function () {
  this.timeout(180_000);
  let bank: BankNode;
  let node: Node;
  let second: Node;
  let examiner: AuthedAgent;
  let secondExaminer: AuthedAgent;
  let reviewerAgent: AuthedAgent;
  let officer: AuthedAgent;

  before(async () => {
    bank = await aBankNode();
    ({ node, examiner, reviewer: reviewerAgent, officer } = bank);
    // A second app instance on the same database, as a scaled-out node runs.
    second = await startTestNode({ shareDatabase: node.dbName });
    secondExaminer = await staffAgent(second, { roles: ["examiner"] });
  });
  after(async () => {
    await second?.stop();
    await node?.stop();
  });

  const statusOf = async (id: string) =>
    ((await examiner.agent.get(`/api/question-bank/questions/${id}`).expect(200)).body as QuestionDto).status;
  const auditCount = (action: string, id: string) =>
    node.ctx.conn.collection("audit_log").countDocuments({ action, "target.id": id });

  it("when an examiner retires a question the blueprint a session pinned needs, then it is refused bank_in_use naming the version and the short cell, nothing is written, and the check-in still gets a full paper", async () => {
    const { questions, v1, session, candidate } = await aSessionNeedingEveryQuestion(bank, "在用停用章节");
    const target = questions[0]!.dto;
    const res = await examiner.agent
      .post(`/api/question-bank/questions/${target.id}/retire`)
      .send({ comment: "法规已修订" });
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "bank_in_use"]);
    expect(res.body.error.message).to.contain(`${v1.id} 第 ${v1.version} 版`);
    expect(res.body.error.message).to.contain("在用停用章节/单选题 需 3 题，仅有 2 题");
    // Only the pinned version is short: the current one needs 2, which stay.
    expect(res.body.error.details.blueprints.map((b: { version: number }) => b.version)).to.deep.equal([
      v1.version,
    ]);
    expect(await statusOf(target.id)).to.equal("published");
    expect(await auditCount("question_bank.question_retired", target.id)).to.equal(0);
    expect(await checkIn(node, session, candidate)).to.equal(3);
  });

  it("when a reviewer quarantines such a question, then it is refused bank_in_use and the question stays in new papers", async () => {
    const { questions, session, candidate } = await aSessionNeedingEveryQuestion(bank, "在用暂停章节");
    const target = questions[1]!.dto;
    const res = await reviewerAgent.agent
      .post(`/api/question-bank/questions/${target.id}/quarantine`)
      .send({ quarantined: true, reason: "统计分析后暂停" });
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "bank_in_use"]);
    expect(res.body.error.message).to.contain("暂停组卷");
    const stored = (await examiner.agent.get(`/api/question-bank/questions/${target.id}`).expect(200))
      .body as QuestionDto;
    expect(stored.quarantined).to.equal(false);
    expect(await auditCount("question_bank.question_quarantined", target.id)).to.equal(0);
    expect(await checkIn(node, session, candidate)).to.equal(3);
  });

  it("when a reviewer approves a new version that moves such a question to another chapter, then it is refused bank_in_use and the published version stays in use", async () => {
    const { questions, session, candidate } = await aSessionNeedingEveryQuestion(bank, "在用改章章节");
    const q = questions[2]!.dto;
    const { ref, type, stem, options, answer, explanation, categories, difficulty, tags, source } = q;
    const edited = await examiner.agent
      .put(`/api/question-bank/questions/${q.id}`)
      .send({
        ref,
        type,
        stem,
        options,
        answer,
        explanation,
        categories,
        difficulty,
        tags,
        source,
        chapter: "别的章节",
      })
      .expect(200);
    expect((edited.body as QuestionDto).version).to.equal(2);
    await examiner.agent.post(`/api/question-bank/questions/${q.id}/submit`).expect(200);
    const res = await reviewerAgent.agent.post(`/api/question-bank/questions/${q.id}/approve`).send({});
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "bank_in_use"]);
    const versions = (await examiner.agent.get(`/api/question-bank/questions/${q.id}/versions`).expect(200))
      .body as { items: QuestionDto[] };
    expect(versions.items.map((v) => [v.version, v.status]).sort()).to.deep.equal([
      [1, "published"],
      [2, "in_review"],
    ]);
    expect(await checkIn(node, session, candidate)).to.equal(3);
  });

  it("when the session pinning the blueprint is cancelled, then retiring the question is allowed (the current version still fills)", async () => {
    const { questions, session } = await aSessionNeedingEveryQuestion(
      bank,
      "在用取消章节",
      new Date(Date.now() + 86_400_000),
    );
    const target = questions[0]!.dto;
    await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ status: "cancelled" }).expect(200);
    await examiner.agent
      .post(`/api/question-bank/questions/${target.id}/retire`)
      .send({ comment: "法规已修订" })
      .expect(200);
    expect(await statusOf(target.id)).to.equal("retired");
  });

  it("when two examiners on two app instances retire two questions at once and either alone would leave enough, then exactly one is retired and the other is refused bank_in_use", async () => {
    const questions = (await publishedQuestions(bank, 3, "并发停用章节")).map((q) => q.dto);
    await publishedBlueprint(bank, 2, "并发停用章节", "并发方案");
    const [a, b] = questions as [QuestionDto, QuestionDto];
    const results = await Promise.all([
      examiner.agent.post(`/api/question-bank/questions/${a.id}/retire`).send({}),
      secondExaminer.agent.post(`/api/question-bank/questions/${b.id}/retire`).send({}),
    ]);
    expect(results.map((r) => r.status).sort()).to.deep.equal([200, 409]);
    expect(results.find((r) => r.status === 409)?.body.error.code).to.equal("bank_in_use");
    const statuses = [await statusOf(a.id), await statusOf(b.id)].sort();
    expect(statuses).to.deep.equal(["published", "retired"]);
  });
});

/** The bank alone (no audit log queueing its transactions): the guard and auto-quarantine. */
describe("question bank: the fill guard without the audit log", () => {
  const db = useTestDatabase("qbinuse", { monitorCommands: true });
  let bank: QuestionBankService;
  before(() => {
    bank = createQuestionBankService(bankContext(db.conn));
  });

  async function published(chapter: string): Promise<QuestionDto> {
    const q = await bank.createQuestion(author, questionInput({ chapter }));
    await bank.submitForReview(author, q.id);
    return bank.approve(reviewer, q.id);
  }

  async function code(p: Promise<unknown>): Promise<string> {
    try {
      await p;
    } catch (err) {
      if (err instanceof AppError) return err.code;
      throw err;
    }
    return "ok";
  }

  /** Thirty finished attempts in which the strong candidates miss `questionId` (key B) and the weak get it. */
  function negativeResponses(questionIds: string[]): ItemResponse[] {
    return Array.from({ length: 30 }, (_, c) =>
      questionIds.map((questionId) => ({
        attemptId: `neg-${c}`,
        questionId,
        version: 1,
        optionOrder: ["A", "B", "C", "D"],
        chosen: [c >= 15 ? "A" : "B"],
        correct: c < 15,
        awarded: c < 15 ? 1 : 0,
        totalScore: 40 + c * 2,
      })),
    ).flat();
  }

  it("when two retirements run at once in separate transactions and either alone would leave enough, then only one commits", async () => {
    const qs = [await published("守卫章节"), await published("守卫章节"), await published("守卫章节")];
    await bank.saveBlueprint(
      author,
      blueprintInput(2, { cells: [{ type: "single", chapter: "守卫章节", count: 2 }] }),
      { publish: true, id: "bp-guard" },
    );
    const codes = await Promise.all([
      code(bank.retire(author, qs[0]!.id)),
      code(bank.retire(author, qs[1]!.id)),
    ]);
    expect(codes.sort()).to.deep.equal(["bank_in_use", "ok"]);
    const eligible = (await bank.eligibleSnapshots("01001")).filter((q) => q.chapter === "守卫章节");
    expect(eligible).to.have.length(2);
  });

  it("when auto-quarantine finds negative discrimination in questions the current blueprint needs, then it quarantines only what leaves the blueprint fillable and reports the rest", async () => {
    const qs = [];
    for (let i = 0; i < 4; i++) qs.push(await published("自动暂停章节"));
    await bank.saveBlueprint(
      author,
      blueprintInput(3, { cells: [{ type: "single", chapter: "自动暂停章节", count: 3 }] }),
      { publish: true, id: "bp-auto" },
    );
    const bad = [qs[0]!.id, qs[1]!.id];
    bank.useResponses((c) => Promise.resolve(c === "01001" ? negativeResponses(bad) : []));
    const result = await bank.quarantineNegative("01001", reviewer);
    const quarantined = result.items.filter((s) => bad.includes(s.questionId) && s.quarantined);
    expect(quarantined).to.have.length(1);
    expect(result.kept.map((k) => k.questionId)).to.deep.equal(
      bad.filter((id) => id !== quarantined[0]!.questionId),
    );
    expect(result.kept[0]?.message).to.contain("自动暂停章节/单选题 需 3 题，仅有 2 题");
    const eligible = (await bank.eligibleSnapshots("01001")).filter((q) => q.chapter === "自动暂停章节");
    expect(eligible).to.have.length(3);
  });

  it("when auto-quarantine flags several items, then it checks them as one batch: the round trips do not grow with the items", async () => {
    const qs = [];
    for (let i = 0; i < 8; i++) qs.push(await published("批量暂停章节"));
    await bank.saveBlueprint(
      author,
      blueprintInput(2, { cells: [{ type: "single", chapter: "批量暂停章节", count: 2 }] }),
      { publish: true, id: "bp-batch" },
    );
    const run = async (bad: string[]) => {
      bank.useResponses((c) => Promise.resolve(c === "01001" ? negativeResponses(bad) : []));
      let result: Awaited<ReturnType<QuestionBankService["quarantineNegative"]>> | undefined;
      const commands = await commandsDuring(db.conn, async () => {
        result = await bank.quarantineNegative("01001", reviewer);
      });
      expect(result?.kept).to.deep.equal([]);
      expect(
        result?.items
          .filter((s) => s.quarantined)
          .map((s) => s.questionId)
          .sort(),
      ).to.deep.equal([...bad].sort());
      return commands;
    };
    const two = await run([qs[0]!.id, qs[1]!.id]);
    const four = await run([qs[2]!.id, qs[3]!.id, qs[4]!.id, qs[5]!.id]);
    expect(four).to.deep.equal(two);
    const eligible = (await bank.eligibleSnapshots("01001")).filter((q) => q.chapter === "批量暂停章节");
    expect(eligible).to.have.length(2);
  });
});

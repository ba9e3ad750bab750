import { expect } from "chai";
import type { QuestionDto } from "../../../server/contracts/question-bank.js";
import type { ImportReport } from "../../../server/contracts/question-import.js";
import type { RunningNode } from "../../../server/main.js";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";
import { questionInput } from "./bank-context.js";
import { unpaddedBase64 } from "../../helpers/base64.js";

const PNG_1PX = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

/** ASCII as a Chinese input method types it in full-width mode (ＰＦ－１ for PF-1). */
const fullWidth = (text: string) =>
  text.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

describe("question bank: HTTP routes", () => {
  let node: RunningNode;
  let examiner: AuthedAgent;
  let reviewer: AuthedAgent;
  let examinerReviewer: AuthedAgent;
  let officer: AuthedAgent;

  before(async () => {
    node = await startTestNode();
    examiner = await staffAgent(node, { roles: ["examiner"] });
    reviewer = await staffAgent(node, { roles: ["reviewer"] });
    examinerReviewer = await staffAgent(node, { roles: ["examiner", "reviewer"] });
    officer = await staffAgent(node, { roles: ["officer"] });
  });
  after(async () => {
    await node.stop();
  });

  it("when nobody is logged in, then the bank answers 401; an officer gets 403", async () => {
    const anon = await fetch(`${node.url}/api/question-bank/questions`);
    expect(anon.status).to.equal(401);
    const res = await officer.agent.get("/api/question-bank/questions");
    expect(res.status).to.equal(403);
  });

  it("when an examiner writes and a reviewer approves over HTTP, then the question is published and listed", async () => {
    const created = await examiner.agent
      .post("/api/question-bank/questions")
      .send(questionInput())
      .expect(201);
    const q = created.body as QuestionDto;
    expect(q.status).to.equal("draft");
    await examiner.agent.post(`/api/question-bank/questions/${q.id}/submit`).send({}).expect(200);
    const approveByExaminer = await examiner.agent
      .post(`/api/question-bank/questions/${q.id}/approve`)
      .send({});
    expect(approveByExaminer.status).to.equal(403);
    const approved = await reviewer.agent
      .post(`/api/question-bank/questions/${q.id}/approve`)
      .send({ comment: "通过" })
      .expect(200);
    expect((approved.body as QuestionDto).status).to.equal("published");
    const list = await reviewer.agent
      .get("/api/question-bank/questions")
      .query({ status: "published", q: q.ref })
      .expect(200);
    expect((list.body as { items: QuestionDto[] }).items.map((i) => i.id)).to.deep.equal([q.id]);
  });

  it("when a user who is both examiner and reviewer tries to approve their own question, then 403 own_question", async () => {
    const q = (
      await examinerReviewer.agent.post("/api/question-bank/questions").send(questionInput()).expect(201)
    ).body as QuestionDto;
    await examinerReviewer.agent.post(`/api/question-bank/questions/${q.id}/submit`).send({}).expect(200);
    const res = await examinerReviewer.agent.post(`/api/question-bank/questions/${q.id}/approve`).send({});
    expect(res.status).to.equal(403);
    expect((res.body as { error: { code: string } }).error.code).to.equal("own_question");
  });

  it("when the body has unknown fields or a key that does not fit the type, then 400 validation_failed and nothing is stored", async () => {
    const unknown = await examiner.agent
      .post("/api/question-bank/questions")
      .send({ ...questionInput(), colour: "red" });
    expect(unknown.status).to.equal(400);
    const badKey = await examiner.agent
      .post("/api/question-bank/questions")
      .send(questionInput({ ref: "HTTP-BAD-KEY", answer: ["A", "C"] }));
    expect(badKey.status).to.equal(400);
    expect((badKey.body as { error: { code: string } }).error.code).to.equal("validation_failed");
    const list = await examiner.agent
      .get("/api/question-bank/questions")
      .query({ q: "HTTP-BAD-KEY" })
      .expect(200);
    expect((list.body as { total: number }).total).to.equal(0);
  });

  it("when an image's base64 is not canonical (padding missing), then 400 invalid_base64 and no image is attached", async () => {
    const q = (await examiner.agent.post("/api/question-bank/questions").send(questionInput()).expect(201))
      .body as QuestionDto;
    const res = await examiner.agent
      .put(`/api/question-bank/questions/${q.id}/image`)
      .send({ filename: "sign.png", dataBase64: unpaddedBase64(PNG_1PX) });
    expect(res.status).to.equal(400);
    expect((res.body as { error: { code: string } }).error.code).to.equal("invalid_base64");
    const after = (await examiner.agent.get(`/api/question-bank/questions/${q.id}`).expect(200)).body as QuestionDto;
    expect(after.imageId ?? null).to.equal(null);
  });

  it("when images are uploaded, then oversized and non-image data are refused and a PNG is served back", async () => {
    const q = (await examiner.agent.post("/api/question-bank/questions").send(questionInput()).expect(201))
      .body as QuestionDto;
    const big = Buffer.concat([PNG_1PX, Buffer.alloc(600 * 1024)]).toString("base64");
    const tooBig = await examiner.agent
      .put(`/api/question-bank/questions/${q.id}/image`)
      .send({ filename: "big.png", dataBase64: big });
    expect((tooBig.body as { error: { code: string } }).error.code).to.equal("image_too_large");
    const notImage = await examiner.agent
      .put(`/api/question-bank/questions/${q.id}/image`)
      .send({ filename: "x.png", dataBase64: Buffer.from("<svg onload=alert(1)>").toString("base64") });
    expect((notImage.body as { error: { code: string } }).error.code).to.equal("image_type_not_allowed");
    const ok = await examiner.agent
      .put(`/api/question-bank/questions/${q.id}/image`)
      .send({ filename: "sign.png", dataBase64: PNG_1PX.toString("base64") })
      .expect(200);
    const imageId = (ok.body as QuestionDto).imageId;
    const img = await reviewer.agent.get(`/api/question-bank/images/${imageId}`).buffer(true).expect(200);
    expect(img.headers["content-type"]).to.equal("image/png");
    expect(Buffer.compare(img.body as Buffer, PNG_1PX)).to.equal(0);
  });

  it("when an examiner imports with a dry run, then the report comes back and publishing on import needs an admin", async () => {
    const content =
      "ref,type,stem,answer,chapter,categories\nHTTP-CSV-1,判断,车辆起步前应当观察周围情况。,正确,安全行车,01001\n";
    const dry = await examiner.agent
      .post("/api/question-bank/import")
      .send({ files: [{ name: "a.csv", content }], dryRun: true })
      .expect(200);
    const [report] = (dry.body as { reports: { dryRun: boolean; counts: { created: number } }[] }).reports;
    expect(report).to.deep.include({ dryRun: true });
    expect(report?.counts.created).to.equal(1);
    const list = await examiner.agent
      .get("/api/question-bank/questions")
      .query({ q: "HTTP-CSV-1" })
      .expect(200);
    expect((list.body as { total: number }).total).to.equal(0);
    const publish = await examiner.agent
      .post("/api/question-bank/import")
      .send({ files: [{ name: "a.csv", content }], publish: true });
    expect(publish.status).to.equal(403);
  });

  it("when an examiner writes a 64-character ref in full width with spaces around it, then it is stored plain, an edit sending it padded keeps it, and a ref of spaces only is refused as empty", async () => {
    const plain = `HTTP-REF-${Date.now().toString(36).toUpperCase()}-`.padEnd(64, "X");
    const padded = `\u3000${fullWidth(plain)} `;
    const created = await examiner.agent
      .post("/api/question-bank/questions")
      .send(questionInput({ ref: padded }))
      .expect(201);
    const q = created.body as QuestionDto;
    expect(q.ref).to.equal(plain);
    const edited = await examiner.agent
      .put(`/api/question-bank/questions/${q.id}`)
      .send(questionInput({ ref: ` ${plain}\u3000`, explanation: "改写后的解析" }))
      .expect(200);
    expect((edited.body as QuestionDto).ref).to.equal(plain);
    const taken = await examiner.agent
      .post("/api/question-bank/questions")
      .send(questionInput({ ref: plain }));
    expect(taken.status).to.equal(409);
    expect((taken.body as { error: { code: string } }).error.code).to.equal("ref_taken");
    const blank = await examiner.agent
      .post("/api/question-bank/questions")
      .send(questionInput({ ref: " \u3000 " }))
      .expect(400);
    const error = (blank.body as { error: { code: string; message: string } }).error;
    expect(error.code).to.equal("validation_failed");
    expect(error.message).to.contain("编号").and.contain("空");
  });

  it("when an import over HTTP names an examiner's question by its ref in full width with spaces around it, then it finds that question unchanged", async () => {
    const ref = `HTTP-IMP-${Date.now().toString(36).toUpperCase()}`;
    const input = questionInput({ ref, stem: "车辆通过学校门口时应当减速慢行吗（全角编号）" });
    await examiner.agent.post("/api/question-bank/questions").send(input).expect(201);
    const file = {
      format: "roadcert-questions/1",
      title: "全角编号",
      questions: [{ ...input, ref: ` ${fullWidth(ref)}\u3000` }],
    };
    const res = await examiner.agent
      .post("/api/question-bank/import")
      .send({ files: [{ name: "wide.json", content: JSON.stringify(file) }] })
      .expect(200);
    const [report] = (res.body as { reports: ImportReport[] }).reports;
    expect(report?.counts).to.deep.include({ created: 0, updated: 0, unchanged: 1 });
    expect(report?.items[0]?.ref).to.equal(ref);
  });

  it("when a blueprint's pass mark is above its full marks or zero, then saving it is refused naming the full marks, and nothing is stored", async () => {
    const before = await node.ctx.conn.collection("blueprints").countDocuments({});
    for (const passMark of [80, 0]) {
      const res = await examiner.agent
        .post("/api/question-bank/blueprints")
        .send({
          blueprint: {
            categoryCode: "04001",
            title: "出租车",
            minutes: 60,
            passMark,
            points: { true_false: 1, single: 2, multiple: 1 },
            cells: [{ type: "single", chapter: "节能驾驶", count: 5 }],
          },
        })
        .expect(400);
      const error = (res.body as { error: { code: string; message: string } }).error;
      expect(error.code).to.equal("validation_failed");
      expect(error.message).to.contain("满分 10").and.contain(`现为 ${passMark}`);
    }
    expect(await node.ctx.conn.collection("blueprints").countDocuments({})).to.equal(before);
  });

  it("when a blueprint is checked for feasibility, then the short cells are listed", async () => {
    const res = await examiner.agent
      .post("/api/question-bank/blueprints/feasibility")
      .send({
        blueprint: {
          categoryCode: "04001",
          title: "出租车",
          minutes: 60,
          passMark: 4,
          points: { true_false: 1, single: 1, multiple: 1 },
          cells: [{ type: "single", chapter: "节能驾驶", count: 5 }],
        },
      })
      .expect(200);
    expect(res.body).to.deep.include({ feasible: false });
    expect((res.body as { shortfalls: unknown[] }).shortfalls).to.deep.equal([
      { categoryCode: "04001", type: "single", chapter: "节能驾驶", needed: 5, available: 0 },
    ]);
  });
});

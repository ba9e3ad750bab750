import { expect } from "chai";
import type { BlueprintDto } from "../../../server/contracts/question-bank.js";
import { createStaff, staffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { blueprintInput, questionInput } from "./bank-context.js";

const codeOf = (body: unknown) => (body as { error?: { code?: string } }).error?.code;

/**
 * The question bank and the blueprints (组卷方案: pass mark, retake rules) are the province's: one
 * bank for every city's exams. Only province-level accounts read or change them, only they hold the
 * examiner and reviewer roles, and no one publishes a blueprint alone.
 */
describe("question bank: the province's, with two people to publish a blueprint", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });

  it("when a city or county admin reads, exports, saves a blueprint or imports, then each is refused province_level_only", async () => {
    for (const divisionCode of ["320100", "320102"]) {
      const admin = await staffAgent(env.node, { roles: ["admin"], divisionCode });
      const tries = {
        list: admin.agent.get("/api/question-bank/questions"),
        export: admin.agent.get("/api/question-bank/export"),
        blueprint: admin.agent.post("/api/question-bank/blueprints").send({ blueprint: blueprintInput(1) }),
        import: admin.agent
          .post("/api/question-bank/import")
          .send({
            files: [{ name: "a.csv", content: "ref,type,stem,answer,chapter,categories\n" }],
            dryRun: true,
          }),
      };
      for (const [what, req] of Object.entries(tries)) {
        const res = await req;
        expect([res.status, codeOf(res.body)], `${divisionCode} ${what}`).to.deep.equal([
          403,
          "province_level_only",
        ]);
      }
    }
    expect(await env.node.ctx.conn.collection("blueprints").countDocuments({})).to.equal(0);
  });

  it("when an admin saves a blueprint with publish: true, then it is refused and nothing is stored; their draft is published only by someone else", async () => {
    const admin = await staffAgent(env.node, { roles: ["admin"] });
    const examiner = await staffAgent(env.node, { roles: ["examiner"] });
    const reviewer = await staffAgent(env.node, { roles: ["reviewer"] });
    const q = (await examiner.agent.post("/api/question-bank/questions").send(questionInput()).expect(201))
      .body as {
      id: string;
    };
    await examiner.agent.post(`/api/question-bank/questions/${q.id}/submit`).send({}).expect(200);
    await reviewer.agent.post(`/api/question-bank/questions/${q.id}/approve`).send({}).expect(200);

    const oneStep = await admin.agent
      .post("/api/question-bank/blueprints")
      .send({ blueprint: blueprintInput(1), publish: true });
    expect([oneStep.status, codeOf(oneStep.body)]).to.deep.equal([403, "publish_not_allowed"]);
    expect(await env.node.ctx.conn.collection("blueprints").countDocuments({})).to.equal(0);

    const draft = (
      await admin.agent
        .post("/api/question-bank/blueprints")
        .send({ blueprint: blueprintInput(1) })
        .expect(201)
    ).body as BlueprintDto;
    expect(draft.status).to.equal("draft");
    const own = await admin.agent.post(
      `/api/question-bank/blueprints/${draft.id}/versions/${draft.version}/publish`,
    );
    expect([own.status, codeOf(own.body)]).to.deep.equal([403, "own_blueprint"]);
    const other = await reviewer.agent
      .post(`/api/question-bank/blueprints/${draft.id}/versions/${draft.version}/publish`)
      .expect(200);
    expect((other.body as BlueprintDto).status).to.equal("published");
  });

  it("when an admin below the province grants examiner or reviewer, then it is refused and no account gets the role; a province admin may", async () => {
    const cityAdmin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320100" });
    const officer = await createStaff(env.node, { roles: ["officer"], divisionCode: "320102" });
    for (const role of ["examiner", "reviewer"]) {
      const created = await cityAdmin.agent.post("/api/users").send({
        username: `grant_${role}_${Date.now().toString(36)}`,
        displayName: "新用户",
        password: "Grant-Passw0rd-2026",
        roles: [role],
        divisionCode: "320102",
      });
      expect([created.status, codeOf(created.body)], role).to.deep.equal([403, "role_needs_province_level"]);
      const granted = await cityAdmin.agent
        .patch(`/api/users/${officer.user.id}`)
        .send({ roles: ["officer", role], expectedVersion: officer.user.version });
      expect([granted.status, codeOf(granted.body)], role).to.deep.equal([403, "role_needs_province_level"]);
    }
    const stored = await env.node.ctx.conn
      .collection("staff_users")
      .countDocuments({ roles: { $in: ["examiner", "reviewer"] }, divisionCode: { $ne: "320000" } });
    expect(stored).to.equal(0);

    const provinceAdmin = await staffAgent(env.node, { roles: ["admin"] });
    const examiner = await provinceAdmin.agent
      .post("/api/users")
      .send({
        username: `grant_ok_${Date.now().toString(36)}`,
        displayName: "省命题员",
        password: "Grant-Passw0rd-2026",
        roles: ["examiner"],
        divisionCode: "320000",
      })
      .expect(201);
    // Nor may a province admin move an examiner down to a city: the role stays with the province.
    const moved = await provinceAdmin.agent
      .patch(`/api/users/${(examiner.body as { user: { id: string } }).user.id}`)
      .send({
        divisionCode: "320100",
        expectedVersion: (examiner.body as { user: { version: number } }).user.version,
      });
    expect([moved.status, codeOf(moved.body)]).to.deep.equal([403, "role_needs_province_level"]);
  });
});

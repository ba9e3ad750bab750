import { expect } from "chai";
import type { AuditListDto, AuditVerificationDto } from "../../../server/contracts/audit.js";
import { AUDIT_ACTION_LABELS } from "../../../server/contracts/audit.js";
import { anonymousAgent, staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

describe("audit list: what each admin sees", () => {
  let node: Awaited<ReturnType<typeof startTestNode>>;
  let provinceAdmin: AuthedAgent;
  let cityAdmin: AuthedAgent;

  before(async () => {
    node = await startTestNode();
    provinceAdmin = await staffAgent(node, { roles: ["admin"], divisionCode: "320000" });
    cityAdmin = await staffAgent(node, { roles: ["admin"], divisionCode: "320100" });
    // A failed login and a room: both are recorded without a division code.
    const { agent } = await anonymousAgent(node);
    await agent
      .post("/api/auth/login")
      .send({ username: "nobody_here", password: "wrong-password" })
      .expect(401);
    const centre = await provinceAdmin.agent
      .post("/api/test-centres")
      .send({ name: "审计考点", address: "测试路 1 号", divisionCode: "320100" })
      .expect(201);
    await provinceAdmin.agent
      .post(`/api/test-centres/${(centre.body as { testCentre: { id: string } }).testCentre.id}/rooms`)
      .send({ name: "第一考场", seatCount: 2 })
      .expect(201);
  });
  after(() => node.stop());

  async function listAll(who: AuthedAgent, query: Record<string, string> = {}): Promise<AuditListDto> {
    const first = (
      await who.agent
        .get("/api/audit")
        .query({ ...query, limit: "200" })
        .expect(200)
    ).body as AuditListDto;
    return first;
  }

  it("when the province admin lists the log, then entries without a division are shown and the count matches verification", async () => {
    const list = await listAll(provinceAdmin);
    const verify = (await provinceAdmin.agent.get("/api/audit/verify").expect(200))
      .body as AuditVerificationDto;
    const actions = list.entries.map((e) => e.action);
    expect(actions).to.include.members(["auth.login_failed", "room.created"]);
    expect(list.entries.some((e) => e.divisionCode === null)).to.equal(true);
    expect(list.total).to.equal(verify.checked);
    expect(list.entries).to.have.length(verify.checked);
  });

  it("when the province admin filters by a suggested action, then the matching entries are found", async () => {
    expect(AUDIT_ACTION_LABELS).to.have.property("auth.login_failed");
    const list = await listAll(provinceAdmin, { action: "auth.login_failed" });
    expect(list.total).to.equal(1);
    expect(list.entries[0]?.details).to.include({ loginName: "nobody_here" });
  });

  it("when the admin filters by an action no entry can have (a typo), then it is refused, not answered with an empty page", async () => {
    const res = await provinceAdmin.agent.get("/api/audit").query({ action: "auth.loginn" }).expect(400);
    const { error } = res.body as { error: { code: string; message: string } };
    expect(error.code).to.equal("validation_failed");
    expect(error.message).to.match(/^操作：/);
  });

  it("when a user's division changes, then the list names both divisions its entry's details give by code", async () => {
    const officer = await staffAgent(node, { roles: ["officer"], divisionCode: "320100" });
    await provinceAdmin.agent
      .patch(`/api/users/${officer.staff.id}`)
      .send({ divisionCode: "320500" })
      .expect(200);
    const list = await listAll(provinceAdmin, { action: "user.updated", targetId: officer.staff.id });
    expect(list.entries[0]?.details).to.deep.include({ divisionCode: { from: "320100", to: "320500" } });
    expect(list.divisionNames).to.include({ "320100": "南京市", "320500": "苏州市" });
  });

  it("when a city admin lists the log, then node-wide entries without a division stay hidden", async () => {
    const list = await listAll(cityAdmin);
    expect(list.entries.every((e) => e.divisionCode?.startsWith("3201"))).to.equal(true);
    expect(list.entries.map((e) => e.action)).to.not.include("auth.login_failed");
  });

  it("when the province admin pages with beforeSeq, then the total stays the count of the whole filter", async () => {
    const all = await listAll(provinceAdmin);
    const newest = all.entries[0];
    if (!newest) throw new Error("no entries");
    const page = (
      await provinceAdmin.agent
        .get("/api/audit")
        .query({ beforeSeq: String(newest.seq), limit: "1" })
        .expect(200)
    ).body as AuditListDto;
    expect(page.entries).to.have.length(1);
    expect(page.entries[0]?.seq).to.be.lessThan(newest.seq);
    expect(page.total).to.equal(all.total);
  });
});

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
      .send({ divisionCode: "320500", expectedVersion: officer.staff.version })
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

  it("when the province admin follows `next` page by page, then every entry is read once, newest first, and the last page has no next", async () => {
    const all = await listAll(provinceAdmin);
    expect(all.total, "enough entries for several pages").to.be.greaterThan(3);
    const seen: number[] = [];
    let before: string | undefined;
    for (let pages = 0; pages <= all.total; pages++) {
      const res = await provinceAdmin.agent
        .get("/api/audit")
        .query({ limit: "2", ...(before ? { before } : {}) })
        .expect(200);
      const page = res.body as Omit<AuditListDto, "next"> & { next?: unknown };
      expect(page.entries.length).to.be.at.most(2);
      // The whole filter's count as it is now: one more entry recorded before each page after the first.
      expect(page.total).to.equal(all.total + pages);
      seen.push(...page.entries.map((e) => e.seq));
      // An entry recorded while the admin pages (a new one is newest) neither shifts nor repeats a page.
      await provinceAdmin.agent
        .post("/api/test-centres")
        .send({ name: `翻页考点${pages}`, address: "测试路 2 号", divisionCode: "320100" })
        .expect(201);
      expect(page).to.have.property("next");
      if (page.next === null) break;
      expect(page.next).to.be.a("string");
      before = page.next as string;
    }
    expect(seen).to.deep.equal(all.entries.map((e) => e.seq));
  });

  it("when a page is asked past the bound or with a cursor the list never gave, then it is refused", async () => {
    for (const query of [
      { limit: "201" },
      { limit: "0" },
      { before: "seq-12" },
      { before: "1e3" },
      { before: "" },
    ]) {
      const res = await provinceAdmin.agent.get("/api/audit").query(query);
      expect(res.status, JSON.stringify(query)).to.equal(400);
      expect((res.body as { error: { code: string } }).error.code).to.equal("validation_failed");
    }
  });

  it("when a city admin follows `next`, then the pages stay inside their division", async () => {
    const first = (await cityAdmin.agent.get("/api/audit").query({ limit: "1" }).expect(200))
      .body as AuditListDto;
    expect(first.total, "the centre and its room at least").to.be.greaterThan(1);
    expect(first.entries).to.have.length(1);
    if (first.next === null) throw new Error("a first page of one entry out of several has a next");
    const second = (
      await cityAdmin.agent.get("/api/audit").query({ limit: "200", before: first.next }).expect(200)
    ).body as AuditListDto;
    expect(second.entries.every((e) => e.divisionCode?.startsWith("3201"))).to.equal(true);
    expect(first.entries.length + second.entries.length).to.equal(first.total);
    expect(second.next).to.equal(null);
  });
});

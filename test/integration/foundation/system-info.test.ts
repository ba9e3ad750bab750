import { expect } from "chai";
import request from "supertest";
import type { SystemInfoDto } from "../../../server/contracts/system.js";
import { staffAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

describe("what a node tells the browser it runs (/api/system)", () => {
  it("when a province node is asked before login, then it names the province, its zone and its exam features", async () => {
    const node = await startTestNode({ provinceCode: "320000" });
    try {
      const info = (await request(node.url).get("/api/system").expect(200)).body as SystemInfoDto;
      expect(info).to.deep.include({
        role: "province",
        provinceCode: "320000",
        provinceName: "江苏省",
        timeZone: "Asia/Shanghai",
      });
      expect(info.features).to.include.members(["registration", "scheduling", "question-bank", "exams"]);
    } finally {
      await node.stop();
    }
  });

  it("when the hub is asked, then it runs no province business and has no test centres to add", async () => {
    const node = await startTestNode({ role: "hub", env: { TIME_ZONE: "Asia/Urumqi" } });
    try {
      const info = (await request(node.url).get("/api/system").expect(200)).body as SystemInfoDto;
      expect(info).to.deep.include({ role: "hub", provinceCode: null, timeZone: "Asia/Urumqi" });
      expect(info.features).to.include("organisation");
      for (const f of ["registration", "scheduling", "question-bank", "exams"])
        expect(info.features).to.not.include(f);
      // Each feature the hub does not list really is absent: its routes answer 404.
      const admin = await staffAgent(node, { roles: ["admin"], divisionCode: "000000" });
      await admin.agent.get("/api/question-bank/questions").expect(404);
      const centre = await admin.agent
        .post("/api/test-centres")
        .send({ name: "平台考点", address: "北京", divisionCode: "110000" });
      expect(centre.status).to.equal(422);
      expect((centre.body as { error: { code: string } }).error.code).to.equal("no_exams_on_hub");
      expect(await node.ctx.conn.collection("test_centres").countDocuments()).to.equal(0);
    } finally {
      await node.stop();
    }
  });
});

import { expect } from "chai";
import { TEST_PHOTO, uniqueIdNumber, staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { aRow, csvFile, upload } from "./import-support.js";

/**
 * A GB/T 2260 group entry (429000 省直辖县级行政区划) only groups county-level cities: no candidate
 * is registered there, singly or by import, as no account, authority or centre is.
 */
describe("registration: a group division is nobody's", function () {
  this.timeout(60_000);
  const env = useTestNode({ provinceCode: "420000", env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  let officer: AuthedAgent;
  before(async () => {
    officer = await staffAgent(env.node, { roles: ["officer"], divisionCode: "420000" });
  });

  it("when an officer registers a candidate in 429000, then it is refused group_division and nothing is written", async () => {
    const res = await officer.agent.post("/api/candidates").send({
      name: "李分组",
      idNumber: uniqueIdNumber({ divisionCode: "420102" }),
      phone: "13912345678",
      addressDivisionCode: "429004",
      education: "senior_middle",
      licenceClass: "A1",
      licenceFirstIssuedOn: "2012-05-01",
      categories: ["01001"],
      declarations: { noMajorAccident3y: true },
      divisionCode: "429000",
      photo: TEST_PHOTO,
    });
    expect([res.status, res.body.error?.code]).to.deep.equal([400, "group_division"]);
    expect(
      await env.node.ctx.conn.collection("candidates").countDocuments({ divisionCode: "429000" }),
    ).to.equal(0);
  });

  it("when an import row names 429000 as its registering unit, then the row is refused group_division", async () => {
    const row = aRow({ 住址行政区划代码: "429004", 报名单位行政区划代码: "429000" });
    const preview = await upload(officer, "分组.csv", csvFile([row])).expect(200);
    const codes = (preview.body.rows as { problems: { code: string }[] }[]).flatMap((r) =>
      r.problems.map((p) => p.code),
    );
    expect(codes).to.include("group_division");
  });
});

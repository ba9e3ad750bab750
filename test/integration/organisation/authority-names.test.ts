import { expect } from "chai";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * An authority's division is shown by name, or by its code where the node knows no name for it (a
 * division abolished since the authority was kept): never an empty 所属区划 on the page. The list,
 * the creation and the edit answer the same DTO.
 */
describe("organisation: an authority's division name", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  let admin: AuthedAgent;
  before(async () => {
    admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
  });
  type Named = { id: string; divisionName: string };
  const listed = async () =>
    ((await admin.agent.get("/api/authorities").expect(200)).body as { authorities: Named[] }).authorities;

  it("when an authority's division has no known name, then the list and an edit both show its code", async () => {
    const { insertedId } = await env.node.ctx.conn
      .collection("authorities")
      .insertOne({ name: "旧区运管所", divisionCode: "320199", phone: null, retiredAt: null });
    const id = String(insertedId);
    const rows = await listed();
    const edited = (
      await admin.agent.patch(`/api/authorities/${id}`).send({ phone: "02584000000" }).expect(200)
    ).body as { authority: Named };
    expect([rows.find((a) => a.id === id)?.divisionName, edited.authority.divisionName]).to.deep.equal([
      "320199",
      "320199",
    ]);
  });

  it("when an authority is created, then the answer names its division as the list does", async () => {
    const created = (
      await admin.agent
        .post("/api/authorities")
        .send({ name: "命名运管处", divisionCode: "320102" })
        .expect(201)
    ).body as { authority: Named };
    const a = created.authority;
    const rows = await listed();
    expect(a.divisionName).to.equal(rows.find((r) => r.id === a.id)?.divisionName);
    expect(a.divisionName).to.not.equal("");
  });
});

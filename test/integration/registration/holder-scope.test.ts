import { expect } from "chai";
import { TEST_PHOTO, uniqueIdNumber, type AuthedAgent } from "../../helpers/auth.js";
import { aHolderCertifiedYearsAgo, useNodeWithOldKeys } from "./fixtures-holders.js";
import { aRow, confirm, csvFile, upload } from "./import-support.js";

/**
 * A certificate is read by registration only for the officers who may see it (its division and
 * above): another city's officer is answered about its holder as about a free ID number, and a
 * registration or import of the holder is refused with the neutral id_number_unavailable, as a
 * registration in another city is. Otherwise the precheck (already_held, the two-year
 * prerequisite) told any officer which categories anyone in the province holds.
 */
describe("registration: certificates of holders outside the officer's scope", function () {
  this.timeout(120_000);
  const scope = useNodeWithOldKeys({ nanjing: "320100", suzhou: "320500" });
  let holderId: string;

  before(async () => {
    // A freight driver certified in 南京 three years ago, with no registration left on this node
    // (as a holder transferred in has none): only the certificate names them.
    const pass = await aHolderCertifiedYearsAgo(scope.node);
    await scope.node.ctx.conn.collection("candidates").deleteOne({ idNumber: pass.idNumber });
    holderId = pass.idNumber;
  });

  const precheck = async (who: AuthedAgent, idNumber: string) =>
    (
      await who.agent
        .post("/api/candidates/precheck")
        .send({
          idNumber,
          categories: ["02001", "03001"],
          education: "senior_middle",
          licenceClass: "A1",
          licenceFirstIssuedOn: "2012-05-01",
          declarations: { noMajorAccident3y: true, hazmatTraining: true },
        })
        .expect(200)
    ).body as { eligibility: { categoryCode: string; failures: { rule: string }[] }[] };
  const rulesOf = (b: Awaited<ReturnType<typeof precheck>>) =>
    b.eligibility.map((e) => [e.categoryCode, e.failures.map((f) => f.rule)]);

  it("when another city's officer prechecks the holder, then the answer is a free number's; the holder's city still sees the certificate", async () => {
    const elsewhere = rulesOf(await precheck(scope.suzhou, holderId));
    expect(elsewhere).to.deep.equal(rulesOf(await precheck(scope.suzhou, uniqueIdNumber())));
    expect(elsewhere.flat(2)).to.not.include("already_held");
    const own = rulesOf(await precheck(scope.nanjing, holderId));
    expect(own).to.deep.equal([
      ["02001", ["already_held"]],
      ["03001", []],
    ]);
  });

  it("when another city's officer registers the holder, then it is refused id_number_unavailable and nothing is written", async () => {
    const before = await scope.node.ctx.conn.collection("candidates").countDocuments({});
    const res = await scope.suzhou.agent.post("/api/candidates").send({
      name: "王持证",
      idNumber: holderId,
      phone: "13912345678",
      addressDivisionCode: "320508",
      education: "senior_middle",
      licenceClass: "A1",
      licenceFirstIssuedOn: "2012-05-01",
      categories: ["02001"],
      declarations: { noMajorAccident3y: true },
      divisionCode: "320500",
      photo: TEST_PHOTO,
    });
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "id_number_unavailable"]);
    expect(res.body.error.details ?? null).to.equal(null);
    expect(await scope.node.ctx.conn.collection("candidates").countDocuments({})).to.equal(before);
  });

  it("when another city's officer imports the holder, then the dry run shows no problem on the row and the confirmation is refused without naming it", async () => {
    const rows = [
      aRow({ 住址行政区划代码: "320508" }),
      aRow({ 身份证号: holderId, 住址行政区划代码: "320508", 报考类别: "经营性道路货物运输驾驶员" }),
    ];
    const preview = await upload(scope.suzhou, "持证人.csv", csvFile(rows)).expect(200);
    const problems = (preview.body.rows as { problems: { code: string }[] }[]).map((r) =>
      r.problems.map((p) => p.code),
    );
    expect(problems).to.deep.equal([[], []]);
    const refused = await confirm(scope.suzhou, preview.body.importId).expect(409);
    expect(refused.body.error.code).to.equal("id_number_unavailable");
    expect(refused.body.error.details ?? null).to.equal(null);
  });
});

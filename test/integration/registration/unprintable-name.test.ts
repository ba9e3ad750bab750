import { expect } from "chai";
import { registerTestCandidate, TEST_PHOTO, uniqueIdNumber, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { aRow, codesByLine, csvFile, upload } from "./import-support.js";

/** 𪚥 (U+2A6A5, CJK Extension B) is beyond the documents' font: it would print as a blank box. */
const UNPRINTABLE = "王𪚥";

/**
 * A name is printed on the admission ticket, the seating plan and the certificate. A character
 * the documents' font lacks printed as a blank box, and only issuance, after the exam, would have
 * refused it: registration refuses it first, on the form, on a correction and in a bulk import.
 */
describe("registration: a name the printed documents cannot draw", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  const count = (c: string) => env.node.ctx.conn.collection(c).countDocuments();

  it("when a candidate is registered with such a name, then it is refused name_glyph_missing naming the character, and nothing is written", async () => {
    const [candidates, photos] = [await count("candidates"), await count("candidate_photos")];
    const res = await officer.agent
      .post("/api/candidates")
      .send({
        name: UNPRINTABLE,
        idNumber: uniqueIdNumber(),
        phone: "13912345678",
        addressDivisionCode: "320102",
        education: "senior_middle",
        licenceClass: "A1",
        licenceFirstIssuedOn: "2012-05-01",
        categories: ["01001"],
        declarations: { noMajorAccident3y: true },
        photo: TEST_PHOTO,
      })
      .expect(422);
    expect(res.body.error.code).to.equal("name_glyph_missing");
    expect(res.body.error.message).to.contain("𪚥");
    expect([await count("candidates"), await count("candidate_photos")]).to.deep.equal([candidates, photos]);
  });

  it("when a name is corrected to such a name, then the correction is refused and the name stays", async () => {
    const c = await registerTestCandidate(env.node, { name: "王正常" });
    const res = await officer.agent.patch(`/api/candidates/${c.id}`).send({ name: UNPRINTABLE }).expect(422);
    expect(res.body.error.code).to.equal("name_glyph_missing");
    const stored = await officer.agent.get(`/api/candidates/${c.id}`).expect(200);
    expect(stored.body.candidate.name).to.equal("王正常");
  });

  it("when a bulk import holds such a name, then that row is refused and the others are not", async () => {
    const preview = await upload(officer, "报名.csv", csvFile([aRow({ 姓名: UNPRINTABLE }), aRow()])).expect(
      200,
    );
    expect(codesByLine(preview.body)).to.deep.equal({ 2: ["name_glyph_missing"], 3: [] });
  });
});

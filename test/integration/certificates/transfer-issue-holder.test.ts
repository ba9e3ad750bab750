import { expect } from "chai";
import { staffAgent } from "../../helpers/auth.js";
import { useCertNode } from "./fixtures-nodes.js";

/**
 * Issuing on a transfer from the hub's record prints the address and licence the officer enters:
 * they are checked as registration checks them (a current GB/T 2260 division, a licence class
 * roadcert records), before the case is even looked up.
 */
describe("the holder's facts entered for a transfer issuance", function () {
  this.timeout(60_000);
  const cert = useCertNode();

  const issueWith = async (holder: Record<string, string>) => {
    const { agent } = await staffAgent(cert.node, { roles: ["officer"], divisionCode: "320000" });
    const res = await agent.post("/api/certificate-transfers/case-00000001/issue").send({ holder });
    return res as { status: number; body: { error: { code: string; details?: { path: string }[] } } };
  };

  it("when the address is six digits but no current division, then the issuance is refused validation_failed on that field", async () => {
    const res = await issueWith({ addressDivisionCode: "329999" });
    expect(res.status, JSON.stringify(res.body)).to.equal(400);
    expect(res.body.error.code).to.equal("validation_failed");
    expect(JSON.stringify(res.body.error.details)).to.contain("addressDivisionCode");
  });

  it("when the licence class is not one registration accepts, then the issuance is refused validation_failed", async () => {
    const res = await issueWith({
      addressDivisionCode: "320102",
      licenceClass: "Z9",
      licenceFirstIssuedOn: "2012-05-01",
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(400);
    expect(res.body.error.code).to.equal("validation_failed");
  });
});

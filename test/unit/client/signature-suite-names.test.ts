import { expect } from "chai";
import { signatureSuiteName } from "../../../client/src/shared/signature-suite.js";

describe("signature suites as pages name them", () => {
  it("when a suite is known, then it has one name, as the certificate PDF prints it", () => {
    expect(signatureSuiteName("ed25519")).to.equal("Ed25519");
    expect(signatureSuiteName("sm2-sm3")).to.equal("SM2/SM3");
  });

  it("when a suite is unknown (a newer node's, or a QR's own text), then it is said to be unknown, with its code", () => {
    expect(signatureSuiteName("ml-dsa-65")).to.equal("未知签名算法（ml-dsa-65）");
    // Only the table's own keys name a suite, not names every object inherits.
    expect(signatureSuiteName("constructor")).to.equal("未知签名算法（constructor）");
    expect(signatureSuiteName("")).to.equal("未知签名算法（）");
  });
});

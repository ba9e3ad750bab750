import { expect } from "chai";
import { reservedIdNumber } from "../../../scripts/conformance/test-identities.js";
import { DIVISIONS, isKnownDivision } from "../../../server/organisation/index.js";
import { checkRecord } from "../../../server/hub/record-validation.js";

/**
 * The conformance kit publishes test practitioners at the hub under test, which may be the national
 * hub in production: their ID numbers must pass the hub's checks and be nobody's.
 */

const PROVINCES = DIVISIONS.map((d) => d.code).filter((c) => /^[1-9]\d0000$/.test(c));

/** A pass record of `idNumber` published by `province`, as the kit builds one. */
function aPass(province: string, idNumber: string) {
  const at = new Date(Date.now() + 8 * 3600_000 - 60_000);
  return {
    recordId: "conformance:unit",
    recordType: "exam_pass",
    sourceProvince: province,
    operation: "add",
    state: "valid",
    updateTime: at.toISOString().replace(/[-:T]/g, "").slice(0, 14),
    version: 1,
    practitioner: { idNumber, name: "测试" },
    categories: ["02001"],
    issuingDivision: province,
    exam: {
      categoryCode: "02001",
      passedOn: at.toISOString().slice(0, 10),
      score: 90,
      passMark: 80,
      chainHash: "c".repeat(64),
    },
  };
}

describe("conformance kit: test practitioners' ID numbers", () => {
  it("when the kit draws an ID number for any province, then the hub accepts it and its division code is no division's, so no person holds it", () => {
    expect(PROVINCES.length).to.be.greaterThan(30);
    for (const province of PROVINCES) {
      for (let i = 0; i < 5; i++) {
        const id = reservedIdNumber(province);
        expect(id.slice(0, 2)).to.equal(province.slice(0, 2));
        expect(isKnownDivision(id.slice(0, 6)), id).to.equal(false);
        expect(id.slice(2, 4), id).to.equal("00");
        const checked = checkRecord(aPass(province, id), { signerProvince: province, now: new Date() });
        expect(checked.ok, `${id}: ${checked.ok ? "" : JSON.stringify(checked.reasons)}`).to.equal(true);
      }
    }
  });

  it("when the kit draws twice, then the numbers differ (concurrent runs do not share a practitioner)", () => {
    const drawn = new Set(Array.from({ length: 50 }, () => reservedIdNumber("440000")));
    expect(drawn.size).to.be.greaterThan(45);
  });
});

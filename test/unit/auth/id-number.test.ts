import { expect } from "chai";
import { checkIdNumber, idCheckChar, makeIdNumber } from "../../../server/lib/id-number.js";
import { isPlausibleIdDivision } from "../../../server/organisation/index.js";

const today = new Date("2026-11-23T00:00:00Z");
const opts = { isKnownDivision: isPlausibleIdDivision, today };

describe("GB 11643 ID number validator", () => {
  it("when the number follows the standard, then it is valid with birth date and sex", () => {
    // Check digit computed by hand: Σ(digit×weight) mod 11 → "10X98765432".
    const id = "11010519491231002X";
    const r = checkIdNumber(id, opts);
    expect(r.ok).to.equal(true);
    if (r.ok)
      expect(r.info).to.deep.equal({
        idNumber: id,
        divisionCode: "110105",
        birthDate: "1949-12-31",
        sex: "female",
      });
  });

  it("when the check character is X, then a lower-case x is accepted and normalised", () => {
    const r = checkIdNumber("11010519491231002x", opts);
    expect(r.ok && r.info.idNumber).to.equal("11010519491231002X");
  });

  it("when numbers are made with every check character, then each validates", () => {
    const seen = new Set<string>();
    for (let seq = 0; seq < 200 && seen.size < 11; seq++) {
      const id = makeIdNumber("320102", "1985-06-15", seq);
      seen.add(id[17] ?? "");
      expect(checkIdNumber(id, opts).ok, id).to.equal(true);
    }
    expect(seen.size).to.equal(11);
    expect(seen.has("X")).to.equal(true);
  });

  it("when the sequence digit is odd, then the sex is male", () => {
    const r = checkIdNumber(makeIdNumber("320102", "1990-01-01", 13), opts);
    expect(r.ok && r.info.sex).to.equal("male");
  });

  it("when the check digit is wrong, then id_check_digit is named", () => {
    const good = makeIdNumber("320102", "1985-06-15", 21);
    const wrong = good.slice(0, 17) + (good[17] === "1" ? "2" : "1");
    const r = checkIdNumber(wrong, opts);
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.problems.map((p) => p.code)).to.deep.equal(["id_check_digit"]);
  });

  for (const [label, date] of [
    ["30 February", "19850230"],
    ["month 13", "19851301"],
    ["29 February in a non-leap year", "19010229"],
    ["a date in the future", "20991231"],
    ["a year before 1900", "18991231"],
  ] as const) {
    it(`when the birth date is ${label}, then id_birth_date is named`, () => {
      const first17 = `320102${date}123`;
      const r = checkIdNumber(first17 + idCheckChar(first17), opts);
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.problems.map((p) => p.code)).to.deep.equal(["id_birth_date"]);
    });
  }

  it("when the birth date is 29 February of a leap year, then it is valid", () => {
    expect(checkIdNumber(makeIdNumber("320102", "2000-02-29", 5), opts).ok).to.equal(true);
  });

  for (const id of ["", "3201021985061512", "3201021985061512345", "32010219850615123"]) {
    it(`when the length is ${id.length}, then id_length is named`, () => {
      const r = checkIdNumber(id, opts);
      expect(!r.ok && r.problems[0]?.code).to.equal("id_length");
    });
  }

  it("when a letter other than a final X appears, then id_format is named", () => {
    const r = checkIdNumber("32010A198506151231", opts);
    expect(!r.ok && r.problems[0]?.code).to.equal("id_format");
  });

  it("when the division prefix is not a real province, then id_division is named", () => {
    const r = checkIdNumber(makeIdNumber("990102", "1985-06-15", 7), opts);
    expect(!r.ok && r.problems.map((p) => p.code)).to.deep.equal(["id_division"]);
  });

  it("when the ID number carries a division since abolished (密云县 110228, now 密云区 110118), then it is still accepted", () => {
    // ID numbers keep the code they were issued under; the current GB/T 2260 list no longer has it.
    expect(checkIdNumber(makeIdNumber("110228", "1985-06-15", 7), opts).ok).to.equal(true);
    expect(checkIdNumber(makeIdNumber("342601", "1985-06-15", 7), opts).ok).to.equal(true);
  });

  it("when several parts are wrong, then each problem is named", () => {
    const first17 = "99010219850230123";
    const bad = first17 + (idCheckChar(first17) === "0" ? "1" : "0");
    const r = checkIdNumber(bad, opts);
    expect(!r.ok && r.problems.map((p) => p.code)).to.deep.equal([
      "id_division",
      "id_birth_date",
      "id_check_digit",
    ]);
  });
});

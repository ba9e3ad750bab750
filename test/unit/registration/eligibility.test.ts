import { expect } from "chai";
import { CATEGORIES, needsDrivingLicence, type CategoryCode } from "../../../server/contracts/categories.js";
import {
  DEFAULT_ELIGIBILITY_RULES,
  evaluateEligibility,
  fullYearsBetween,
  ruleName,
  type Applicant,
  type EligibilityRule,
} from "../../../server/registration/index.js";

const on = new Date("2026-11-23T00:00:00Z");

/** An applicant who satisfies every default rule of every category except already holding it. */
function eligible(): Applicant {
  return {
    birthDate: "1985-06-15",
    education: "senior_middle",
    licenceClass: "A1",
    licenceFirstIssuedOn: "2010-01-01",
    heldQualifications: [{ categoryCode: "02001", firstIssuedOn: "2015-01-01" }],
    declarations: { noMajorAccident3y: true, noDrunkDriving: true, hazmatTraining: true },
  };
}

/** Breaks exactly one rule. */
function breaking(rule: EligibilityRule): Applicant {
  const a = eligible();
  switch (rule.rule) {
    case "min_age": {
      // Too young by a year, with a licence they could hold (from 18, a year before `on`), or none.
      const birthYear = on.getUTCFullYear() - rule.years + 1;
      const licenceYear = on.getUTCFullYear() - 1;
      return {
        ...a,
        birthDate: `${birthYear}-01-01`,
        licenceFirstIssuedOn: licenceYear - birthYear >= 18 ? `${licenceYear}-01-01` : undefined,
      };
    }
    case "max_age":
      return { ...a, birthDate: `${on.getUTCFullYear() - rule.years - 2}-01-01` };
    case "licence_class":
      return { ...a, licenceClass: rule.classes.includes("C3") ? "C4" : "C3" };
    case "licence_years":
      return { ...a, licenceFirstIssuedOn: `${on.getUTCFullYear()}-01-01` };
    case "prerequisite":
      return { ...a, heldQualifications: [] };
    case "min_education":
      return { ...a, education: "primary" };
    case "declaration":
      return { ...a, declarations: { ...a.declarations, [rule.key]: false } };
  }
}

describe("eligibility rules per category", () => {
  for (const [code, rules] of Object.entries(DEFAULT_ELIGIBILITY_RULES) as [
    CategoryCode,
    EligibilityRule[],
  ][]) {
    if (code === "02001") continue; // the base applicant holds 02001 (it is 03001's prerequisite)
    it(`when an applicant meets every rule of ${code}, then they are eligible`, () => {
      const r = evaluateEligibility(code, eligible(), DEFAULT_ELIGIBILITY_RULES, on);
      expect(r.failures).to.deep.equal([]);
      expect(r.eligible).to.equal(true);
    });
    for (const rule of rules) {
      it(`when only ${ruleName(rule)} fails for ${code}, then exactly that rule is named`, () => {
        const r = evaluateEligibility(code, breaking(rule), DEFAULT_ELIGIBILITY_RULES, on);
        expect(r.eligible).to.equal(false);
        expect(r.failures.map((f) => f.rule)).to.deep.equal([ruleName(rule)]);
        expect(r.failures[0]?.message).to.be.a("string").and.not.equal("");
      });
    }
  }

  it("when the applicant already holds the category, then already_held is named", () => {
    const r = evaluateEligibility("02001", eligible(), DEFAULT_ELIGIBILITY_RULES, on);
    expect(r.failures.map((f) => f.rule)).to.deep.equal(["already_held"]);
  });

  it("when the prerequisite is held for less than the required years, then prerequisite fails", () => {
    const a = {
      ...eligible(),
      heldQualifications: [{ categoryCode: "02001" as const, firstIssuedOn: "2025-06-01" }],
    };
    const r = evaluateEligibility("03001", a, DEFAULT_ELIGIBILITY_RULES, on);
    expect(r.failures.map((f) => f.rule)).to.deep.equal(["prerequisite"]);
  });

  it("when an applicant is exactly 60, then max_age 60 still admits them; at 61 it refuses", () => {
    const rules = { ...DEFAULT_ELIGIBILITY_RULES, "02001": [{ rule: "max_age", years: 60 } as const] };
    const base = { ...eligible(), heldQualifications: [] };
    expect(evaluateEligibility("02001", { ...base, birthDate: "1966-11-23" }, rules, on).eligible).to.equal(
      true,
    );
    expect(evaluateEligibility("02001", { ...base, birthDate: "1965-11-22" }, rules, on).eligible).to.equal(
      false,
    );
  });

  it("when rules are configured differently, then the configuration decides (freight age 63)", () => {
    const rules = { ...DEFAULT_ELIGIBILITY_RULES, "02001": [{ rule: "max_age", years: 63 } as const] };
    const a = { ...eligible(), heldQualifications: [], birthDate: "1964-01-01" };
    expect(evaluateEligibility("01001", a, DEFAULT_ELIGIBILITY_RULES, on).eligible).to.equal(false);
    expect(evaluateEligibility("02001", a, rules, on).eligible).to.equal(true);
  });

  it("when counting years, then a year counts only from its anniversary", () => {
    expect(fullYearsBetween("2000-11-24", on)).to.equal(25);
    expect(fullYearsBetween("2000-11-23", on)).to.equal(26);
  });

  it("when a licence or a held qualification is dated before birth or after today, then every category names it; today itself passes", () => {
    const failed = (a: Applicant) =>
      evaluateEligibility("01001", a, DEFAULT_ELIGIBILITY_RULES, on).failures.map((f) => [f.rule, f.message]);
    // 1902 typed for 2012: it passed every rule before, as a licence held for 124 years.
    expect(failed({ ...eligible(), licenceFirstIssuedOn: "1902-01-01" })).to.deep.equal([
      ["licence_date", "驾驶证初领日期（1902年1月1日）早于出生日期（1985年6月15日），请核对"],
    ]);
    expect(failed({ ...eligible(), licenceFirstIssuedOn: "2026-11-25" })[0]).to.deep.equal([
      "licence_date",
      "驾驶证初领日期（2026年11月25日）晚于今天，请核对",
    ]);
    const held = [{ categoryCode: "02001" as const, firstIssuedOn: "1980-01-01" }];
    expect(failed({ ...eligible(), heldQualifications: held }).map(([rule]) => rule)).to.include(
      "qualification_date",
    );
    expect(
      failed({ ...eligible(), licenceFirstIssuedOn: "2026-11-23" }).map(([rule]) => rule),
    ).not.to.include("licence_date");
  });

  it("when a licence is dated before its holder turned 18, then it is named as impossible; the 18th birthday itself passes", () => {
    const failed = (a: Applicant) =>
      evaluateEligibility("01001", a, DEFAULT_ELIGIBILITY_RULES, on).failures.map((f) => [f.rule, f.message]);
    // 1999 typed for 2009 by someone born in 1990: a licence at nine passed every rule before.
    expect(
      failed({ ...eligible(), birthDate: "1990-01-01", licenceFirstIssuedOn: "1999-06-01" }),
    ).to.deep.equal([
      ["licence_date", "驾驶证初领日期（1999年6月1日）早于年满 18 周岁（2008年1月1日），请核对"],
    ]);
    expect(
      failed({ ...eligible(), birthDate: "1990-01-01", licenceFirstIssuedOn: "2008-01-01" }),
    ).to.deep.equal([]);
    // Born on 29 February: the 18th birthday of a non-leap year is read as 1 March.
    expect(
      failed({ ...eligible(), birthDate: "2000-02-29", licenceFirstIssuedOn: "2018-02-28" }).map(
        ([rule]) => rule,
      ),
    ).to.include("licence_date");
    expect(
      failed({ ...eligible(), birthDate: "2000-02-29", licenceFirstIssuedOn: "2018-03-01" }),
    ).to.deep.equal([]);
  });

  it("when an applicant has no driving licence, then exactly the driver categories refuse them, naming the licence", () => {
    const decided = (Object.keys(CATEGORIES) as CategoryCode[]).map((code) => {
      const { licenceClass: _c, licenceFirstIssuedOn: _d, ...rest } = eligible();
      // Holding the other driver qualification, so 03001's prerequisite is met and none is already held.
      const held = code === "01001" ? "02001" : "01001";
      const r = evaluateEligibility(
        code,
        { ...rest, heldQualifications: [{ categoryCode: held, firstIssuedOn: "2015-01-01" }] },
        DEFAULT_ELIGIBILITY_RULES,
        on,
      );
      return { code, eligible: r.eligible, rules: r.failures.map((f) => f.rule) };
    });
    expect(decided.filter((d) => d.eligible).map((d) => d.code)).to.deep.equal(["03002", "03003"]);
    for (const d of decided.filter((x) => !x.eligible)) {
      expect(needsDrivingLicence(d.code), d.code).to.equal(true);
      expect(
        d.rules.every((r) => r === "licence_class" || r === "licence_years"),
        d.code,
      ).to.equal(true);
    }
    expect(decided.filter((d) => !needsDrivingLicence(d.code)).every((d) => d.eligible)).to.equal(true);
  });
});

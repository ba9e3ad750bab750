import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { RegisterCandidateBody } from "../../../server/contracts/registration.js";
import { makeIdNumber } from "../../../server/lib/id-number.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { TEST_PHOTO } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * Ages and licence years count on the node's calendar day: at 07:30 in Beijing the UTC date is
 * still yesterday, and a 61st birthday counted on it let a 61-year-old apply under "at most 60".
 */
describe("registration: eligibility counts on the node's calendar day", () => {
  const env = useTestNode();
  const officer: AuthUser = {
    id: "calendar-officer",
    kind: "staff",
    roles: ["officer"],
    displayName: "日历经办",
    divisionCode: "320000",
    provinceCode: "320000",
  };
  // 2026-11-23 07:30 in Beijing; 2026-11-22 23:30 UTC.
  const morning = new Date("2026-11-22T23:30:00Z");
  let n = 0;

  const applicant = (
    birthDate: string,
    over: Partial<RegisterCandidateBody> = {},
  ): RegisterCandidateBody => ({
    name: "何日历",
    idNumber: makeIdNumber("320102", birthDate, 500 + ++n),
    phone: "13800000000",
    addressDivisionCode: "320102",
    education: "senior_middle",
    licenceClass: "A1",
    licenceFirstIssuedOn: "2010-01-01",
    categories: ["01001"],
    heldQualifications: [],
    declarations: { noMajorAccident3y: true, noDrunkDriving: true },
    divisionCode: "320100",
    photo: TEST_PHOTO,
    ...over,
  });
  const service = (timeZone: string) =>
    createRegistrationService(env.node.ctx.conn, { provinceCode: "320000", timeZone, now: () => morning });
  const refusedRules = (p: Promise<unknown>) =>
    p.then(
      () => [],
      (e: { details?: { eligibility?: { failures: { rule: string }[] }[] } }) =>
        (e.details?.eligibility ?? []).flatMap((x) => x.failures.map((f) => f.rule)),
    );

  it("when a passenger driver turns 61 today in Beijing before 08:00, then the at-most-60 rule refuses them, as it does all day", async () => {
    expect(
      await refusedRules(service("Asia/Shanghai").register(officer, applicant("1965-11-23"))),
    ).to.deep.equal(["max_age"]);
    // The same morning on a node whose day is still the 22nd: they are 60 there.
    expect(await refusedRules(service("UTC").register(officer, applicant("1965-11-23")))).to.deep.equal([]);
  });

  it("when a licence is dated today in Beijing before 08:00, then it is not an impossible date; dated tomorrow, it is", async () => {
    const issued = (day: string) =>
      refusedRules(
        service("Asia/Shanghai").register(officer, applicant("1990-05-01", { licenceFirstIssuedOn: day })),
      );
    // Held for under three years either way: only the date check differs.
    expect(await issued("2026-11-23")).to.deep.equal(["licence_years"]);
    expect(await issued("2026-11-24")).to.deep.equal(["licence_date", "licence_years"]);
  });
});

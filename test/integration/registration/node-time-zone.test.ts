import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { RegisterCandidateBody } from "../../../server/contracts/registration.js";
import { makeIdNumber } from "../../../server/lib/id-number.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { TEST_PHOTO } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { NODE_TIME_ZONE, OTHER_NODE_TIME_ZONE } from "../../helpers/time-zone.js";

/**
 * Registration counts ages and licence dates on the calendar day of the zone it is handed (the
 * node's TIME_ZONE), never China's by default: at 11:00 in Beijing it is still the day before in
 * New York, so a birthday or a licence dated today there is tomorrow's.
 */
describe("registration on a node whose zone is not the default", function () {
  this.timeout(60_000);
  const env = useTestNode();
  const officer: AuthUser = {
    id: "zone-officer",
    kind: "staff",
    roles: ["officer"],
    displayName: "时区经办",
    divisionCode: "320000",
    provinceCode: "320000",
  };
  // 2026-11-23 11:00 in Beijing; 2026-11-22 22:00 in New York.
  const at = new Date("2026-11-23T03:00:00Z");
  let n = 0;

  const applicant = (
    birthDate: string,
    over: Partial<RegisterCandidateBody> = {},
  ): RegisterCandidateBody => ({
    name: "时区考生",
    idNumber: makeIdNumber("320102", birthDate, 700 + ++n),
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
  const refusedRules = (timeZone: string, body: RegisterCandidateBody) =>
    createRegistrationService(env.node.ctx.conn, { provinceCode: "320000", timeZone, now: () => at })
      .register(officer, body)
      .then(
        () => [],
        (e: { details?: { eligibility?: { failures: { rule: string }[] }[] } }) =>
          (e.details?.eligibility ?? []).flatMap((x) => x.failures.map((f) => f.rule)),
      );

  it("when the node's zone is not the default, then a passenger driver whose 61st birthday is today in China but tomorrow there is 60 and may apply", async () => {
    expect(await refusedRules(OTHER_NODE_TIME_ZONE, applicant("1965-11-23"))).to.deep.equal([]);
    // The same hour on a node in China: 61 today, refused.
    expect(await refusedRules(NODE_TIME_ZONE, applicant("1965-11-23"))).to.deep.equal(["max_age"]);
  });

  it("when the node's zone is not the default, then a licence dated today in China is a date still to come there", async () => {
    const issuedToday = (zone: string) =>
      refusedRules(zone, applicant("1990-05-01", { licenceFirstIssuedOn: "2026-11-23" }));
    expect(await issuedToday(OTHER_NODE_TIME_ZONE)).to.deep.equal(["licence_date", "licence_years"]);
    expect(await issuedToday(NODE_TIME_ZONE)).to.deep.equal(["licence_years"]);
  });
});

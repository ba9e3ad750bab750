import { expect } from "chai";
import type { ValidationIssue } from "../../../server/contracts/validation.js";
import { checkCaseDates, checkEndDate } from "../../../server/exchange/exchange-dates.js";
import { AppError } from "../../../server/lib/errors.js";

/** What `check` throws: the AppError refusing the date. */
function refusalOf(check: () => void): AppError {
  try {
    check();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  return expect.fail("expected a refusal");
}

/**
 * A date refused on an officer's exchange form (a penalty decided after today, an ending before the
 * filing's start) is one field's problem: the refusal lists it as a validation failure lists its
 * fields, so the form shows it under that field instead of at the top of the page.
 */
describe("exchange dates: a refused date names its field", () => {
  const now = new Date("2026-12-06T04:00:00Z");

  it("when a notice's penalty is decided after today, then the refusal lists details.decidedOn with its Chinese name", () => {
    const err = refusalOf(() =>
      checkCaseDates({ kind: "notice", details: { decidedOn: "2026-12-07" } }, now),
    );
    expect(err).to.deep.include({ code: "future_date", status: 422, message: "决定日期晚于今天" });
    expect(err.details as ValidationIssue[]).to.deep.equal([
      { path: "details.decidedOn", field: "决定日期", message: "决定日期晚于今天", code: "future_date" },
    ]);
  });

  it("when a filing starts more than 30 days ahead, then the refusal lists details.startDate", () => {
    const err = refusalOf(() =>
      checkCaseDates({ kind: "filing", details: { startDate: "2027-02-01" } }, now),
    );
    expect((err.details as ValidationIssue[]).map((i) => [i.path, i.field, i.code])).to.deep.equal([
      ["details.startDate", "开始从业日期", "future_date"],
    ]);
  });

  it("when a filing is ended before it started, then the refusal lists endDate as invalid_date", () => {
    const err = refusalOf(() => checkEndDate("2026-11-01", "2026-11-20", now));
    expect(err).to.deep.include({ code: "invalid_date", status: 422 });
    expect(err.details as ValidationIssue[]).to.deep.equal([
      {
        path: "endDate",
        field: "终止日期",
        message: "终止日期早于备案的开始从业日期（2026年11月20日）",
        code: "invalid_date",
      },
    ]);
  });
});

import { expect } from "chai";
import { PICKER_FORMAT } from "../../../client/src/shared/date-formats.js";
import { typedDateProblem } from "../../../client/src/shared/typed-date.js";

/**
 * What a picker makes of a date typed by hand: Element Plus reads typed text leniently, so 2月30日
 * would become 3月2日. Every picker asks this one check before it takes a typed date.
 */
describe("typed dates in a picker (strict: a day that does not exist is refused)", () => {
  it("when 2026年2月30日 is typed, then it is refused as a day that does not exist", () => {
    expect(typedDateProblem("2026年2月30日", PICKER_FORMAT.day)).to.equal("日期不存在");
  });

  it("when 2026-02-30 is typed as ISO text, then it is refused as well, not rolled over to 3月2日", () => {
    expect(typedDateProblem("2026-02-30", PICKER_FORMAT.day)).to.equal("日期不存在");
  });

  it("when 2026年2月28日 is typed, then it is accepted", () => {
    expect(typedDateProblem("2026年2月28日", PICKER_FORMAT.day)).to.equal(null);
  });

  it("when a leap day is typed, then 2028-02-29 is accepted and 2027-02-29 is refused", () => {
    expect(typedDateProblem("2028-02-29", PICKER_FORMAT.day)).to.equal(null);
    expect(typedDateProblem("2028年2月29日", PICKER_FORMAT.day)).to.equal(null);
    expect(typedDateProblem("2027-02-29", PICKER_FORMAT.day)).to.equal("日期不存在");
    expect(typedDateProblem("2027年2月29日", PICKER_FORMAT.day)).to.equal("日期不存在");
  });

  it("when a real day is typed with or without leading zeros, then it is accepted either way", () => {
    expect(typedDateProblem("2026年02月05日", PICKER_FORMAT.day)).to.equal(null);
    expect(typedDateProblem("2026-2-5", PICKER_FORMAT.day)).to.equal(null);
    expect(typedDateProblem("2026/02/05", PICKER_FORMAT.day)).to.equal(null);
  });

  it("when a month picker is given 2026年13月, then it is refused; 2026年12月 is accepted", () => {
    expect(typedDateProblem("2026年13月", PICKER_FORMAT.month)).to.equal("日期不存在");
    expect(typedDateProblem("2026年12月", PICKER_FORMAT.month)).to.equal(null);
  });

  it("when a start time names 2月30日 or 25点, then it is refused; a real day and time is accepted", () => {
    expect(typedDateProblem("2026年2月30日 09:30", PICKER_FORMAT.dayTime)).to.equal("日期不存在");
    expect(typedDateProblem("2026年2月28日 25:30", PICKER_FORMAT.dayTime)).to.equal("日期不存在");
    expect(typedDateProblem("2026年12月7日 09:30", PICKER_FORMAT.dayTime)).to.equal(null);
  });

  it("when a datetime panel's time box is given 25:30, then it is refused as a time that does not exist", () => {
    expect(typedDateProblem("25:30", PICKER_FORMAT.time)).to.equal("时间不存在");
    expect(typedDateProblem("9:30", PICKER_FORMAT.time)).to.equal(null);
    expect(typedDateProblem("半夜", PICKER_FORMAT.time)).to.equal("时间写法不对，请按“09:30”填写");
  });

  it("when the browser runs in New York, then 2026年3月8日 02:30 (an hour its clocks skip) is still a real start time", () => {
    const browserZone = process.env.TZ;
    process.env.TZ = "America/New_York";
    try {
      expect(typedDateProblem("2026年3月8日 02:30", PICKER_FORMAT.dayTime)).to.equal(null);
    } finally {
      if (browserZone === undefined) delete process.env.TZ;
      else process.env.TZ = browserZone;
    }
  });

  it("when text that is no date at all is typed, then it is refused with the way to write one", () => {
    expect(typedDateProblem("明天", PICKER_FORMAT.day)).to.equal("日期写法不对，请按“2026年12月1日”填写");
  });

  it("when the box is emptied, then there is no typed date to check", () => {
    expect(typedDateProblem("  ", PICKER_FORMAT.day)).to.equal(null);
  });
});

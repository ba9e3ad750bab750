import { expect } from "chai";
import {
  addDays,
  formatDateTime,
  isoToZonedWallTime,
  monthInZone,
  pickedMonth,
  setDisplayTimeZone,
  todayInZone,
  zonedWallTimeToIso,
  zoneName,
} from "../../../client/src/shared/time.js";

describe("client times in the node's zone, whatever the browser's", () => {
  const browserZone = process.env.TZ;
  before(() => {
    // Node re-reads TZ when it is assigned: this stands for a browser in New York.
    process.env.TZ = "America/New_York";
  });
  after(() => {
    if (browserZone === undefined) delete process.env.TZ;
    else process.env.TZ = browserZone;
    setDisplayTimeZone("Asia/Shanghai");
  });

  it("when a Shanghai node is shown in a New York browser, then 01:00 UTC reads 09:00", () => {
    setDisplayTimeZone("Asia/Shanghai");
    expect(formatDateTime("2026-12-01T01:00:00.000Z")).to.include("09:00");
    expect(new Date("2026-12-01T01:00:00.000Z").getHours()).to.not.equal(9);
  });

  it("when an officer picks 09:00 on a Shanghai node, then the instant sent is 01:00 UTC, and it reads back as 09:00", () => {
    setDisplayTimeZone("Asia/Shanghai");
    expect(zonedWallTimeToIso("2026-12-01T09:00:00")).to.equal("2026-12-01T01:00:00.000Z");
    expect(isoToZonedWallTime("2026-12-01T01:00:00.000Z")).to.equal("2026-12-01T09:00:00");
  });

  it("when the node's zone keeps daylight saving, then wall times on either side of the change convert right", () => {
    setDisplayTimeZone("Europe/Berlin");
    expect(zonedWallTimeToIso("2026-03-28T09:00:00")).to.equal("2026-03-28T08:00:00.000Z");
    expect(zonedWallTimeToIso("2026-03-30T09:00:00")).to.equal("2026-03-30T07:00:00.000Z");
  });

  it("when a day range ends on the last day of a month or of a leap February, then the day after is the next month's first", () => {
    expect(addDays("2026-12-31", 1)).to.equal("2027-01-01");
    expect(addDays("2028-02-28", 1)).to.equal("2028-02-29");
    expect(addDays("2026-03-01", -1)).to.equal("2026-02-28");
  });

  it("when it is 23:30 UTC, then today on a Shanghai node is already the next calendar day", () => {
    setDisplayTimeZone("Asia/Shanghai");
    const realNow = Date.now;
    Date.now = () => Date.parse("2026-12-04T23:30:00.000Z");
    try {
      expect(todayInZone()).to.equal("2026-12-05");
    } finally {
      Date.now = realNow;
    }
  });

  it("when a page open past midnight asks again, then today and this month follow the instant it asks with", () => {
    setDisplayTimeZone("Asia/Shanghai");
    expect(todayInZone("2026-12-31T15:59:00.000Z")).to.equal("2026-12-31");
    expect(todayInZone("2026-12-31T16:01:00.000Z")).to.equal("2027-01-01");
    expect(monthInZone("2026-12-31T16:01:00.000Z")).to.equal("2027-01");
  });

  it("when a browser east of the node shows the month picker, then the cell of 1 January is January, not the node's 31 December", () => {
    setDisplayTimeZone("Asia/Shanghai");
    process.env.TZ = "Asia/Tokyo";
    try {
      // The picker's cell: the browser's local midnight of the month's first day.
      const cell = new Date(2027, 0, 1);
      expect(pickedMonth(cell)).to.equal("2027-01");
      // Read in the node's zone (the old check) it was still December, so January stayed pickable.
      expect(isoToZonedWallTime(cell).slice(0, 7)).to.equal("2026-12");
    } finally {
      process.env.TZ = "America/New_York";
    }
  });

  it("when a page names the node's zone, then it is named in Chinese, not by its IANA id", () => {
    expect(zoneName("Asia/Shanghai")).to.equal("中国标准时间");
    setDisplayTimeZone("Asia/Shanghai");
    expect(zoneName()).to.equal("中国标准时间");
  });
});

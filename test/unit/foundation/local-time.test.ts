import { expect } from "chai";
import {
  formatCalendarDate,
  formatCalendarMonth,
  formatDateTime,
  setDisplayTimeZone,
} from "../../../client/src/shared/time.js";
import { calendarDateText, calendarMonthText } from "../../../server/contracts/calendar-text.js";
import {
  chinaDate,
  CHINA_TIME_ZONE,
  formatShown,
  localDate,
  localTimestamp,
} from "../../../server/lib/local-time.js";

/**
 * Calendar dates and stamps are read in a named zone, never made by adding eight hours by hand:
 * just after midnight in Beijing the UTC date is still yesterday.
 */
describe("local dates and times on the server", () => {
  const browserZone = process.env.TZ;
  before(() => {
    // The machine's own zone must not matter: this stands for a server running in New York.
    process.env.TZ = "America/New_York";
  });
  after(() => {
    if (browserZone === undefined) delete process.env.TZ;
    else process.env.TZ = browserZone;
    setDisplayTimeZone(CHINA_TIME_ZONE);
  });

  it("when an instant is 16:30 UTC on 6 December, then its calendar date in Beijing is 7 December", () => {
    expect(localDate(new Date("2026-12-06T16:30:00Z"), CHINA_TIME_ZONE)).to.equal("2026-12-07");
    expect(localDate("2026-12-06T15:59:59.999Z", CHINA_TIME_ZONE)).to.equal("2026-12-06");
    expect(localDate(new Date("2026-12-06T16:30:00Z"), "UTC")).to.equal("2026-12-06");
  });

  it("when an instant is just after midnight in Beijing, then its stamp is that wall time, YYYYMMDDhhmmss", () => {
    expect(localTimestamp(new Date("2026-12-06T16:30:05Z"), CHINA_TIME_ZONE)).to.equal("20261207003005");
    expect(localTimestamp(new Date("2026-12-31T23:59:59Z"), CHINA_TIME_ZONE)).to.equal("20270101075959");
  });

  it("when the server words an instant for a page, then it prints it exactly as the pages' formatDateTime does", () => {
    for (const zone of [CHINA_TIME_ZONE, "Asia/Urumqi"]) {
      setDisplayTimeZone(zone);
      const at = "2026-12-06T16:30:05.000Z";
      expect(formatShown(at, zone)).to.equal(formatDateTime(at, { timeStyle: "medium" }));
      expect(formatShown(at, zone, "minute")).to.equal(formatDateTime(at));
    }
    expect(formatShown("2026-12-06T16:30:05.000Z", CHINA_TIME_ZONE)).to.match(/^2026年12月0?7日 00:30:05$/);
  });

  it("when a certificate date is read at 16:30 UTC on 6 December, then it is China's 7 December whatever the node's zone", () => {
    const at = new Date("2026-12-06T16:30:00Z");
    expect(chinaDate(at)).to.equal("2026-12-07");
    expect(chinaDate(at, 30)).to.equal("2027-01-06");
    expect(chinaDate(new Date("2026-12-06T15:59:59.999Z"))).to.equal("2026-12-06");
  });

  it("when the instant does not parse, then the text is kept as given rather than throwing", () => {
    expect(formatShown("not a time", CHINA_TIME_ZONE)).to.equal("not a time");
  });

  it("when the server words a calendar date for a page, then it prints it exactly as the pages' formatCalendarDate does", () => {
    for (const day of ["2026-12-02", "2032-09-07", "2027-01-31", "2028-02-29", "0001-01-01", "9999-12-31"]) {
      expect(calendarDateText(day), day).to.equal(formatCalendarDate(day));
    }
    expect(calendarDateText("2026-12-02")).to.equal("2026年12月2日");
    expect(calendarDateText("2032-09-07")).to.equal("2032年9月7日");
  });

  it("when a calendar date is not a real day, then the server keeps the text as given, as the pages do", () => {
    for (const text of [
      "2026-02-29",
      "1900-02-29",
      "2026-13-01",
      "2026-00-10",
      "2026-04-31",
      "0000-01-01",
      "2026-1-2",
      "2026-12-02T00:00:00Z",
      "",
      " 2026-12-02",
      "2026-12-02\n",
    ]) {
      expect(calendarDateText(text), JSON.stringify(text)).to.equal(text);
      expect(calendarDateText(text), JSON.stringify(text)).to.equal(formatCalendarDate(text));
    }
  });

  it("when the machine's zone is far west or far east, then a calendar date stays the same day", () => {
    for (const zone of ["Pacific/Pago_Pago", "Pacific/Kiritimati"]) {
      process.env.TZ = zone;
      expect(calendarDateText("2026-01-01"), zone).to.equal("2026年1月1日");
      expect(calendarDateText("2026-12-31"), zone).to.equal("2026年12月31日");
    }
    process.env.TZ = "America/New_York";
  });

  it("when the server words a report month for a page, then it prints it exactly as the pages' formatCalendarMonth does", () => {
    for (const month of ["2026-11", "2027-01", "2026-12", "0001-01"]) {
      expect(calendarMonthText(month), month).to.equal(formatCalendarMonth(month));
    }
    expect(calendarMonthText("2026-11")).to.equal("2026年11月");
    for (const text of ["2026-13", "2026-00", "0000-01", "2026-1", "2026-11-01", "", "2026-11\n"]) {
      expect(calendarMonthText(text), JSON.stringify(text)).to.equal(text);
    }
  });
});

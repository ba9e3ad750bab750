import { expect } from "chai";
import {
  formatCalendarDate,
  formatCalendarMonth,
  formatDateTime,
  setDisplayTimeZone,
} from "../../../client/src/shared/time.js";

describe("calendar dates (YYYY-MM-DD) as the pages write dates", () => {
  const browserZone = process.env.TZ;
  after(() => {
    if (browserZone === undefined) delete process.env.TZ;
    else process.env.TZ = browserZone;
    setDisplayTimeZone("Asia/Shanghai");
  });

  it("when a certificate's validity date is shown, then it reads 2026年12月2日, as a timestamp on the same day writes its date", () => {
    setDisplayTimeZone("Asia/Shanghai");
    expect(formatCalendarDate("2026-12-02")).to.equal("2026年12月2日");
    expect(formatCalendarDate("2027-01-31")).to.equal("2027年1月31日");
    expect(formatDateTime("2026-12-02T04:00:00.000Z").startsWith(formatCalendarDate("2026-12-02"))).to.equal(
      true,
    );
  });

  it("when the node's zone or the browser's is far from UTC, then the date stays the same day", () => {
    for (const [browser, node] of [
      ["America/New_York", "Pacific/Honolulu"],
      ["Pacific/Kiritimati", "Pacific/Kiritimati"],
      ["Pacific/Pago_Pago", "Asia/Shanghai"],
    ] as const) {
      // Node re-reads TZ when it is assigned: this stands for a browser in that zone.
      process.env.TZ = browser;
      setDisplayTimeZone(node);
      expect(formatCalendarDate("2026-01-01"), `${browser} / ${node}`).to.equal("2026年1月1日");
      expect(formatCalendarDate("2026-12-31"), `${browser} / ${node}`).to.equal("2026年12月31日");
    }
  });

  it("when the date is a leap day, then it is shown only in a leap year", () => {
    expect(formatCalendarDate("2028-02-29")).to.equal("2028年2月29日");
    expect(formatCalendarDate("2000-02-29")).to.equal("2000年2月29日");
    expect(formatCalendarDate("1900-02-29")).to.equal("1900-02-29");
    expect(formatCalendarDate("2026-02-29")).to.equal("2026-02-29");
  });

  it("when the text is not a real YYYY-MM-DD date, then it is shown as given, never as Invalid Date or another day", () => {
    const notDates = [
      "",
      "2026-13-01",
      "2026-00-10",
      "2026-04-31",
      "2026-12-00",
      "2026-02-30",
      "0000-01-01",
      "2026-12-2",
      "26-12-02",
      "2026/12/02",
      "2026-12-02T00:00:00.000Z",
      " 2026-12-02",
      "2026-12-02\n",
      "２０２６-１２-０２",
      "+02026-12-02",
      "长期",
      "<b>2026-12-02</b>",
    ];
    for (const text of notDates) expect(formatCalendarDate(text), JSON.stringify(text)).to.equal(text);
  });

  it("when there is no date (a record without one), then nothing is shown", () => {
    expect(formatCalendarDate(null)).to.equal("");
    expect(formatCalendarDate(undefined)).to.equal("");
  });
});

describe("calendar months (YYYY-MM) as the pages write months", () => {
  it("when the hub's monthly report names its month, then it reads 2026年11月, as the dates beside it read", () => {
    expect(formatCalendarMonth("2026-11")).to.equal("2026年11月");
    expect(formatCalendarMonth("2027-01")).to.equal("2027年1月");
    expect(formatCalendarDate("2026-11-01").startsWith(formatCalendarMonth("2026-11"))).to.equal(true);
  });

  it("when the text is not a real YYYY-MM month, then it is shown as given", () => {
    for (const text of [
      "",
      "2026-13",
      "2026-00",
      "0000-01",
      "2026-1",
      "2026-11-01",
      "2026/11",
      " 2026-11",
      "2026-11\n",
      "本月",
    ])
      expect(formatCalendarMonth(text), JSON.stringify(text)).to.equal(text);
  });

  it("when there is no month, then nothing is shown", () => {
    expect(formatCalendarMonth(null)).to.equal("");
    expect(formatCalendarMonth(undefined)).to.equal("");
  });
});

import { expect } from "chai";
import { formatDateTime, setDisplayTimeZone } from "../../../client/src/shared/time.js";
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

  it("when no zone is given to formatShown, then it prints in the default zone, China's", () => {
    const at = "2026-12-06T16:30:05.000Z";
    expect(formatShown(at)).to.equal(formatShown(at, CHINA_TIME_ZONE));
    expect(formatShown(at)).to.match(/^2026年12月0?7日 00:30:05$/);
  });

  it("when the instant does not parse, then the text is kept as given rather than throwing", () => {
    expect(formatShown("not a time", CHINA_TIME_ZONE)).to.equal("not a time");
  });
});

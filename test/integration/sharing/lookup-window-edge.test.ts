import { expect } from "chai";
import { AppError } from "../../../server/lib/errors.js";
import { createLookupLimiter } from "../../../server/sharing/lookup-limits.js";
import { useTestDatabase } from "../../helpers/database.js";

/**
 * The per-account minute limit is a sliding minute: at no moment does an officer have more than
 * LOOKUP_LIMIT_PER_MINUTE lookups in the 60 seconds before it. Fixed minute windows let a burst at
 * a minute's turn (the limit in its last second, the limit again in the next one's first) through
 * at twice the limit.
 */
describe("sharing: the per-account lookup limit across a minute's turn", function () {
  this.timeout(60_000);
  const db = useTestDatabase("lookupedge");

  async function refusalOf(p: Promise<unknown>): Promise<AppError> {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err, "the lookup was refused").to.be.instanceOf(AppError);
    return err as AppError;
  }

  it("when an officer uses the minute's limit in its last second, then the first lookup of the next minute is refused until 60 seconds after the first of them", async () => {
    let t = new Date("2026-12-07T02:00:59.000Z");
    const limiter = createLookupLimiter(db.conn, { perMinute: 3, perDay: 100 }, () => t);
    for (let i = 0; i < 3; i++) await limiter.admit("officer-edge");
    t = new Date("2026-12-07T02:01:01.000Z");
    const err = await refusalOf(limiter.admit("officer-edge"));
    expect(err).to.include({ code: "lookup_rate_limited", status: 429 });
    // The three at 10:00:59 leave the sliding minute at 10:01:59.
    expect(err.details).to.deep.equal({ retryAfterSeconds: 58 });
    expect(err.message).to.match(/每分钟.*3.*58 秒后再试/);
    t = new Date("2026-12-07T02:01:59.500Z");
    await limiter.admit("officer-edge");
  });

  it("when an officer looks up steadily across a minute's turn, then no 60 seconds hold more than the limit", async () => {
    let t = new Date("2026-12-07T03:00:30.000Z").getTime();
    const limiter = createLookupLimiter(db.conn, { perMinute: 4, perDay: 1_000 }, () => new Date(t));
    const admitted: number[] = [];
    // One attempt every 5 seconds for three minutes.
    for (let i = 0; i < 36; i++, t += 5_000) {
      const ok = await limiter.admit("officer-steady").then(
        () => true,
        (e: unknown) => {
          if (e instanceof AppError && e.code === "lookup_rate_limited") return false;
          throw e;
        },
      );
      if (ok) admitted.push(t);
    }
    const busiest = Math.max(...admitted.map((a) => admitted.filter((b) => b >= a && b < a + 60_000).length));
    expect(busiest).to.equal(4);
    expect(admitted.length).to.be.within(12, 13);
  });

  it("when two lookups of an officer's first ever race to create the counts, then both are admitted and the limit still holds", async () => {
    const t = new Date("2026-12-08T02:00:10.000Z");
    const a = createLookupLimiter(db.conn, { perMinute: 2, perDay: 2 }, () => t);
    const b = createLookupLimiter(db.conn, { perMinute: 2, perDay: 2 }, () => t);
    await Promise.all([a.admit("officer-race"), b.admit("officer-race")]);
    const err = await refusalOf(a.admit("officer-race"));
    expect(err).to.include({ code: "lookup_rate_limited", status: 429 });
  });
});

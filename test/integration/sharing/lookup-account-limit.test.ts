import { expect } from "chai";
import type { Connection, Model } from "mongoose";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { OfficerLookupBody } from "../../../server/contracts/hub.js";
import { AppError } from "../../../server/lib/errors.js";
import { connectMongo } from "../../../server/lib/mongo.js";
import type { NodeClient, SignedAnswer } from "../../../server/sharing/node-client.js";
import { createLookupLimiter } from "../../../server/sharing/lookup-limits.js";
import { createLookupService } from "../../../server/sharing/lookup.service.js";
import { useTestDatabase } from "../../helpers/database.js";
import { recordingLogger } from "../../helpers/recording-logger.js";

/** A hub that answers every lookup with one match (already verified, as the signed client hands it over). */
function answeringHub(): NodeClient & { calls: number } {
  const hub = {
    calls: 0,
    call: () => {
      hub.calls++;
      const body = { lookupId: `lk-${hub.calls}`, reason: "enforcement", matches: [] };
      return Promise.resolve({
        status: 200,
        body,
        error: null,
        retryAfterSeconds: null,
        rawBody: JSON.stringify(body),
        proof: { signatureInput: "", signature: "", contentDigest: "", requestSignature: "" },
      } as unknown as SignedAnswer);
    },
  };
  return hub as unknown as NodeClient & { calls: number };
}

function anOfficer(id: string): AuthUser {
  return { id, displayName: "王执法", divisionCode: "420100" } as unknown as AuthUser;
}

const aLookup = (i: number): OfficerLookupBody => ({
  query: { by: "id_number", idNumber: `42010019900101${String(i).padStart(4, "0")}` },
  reason: "enforcement",
  caseReference: `鄂交执 2026-${i}`,
});

describe("sharing: the per-account limit of an officer's hub lookups", function () {
  this.timeout(60_000);
  const db = useTestDatabase("lookuplimit");
  let second: Connection | undefined;
  after(async () => {
    await second?.close();
  });

  /** One app instance: its own connection to the node's database, its own limiter and service. */
  function anInstance(conn: Connection, limits: { perMinute: number; perDay: number }, now: () => Date) {
    const hub = answeringHub();
    const service = createLookupService({
      client: () => hub,
      audit: { record: () => Promise.resolve(null) },
      logger: recordingLogger().logger,
      limiter: createLookupLimiter(conn, limits, now),
    });
    return { hub, service };
  }

  async function refusalOf(p: Promise<unknown>): Promise<AppError> {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err, "the lookup was refused").to.be.instanceOf(AppError);
    return err as AppError;
  }

  it("when an officer has used the minute's lookups on one instance, then the next on another instance is refused 429 with a wait, and the hub is not asked", async () => {
    second = await connectMongo(db.uri, { dbName: db.dbName });
    // 10:00:45 Beijing: 15 seconds left of the minute.
    const now = () => new Date("2026-12-07T02:00:45.000Z");
    const a = anInstance(db.conn, { perMinute: 2, perDay: 100 }, now);
    const b = anInstance(second, { perMinute: 2, perDay: 100 }, now);
    await a.service.lookup(anOfficer("officer-m"), aLookup(1));
    await b.service.lookup(anOfficer("officer-m"), aLookup(2));
    const err = await refusalOf(b.service.lookup(anOfficer("officer-m"), aLookup(3)));
    expect(err).to.include({ code: "lookup_rate_limited", status: 429 });
    // A sliding minute: the first of the two leaves it a minute after it was made.
    expect(err.details).to.deep.equal({ retryAfterSeconds: 60 });
    expect(err.message).to.match(/每分钟.*2.*60 秒后再试/);
    expect(a.hub.calls + b.hub.calls).to.equal(2);
    // Another officer of the same node keeps their own allowance.
    await a.service.lookup(anOfficer("officer-other"), aLookup(4));
  });

  it("when an officer has used the day's lookups, then the next is refused until China's midnight, on every instance", async () => {
    second ??= await connectMongo(db.uri, { dbName: db.dbName });
    let t = new Date("2026-12-07T15:00:00.000Z"); // 23:00 Beijing
    const now = () => t;
    const a = anInstance(db.conn, { perMinute: 100, perDay: 3 }, now);
    const b = anInstance(second, { perMinute: 100, perDay: 3 }, now);
    await a.service.lookup(anOfficer("officer-d"), aLookup(1));
    await b.service.lookup(anOfficer("officer-d"), aLookup(2));
    t = new Date("2026-12-07T15:30:00.000Z");
    await a.service.lookup(anOfficer("officer-d"), aLookup(3));
    const err = await refusalOf(b.service.lookup(anOfficer("officer-d"), aLookup(4)));
    expect(err).to.include({ code: "lookup_rate_limited", status: 429 });
    // 23:30 Beijing: half an hour to the next China calendar day.
    expect(err.details).to.deep.equal({ retryAfterSeconds: 1800 });
    expect(err.message).to.match(/今日.*3/);
    // The refused one spent nothing: a new day lets the officer look again.
    t = new Date("2026-12-07T16:00:01.000Z");
    await a.service.lookup(anOfficer("officer-d"), aLookup(5));
  });

  it("when an officer's first two lookups arrive together and one's upsert loses the insert, then both are admitted (the limit is 2)", async () => {
    const now = () => new Date("2026-12-08T02:00:10.000Z");
    const limits = { perMinute: 2, perDay: 2 };
    const limiter = createLookupLimiter(db.conn, limits, now);
    const other = createLookupLimiter(db.conn, limits, now);
    const Rates = db.conn.models.LookupRate as Model<{ _id: string; recent: Date[]; dayCount: number }>;
    // What the database does to the second of two upserts racing on a row not yet made: the
    // other's insert lands between its match (nothing) and its insert, which then collides.
    const rows = Rates.collection;
    const upsert = rows.findOneAndUpdate.bind(rows);
    let collided = 0;
    rows.findOneAndUpdate = (async (...args: Parameters<typeof upsert>) => {
      if (collided === 0) {
        collided++;
        rows.findOneAndUpdate = upsert as typeof rows.findOneAndUpdate;
        await other.admit("officer-race");
        rows.findOneAndUpdate = upsert as typeof rows.findOneAndUpdate;
        throw Object.assign(new Error("E11000 duplicate key error"), { code: 11000 });
      }
      return upsert(...args);
    }) as typeof rows.findOneAndUpdate;
    try {
      await limiter.admit("officer-race");
    } finally {
      rows.findOneAndUpdate = upsert as typeof rows.findOneAndUpdate;
    }
    expect(collided).to.equal(1);
    // The row holds the racing instance's lookup and this one, in the minute and in the day.
    const row = await Rates.findById("officer-race:lookups").lean();
    expect([row?.recent.length, row?.dayCount]).to.deep.equal([2, 2]);
    // The limit still holds: a third is refused.
    const err = await refusalOf(limiter.admit("officer-race"));
    expect(err).to.include({ code: "lookup_rate_limited", status: 429 });
  });

  it("when the counts cannot be read, then the lookup is refused 503 rather than let through unlimited", async () => {
    const closed = await connectMongo(db.uri, { dbName: db.dbName });
    const c = anInstance(closed, { perMinute: 5, perDay: 5 }, () => new Date());
    await closed.close();
    const err = await refusalOf(c.service.lookup(anOfficer("officer-x"), aLookup(1)));
    expect(err).to.include({ code: "lookup_limit_unavailable", status: 503 });
    expect(c.hub.calls).to.equal(0);
  });
});

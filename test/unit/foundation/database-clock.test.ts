import { expect } from "chai";
import type { Connection } from "mongoose";
import { pino } from "pino";
import { Writable } from "node:stream";
import { createDatabaseClock } from "../../../server/lib/database-clock.js";

/** A pino logger whose lines the test keeps. */
function keptLogger() {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split("\n"))
        if (l) lines.push(JSON.parse(l) as { level: number; msg: string });
      done();
    },
  });
  return { lines, logger: pino({ level: "info" }, sink) };
}

const noConnection = {} as Connection;

describe("the database clock", () => {
  it("when the database's clock is ahead of the instance's, then now() reads the database's time and the gap is logged", async () => {
    const { lines, logger } = keptLogger();
    const clock = createDatabaseClock(noConnection, {
      logger,
      databaseNow: () => Promise.resolve(new Date(Date.now() + 5_000)),
    });
    await clock.start();
    clock.stop();
    const gap = clock.now().getTime() - Date.now();
    expect(gap).to.be.within(4_900, 5_100);
    expect(lines.some((l) => l.msg.includes("相差 5.0 秒"))).to.equal(true);
  });

  it("when a later measurement fails, then the last offset stays and the failure is logged", async () => {
    const { lines, logger } = keptLogger();
    let calls = 0;
    const clock = createDatabaseClock(noConnection, {
      logger,
      refreshMs: 5,
      databaseNow: () => {
        calls++;
        return calls === 1
          ? Promise.resolve(new Date(Date.now() - 3_000))
          : Promise.reject(new Error("not primary"));
      },
    });
    await clock.start();
    await new Promise((r) => setTimeout(r, 40));
    clock.stop();
    expect(calls).to.be.above(1);
    expect(clock.offsetMs()).to.be.within(-3_100, -2_900);
    expect(lines.some((l) => l.msg.includes("last offset stays"))).to.equal(true);
  });

  it("when the clocks agree, however long the round trip, then the offset is zero and nothing is logged", async () => {
    const { lines, logger } = keptLogger();
    const slowRoundTrip = async () => {
      await new Promise((r) => setTimeout(r, 30));
      const at = new Date();
      await new Promise((r) => setTimeout(r, 5));
      return at;
    };
    const clock = createDatabaseClock(noConnection, { logger, databaseNow: slowRoundTrip });
    await clock.start();
    clock.stop();
    expect(clock.offsetMs()).to.equal(0);
    expect(lines).to.deep.equal([]);
  });
});

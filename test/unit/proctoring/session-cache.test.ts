import { expect } from "chai";
import type { ExamSessionDto } from "../../../server/contracts/scheduling.js";
import { createSessionCache } from "../../../server/proctoring/session-cache.js";

describe("proctoring: the session cache of access checks", () => {
  const aSession = (id: string) => ({ id }) as ExamSessionDto;

  it("when sessions were read longer ago than the cache keeps them, then they are dropped", () => {
    let now = 0;
    const cache = createSessionCache(10_000, () => now);
    for (let i = 0; i < 1000; i++) cache.put([`s${i}`, `S${i}`], aSession(`s${i}`));
    expect(cache.get("s1")?.id).to.equal("s1");
    now = 10_001;
    expect(cache.get("s1")).to.equal(undefined);
    cache.put(["fresh"], aSession("fresh"));
    expect(cache.get("fresh")?.id).to.equal("fresh");
    // Only what was read within the last ten seconds remains: a node up for weeks holds no more.
    expect(cache.size).to.equal(1);
  });

  it("when a session is read within the time kept, then it is answered from the cache under both ids", () => {
    let now = 0;
    const cache = createSessionCache(10_000, () => now);
    cache.put(["65AB", "65ab"], aSession("65ab"));
    now = 9_999;
    expect(cache.get("65AB")?.id).to.equal("65ab");
    expect(cache.get("65ab")?.id).to.equal("65ab");
  });
});

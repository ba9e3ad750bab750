import { expect } from "chai";
import { findOutage, proposeOutageCredit } from "../../../server/proctoring/index.js";

const m = 60_000;

/** A drop of seat `attemptId`; closed ones lost all their time unless `lostMs` says otherwise. */
const drop = (
  attemptId: string,
  from: number,
  to: number | null,
  lostMs = to === null ? null : to - from,
) => ({
  attemptId,
  from,
  to,
  lostMs,
});

describe("outage credit proposal", () => {
  it("when many seats of a room drop together and all come back, then each seat's lost minutes are proposed, rounded up", () => {
    // Five of ten seats (three make an outage): the room is back at 3.5 minutes, when the third
    // of them returns; every seat was away no longer than that.
    const p = proposeOutageCredit(
      "s1",
      [
        drop("a", 0, 3 * m),
        drop("b", 10_000, 3.5 * m),
        drop("c", 20_000, 2 * m),
        drop("d", 0, 3.5 * m),
        drop("e", 0, 3.5 * m),
      ],
      10,
    );
    expect(p).to.deep.equal({
      sessionId: "s1",
      attemptIds: ["a", "b", "c", "d", "e"],
      seats: [
        { attemptId: "a", minutes: 3 },
        { attemptId: "b", minutes: 4 },
        { attemptId: "c", minutes: 2 },
        { attemptId: "d", minutes: 4 },
        { attemptId: "e", minutes: 4 },
      ],
      from: 0,
      to: 3.5 * m,
      minutes: 4,
    });
  });

  it("when one seat of an outage stays away long after the room is back, then it is offered only the room's outage, and every other seat what it lost", () => {
    // A room of ten: seats 1–5 drop at 10:00, 1–4 are back at 10:02, seat 5 answers offline
    // from its journal until 10:40. The room was out two minutes, not forty.
    const at10 = 600 * m;
    const seats = ["s1", "s2", "s3", "s4"].map((id) => drop(id, at10, at10 + 2 * m));
    const p = proposeOutageCredit("r", [...seats, drop("s5", at10, at10 + 40 * m)], 10);
    expect(p?.seats).to.deep.equal(
      ["s1", "s2", "s3", "s4", "s5"].map((attemptId) => ({ attemptId, minutes: 2 })),
    );
    expect(p).to.deep.include({ from: at10, to: at10 + 2 * m, minutes: 2 });
    // Still away at 10:40: the rest of the room is proposed all the same, seat 5 the same two minutes.
    const open = findOutage("r", [...seats, drop("s5", at10, null)], 10);
    expect(open?.proposal.seats).to.deep.include({ attemptId: "s5", minutes: 2 });
    expect(open?.proposal).to.deep.include({ to: at10 + 2 * m, minutes: 2 });
    expect(open?.drops.get("s5")).to.deep.equal([at10]);
  });

  it("when the room is still out, then its outage is not proposed, and an earlier outage that is over still is", () => {
    const early = ["a", "b", "c"].map((id) => drop(id, 0, 2 * m));
    // Four drop at 30 minutes, only one is back: three still away make an outage still going on.
    const late = [drop("a", 30 * m, 31 * m), ...["b", "c", "d"].map((id) => drop(id, 30 * m, null))];
    expect(proposeOutageCredit("s1", late, 4)).to.equal(null);
    expect(proposeOutageCredit("s1", [...early, ...late], 4)).to.deep.include({ from: 0, to: 2 * m });
    // A seat that dropped just before the window and is still away keeps the room out too.
    const before = [drop("x", 0, null), drop("a", 5_000, null), drop("b", 61_000, m + 10_000)];
    const window = [...before, drop("c", 62_000, m + 10_000), drop("d", 63_000, null)];
    expect(proposeOutageCredit("s1", window, 5)).to.equal(null);
  });

  it("when a seat dropped twice in the outage, then it is credited both drops, and the credit covers exactly the outage's drops", () => {
    const found = findOutage(
      "s1",
      [
        // Away 40 s, back 10 s, away 30 s again: 70 s in all, two minutes rounded up.
        drop("a", 0, 40_000),
        drop("a", 50_000, 80_000),
        // b and c are away until 90 s: the room is back when a returns at 80 s.
        drop("b", 10_000, 90_000),
        drop("c", 20_000, 90_000),
        drop("a", 20 * m, 21 * m),
      ],
      3,
    );
    expect(found?.proposal.seats[0]).to.deep.equal({ attemptId: "a", minutes: 2 });
    expect(found?.drops.get("a")).to.deep.equal([0, 50_000]);
  });

  it("when the larger outage of two is credited, then the other is proposed, and once both are credited nothing is", () => {
    const early = ["a", "b", "c"].map((id) => drop(id, 0, 2 * m));
    const late = ["a", "b", "c", "d"].map((id) => drop(id, 30 * m, 31 * m));
    expect(proposeOutageCredit("s1", [...early, ...late], 4)?.from).to.equal(30 * m);
    const lateCredited = late.map((d) => ({ ...d, credited: true }));
    expect(proposeOutageCredit("s1", [...early, ...lateCredited], 4)).to.deep.include({
      from: 0,
      minutes: 2,
    });
    const all = [...early, ...late].map((d) => ({ ...d, credited: true }));
    expect(proposeOutageCredit("s1", all, 4)).to.equal(null);
  });

  it("when only a few seats of a big room drop, then nothing is proposed", () => {
    expect(proposeOutageCredit("s1", [drop("a", 0, m), drop("b", 0, m), drop("c", 0, m)], 30)).to.equal(null);
  });

  it("when seats drop far apart in time, then they are not one outage", () => {
    expect(
      proposeOutageCredit("s1", [drop("a", 0, m), drop("b", 5 * m, 6 * m), drop("c", 10 * m, 11 * m)], 3),
    ).to.equal(null);
  });

  it("when too many seats are still away, then the proposal waits until enough are back", () => {
    const drops = [drop("a", 0, null), drop("b", 0, null), drop("c", 0, null), drop("d", 0, m)];
    expect(proposeOutageCredit("s1", drops, 4)).to.equal(null);
  });

  it("when the room was paused during the outage, then only the time the clock ran is proposed, and a seat away only while paused is left out", () => {
    // Dropped at 0, paused from 1 to 15 minutes, back at 15: one minute lost, not fifteen.
    const p = proposeOutageCredit(
      "s1",
      [
        drop("a", 0, 15 * m, 1 * m),
        drop("b", 5_000, 15 * m, 55_000),
        drop("c", 10_000, 15 * m, 50_000),
        drop("d", 61_000, 14 * m, 0),
      ],
      4,
    );
    expect(p).to.deep.include({ attemptIds: ["a", "b", "c"], minutes: 1 });
    expect(p?.seats.map((s) => s.minutes)).to.deep.equal([1, 1, 1]);
  });

  it("when every seat of the outage was away only while paused, then nothing is proposed", () => {
    expect(
      proposeOutageCredit("s1", [drop("a", 0, m, 0), drop("b", 0, m, 0), drop("c", 0, m, 0)], 3),
    ).to.equal(null);
  });

  it("when seats reconnect in a loop, then the outage among thousands of drops is still found", () => {
    const loop = Array.from({ length: 5_000 }, (_, i) => drop("loop", i * 1_000, i * 1_000 + 500));
    const p = proposeOutageCredit(
      "s1",
      [...loop, drop("a", 30 * m, 33 * m), drop("b", 30 * m, 32 * m), drop("c", 30 * m, 32 * m)],
      3,
    );
    expect(p).to.deep.include({ attemptIds: ["a", "b", "c", "loop"], from: 30 * m - 60_000, minutes: 2 });
  });
});

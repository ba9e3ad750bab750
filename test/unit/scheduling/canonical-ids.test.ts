import { expect } from "chai";
import {
  AssignBody,
  AutoAssignBody,
  CreateSessionBody,
  ListSessionsQuery,
} from "../../../server/contracts/scheduling.js";

describe("scheduling contracts: ids arrive in their canonical form", () => {
  const centre = "65a0c0ffee0123456789abe1";
  const room = "65a0c0ffee0123456789abe2";
  const candidate = "65a0c0ffee0123456789abe3";
  const seat = "65a0c0ffee0123456789abe4";

  it("when centre, room, candidate and seat ids are ObjectIds typed in upper case, then every body and query carries them lower-cased", () => {
    const created = CreateSessionBody.parse({
      categoryCode: "01001",
      testCentreId: centre.toUpperCase(),
      roomId: room.toUpperCase(),
      startsAt: "2027-01-04T09:00:00+08:00",
    });
    expect(created).to.deep.include({ testCentreId: centre, roomId: room });
    const assign = AssignBody.parse({ candidateId: candidate.toUpperCase(), seatId: seat.toUpperCase() });
    expect(assign).to.deep.equal({ candidateId: candidate, seatId: seat });
    const auto = AutoAssignBody.parse({ candidateIds: [candidate.toUpperCase()] });
    expect(auto.candidateIds).to.deep.equal([candidate]);
    expect(ListSessionsQuery.parse({ testCentreId: centre.toUpperCase() }).testCentreId).to.equal(centre);
  });

  it("when an id is not an ObjectId (a stand-in's tc-1 or ses_…), then it is kept exactly as sent", () => {
    const assign = AssignBody.parse({ candidateId: "cand_AB12_1", seatId: "Seat-1" });
    expect(assign).to.deep.equal({ candidateId: "cand_AB12_1", seatId: "Seat-1" });
    expect(ListSessionsQuery.parse({ testCentreId: "TC-1" }).testCentreId).to.equal("TC-1");
  });
});

import { expect } from "chai";
import { renderSeatingPlanPdf } from "../../../server/certificates/pdf/seating-plan.pdf.js";
import type { SeatMapDto } from "../../../server/contracts/scheduling.js";

/** A room of `seats` seats, the first `seated` taken, seat 3 not bound to a seat computer. */
function aMap(seats: number, seated: number): SeatMapDto {
  return {
    session: {
      id: "s1",
      categoryCode: "01001",
      testCentreId: "tc",
      testCentreName: "南京市从业资格考试中心",
      roomId: "r1",
      roomName: "第一考场",
      startsAt: "2026-12-01T01:00:00.000Z",
      durationMinutes: 60,
      endsAt: "2026-12-01T02:00:00.000Z",
      bookedUntil: "2026-12-01T02:50:00.000Z",
      overrunBy: null,
      blueprint: { id: "bp-1", version: 1 },
      capacity: seats,
      lateEntryMinutes: 20,
      earliestHandInMinutes: 30,
      provinceCode: "320000",
      divisionCode: "320100",
      status: "scheduled",
      lifecycle: "scheduled",
      assignedCount: seated,
      releasedAt: null,
    },
    seats: Array.from({ length: seats }, (_, i) => ({
      seatId: `seat-${i + 1}`,
      seatNo: i + 1,
      bound: i !== 2,
      assignment:
        i < seated
          ? {
              candidateId: `c${i + 1}`,
              name: `考生${i + 1}号`,
              ticketNo: `3226120100${String(i + 1).padStart(4, "0")}`,
            }
          : null,
    })),
  };
}

const pages = (pdf: Buffer) => (pdf.toString("latin1").match(/\/Type \/Page\b/g) ?? []).length;
const preparedAt = new Date("2026-11-30T08:00:00Z");

describe("seating plan PDF", () => {
  it("when a room of 30 seats has 28 candidates, then the plan is one page and the sign-in sheet one more", async () => {
    const pdf = await renderSeatingPlanPdf({ map: aMap(30, 28), timeZone: "Asia/Shanghai", preparedAt });
    expect(pdf.subarray(0, 5).toString("latin1")).to.equal("%PDF-");
    expect(pages(pdf)).to.equal(2);
  });

  it("when 100 candidates are seated, then the sign-in sheet runs over four pages and the plan still fits one", async () => {
    const pdf = await renderSeatingPlanPdf({ map: aMap(100, 100), timeZone: "Asia/Shanghai", preparedAt });
    expect(pages(pdf)).to.equal(5);
  });

  it("when the same seat map is rendered twice, then the bytes are the same (a pure function of its data)", async () => {
    const map = aMap(8, 5);
    const a = await renderSeatingPlanPdf({ map, timeZone: "Asia/Shanghai", preparedAt });
    const b = await renderSeatingPlanPdf({ map, timeZone: "Asia/Shanghai", preparedAt });
    expect(a.equals(b)).to.equal(true);
  });
});

import type { ExamSessionDto } from "../../../../server/contracts/scheduling.js";

/**
 * A session as the session page holds it (ExamSessionDto): a scheduled 01001 session of 30 seats in
 * 南京's first room, tomorrow (2026-12-08) at 09:00 Beijing time (01:00 UTC) for an hour, three
 * candidates seated, nobody admitted, nothing released. Each test states what it needs in `over`.
 */
export function anExamSession(over: Partial<ExamSessionDto> = {}): ExamSessionDto {
  return {
    id: "s1",
    categoryCode: "01001",
    testCentreId: "tc",
    testCentreName: "南京市从业资格考试中心",
    roomId: "r1",
    roomName: "第一考场",
    startsAt: "2026-12-08T01:00:00.000Z",
    durationMinutes: 60,
    endsAt: "2026-12-08T02:00:00.000Z",
    bookedUntil: "2026-12-08T02:50:00.000Z",
    overrunBy: null,
    blueprint: null,
    capacity: 30,
    lateEntryMinutes: 20,
    earliestHandInMinutes: 30,
    provinceCode: "320000",
    divisionCode: "320100",
    status: "scheduled",
    lifecycle: "scheduled",
    assignedCount: 3,
    releasedAt: null,
    ...over,
  };
}

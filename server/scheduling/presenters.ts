import type { Types } from "mongoose";
import { CATEGORIES, type CategoryCode } from "../contracts/categories.js";
import type {
  AdmissionTicketDto,
  ExamSessionDto,
  SeatAssignmentDto,
  SessionLifecycle,
} from "../contracts/scheduling.js";
import type { AssignmentDoc, ExamSessionDoc } from "./scheduling.model.js";

/** What leaves the scheduling feature: sessions, seat assignments and admission tickets. */

export type SessionLean = ExamSessionDoc & { _id: Types.ObjectId };
export type AssignmentLean = AssignmentDoc & { _id: Types.ObjectId };

function lifecycleOf(s: SessionLean, at: Date, published: boolean): SessionLifecycle {
  if (s.status === "cancelled") return "cancelled";
  if (published) return "published";
  if (at < s.startsAt) return "scheduled";
  const over = Math.max(s.endsAt.getTime(), s.startsAt.getTime() + s.lateEntryMinutes * 60_000);
  return at.getTime() < over ? "running" : "ended";
}

export function toSessionDto(s: SessionLean, at: Date, published = false): ExamSessionDto {
  return {
    id: String(s._id),
    categoryCode: s.categoryCode as CategoryCode,
    testCentreId: s.testCentreId,
    testCentreName: s.testCentreName,
    roomId: s.roomId,
    roomName: s.roomName,
    startsAt: s.startsAt.toISOString(),
    durationMinutes: s.durationMinutes,
    endsAt: s.endsAt.toISOString(),
    bookedUntil: (s.bookedUntil ?? s.endsAt).toISOString(),
    overrunBy: s.overrunBy ? { sessionId: s.overrunBy.sessionId, until: s.overrunBy.until.toISOString() } : null,
    blueprint: s.blueprint ? { id: s.blueprint.id, version: s.blueprint.version } : null,
    capacity: s.capacity,
    lateEntryMinutes: s.lateEntryMinutes,
    earliestHandInMinutes: s.earliestHandInMinutes,
    provinceCode: s.provinceCode,
    divisionCode: s.divisionCode,
    status: s.status as ExamSessionDto["status"],
    lifecycle: lifecycleOf(s, at, published),
    assignedCount: s.assignedCount,
    releasedAt: s.releasedAt ? s.releasedAt.toISOString() : null,
  };
}

export function toAssignmentDto(a: AssignmentLean): SeatAssignmentDto {
  const dto: SeatAssignmentDto = {
    candidateId: a.candidateId,
    ticketNo: a.ticketNo,
    seatId: a.seatId,
    seatNo: a.seatNo,
    name: a.name,
    idNumber: a.idNumber,
  };
  if (a.photoId) dto.photoId = a.photoId;
  return dto;
}

export function toTicket(s: SessionLean, a: AssignmentLean): AdmissionTicketDto {
  return {
    ...toAssignmentDto(a),
    sessionId: String(s._id),
    categoryCode: s.categoryCode as CategoryCode,
    categoryName: CATEGORIES[s.categoryCode as CategoryCode],
    testCentreName: s.testCentreName,
    testCentreAddress: s.testCentreAddress,
    roomName: s.roomName,
    startsAt: s.startsAt.toISOString(),
    durationMinutes: s.durationMinutes,
    lateEntryMinutes: s.lateEntryMinutes,
    sex: a.sex as "male" | "female",
  };
}

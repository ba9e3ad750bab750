import { randomBytes } from "node:crypto";
import type { AuthUser } from "../../server/contracts/auth.js";
import type { CategoryCode } from "../../server/contracts/categories.js";
import type { CandidateDto, Education, LicenceClass } from "../../server/contracts/registration.js";
import type { ExamSessionDto, SeatAssignmentDto } from "../../server/contracts/scheduling.js";
import { makeIdNumber } from "../../server/lib/id-number.js";
import { createOrganisationService } from "../../server/organisation/index.js";
import { createRegistrationService } from "../../server/registration/index.js";
import { createSchedulingService } from "../../server/scheduling/index.js";
import type { RunningNode } from "../../server/main.js";

/**
 * Candidates as tests need them, made directly through the services: ID numbers, a photo, rooms
 * with seat tokens, registrations, seat assignments and whole scheduled sessions. Re-exported by
 * auth.ts, where the tests' helpers have always been found.
 */

/** A JPEG-looking photo (magic bytes + padding) for registrations. */
export const TEST_PHOTO = {
  mimeType: "image/jpeg" as const,
  dataBase64: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(60)]).toString("base64"),
};

let sequence = 0;
/**
 * A fresh valid ID number (南京 玄武区, born 1970–1989, so of age for the default licence date of
 * 2010) unique within the test run.
 */
export function uniqueIdNumber(
  options: { divisionCode?: string; birthDate?: string; sex?: "male" | "female" } = {},
): string {
  sequence += 1;
  const base = (process.pid * 7 + sequence * 2) % 998;
  const seq = options.sex === "female" ? base - (base % 2) + 2 : base - (base % 2) + 1;
  const year = 1970 + ((process.pid + sequence) % 20);
  const birth = options.birthDate ?? `${year}-0${1 + (sequence % 9)}-1${sequence % 10}`;
  return makeIdNumber(options.divisionCode ?? "320102", birth, seq % 1000);
}

function systemActor(node: RunningNode): AuthUser {
  const division = node.ctx.config.provinceCode ?? "000000";
  return {
    id: "test-system",
    kind: "staff",
    roles: ["admin", "officer"],
    displayName: "测试",
    divisionCode: division,
    provinceCode: node.ctx.config.provinceCode,
  };
}

export interface TestRoom {
  testCentreId: string;
  roomId: string;
  seats: { seatId: string; seatNo: number; seatToken: string }[];
  divisionCode: string;
}

/** A test centre with one room whose seats all have kiosk seat tokens. */
export async function createTestRoom(
  node: RunningNode,
  options: { seats?: number; divisionCode?: string } = {},
): Promise<TestRoom> {
  const actor = systemActor(node);
  const org = createOrganisationService(node.ctx.conn, node.ctx.config.provinceCode, undefined, {
    timeZone: node.ctx.config.timeZone,
  });
  const divisionCode = options.divisionCode ?? "320100";
  const centre = await org.createTestCentre(actor, {
    name: `考点${randomBytes(3).toString("hex")}`,
    address: "测试路 1 号",
    divisionCode,
  });
  const room = await org.addRoom(actor, centre.id, { name: "第一考场", seatCount: options.seats ?? 4 });
  const seats = [];
  for (const s of room.seats) {
    const r = await org.updateSeat(actor, centre.id, room.id, s.id, { issueToken: true });
    seats.push({ seatId: s.id, seatNo: s.seatNo, seatToken: r.seatToken ?? "" });
  }
  return { testCentreId: centre.id, roomId: room.id, seats, divisionCode };
}

export interface CandidateOptions {
  name?: string;
  idNumber?: string;
  categories?: CategoryCode[];
  divisionCode?: string;
  /** Where the candidate lives (default 320102, 南京 秦淮区). */
  addressDivisionCode?: string;
  education?: Education;
  licenceClass?: LicenceClass;
  licenceFirstIssuedOn?: string;
  /** An applicant who does not drive (装卸管理人员, 押运人员): no licence at all. */
  withoutLicence?: boolean;
}

/** Registers an eligible candidate directly (default: passenger-driver applicant in 南京). */
export async function registerTestCandidate(
  node: RunningNode,
  options: CandidateOptions = {},
): Promise<CandidateDto> {
  const reg = createRegistrationService(node.ctx.conn, {
    timeZone: node.ctx.config.timeZone,
    provinceCode: node.ctx.config.provinceCode,
  });
  return reg.register(systemActor(node), {
    name: options.name ?? "张测试",
    idNumber: options.idNumber ?? uniqueIdNumber(),
    phone: "13800000000",
    addressDivisionCode: options.addressDivisionCode ?? "320102",
    education: options.education ?? "senior_middle",
    ...(options.withoutLicence
      ? {}
      : {
          licenceClass: options.licenceClass ?? "A1",
          licenceFirstIssuedOn: options.licenceFirstIssuedOn ?? "2010-01-01",
        }),
    categories: options.categories ?? ["01001"],
    heldQualifications: [],
    declarations: { noMajorAccident3y: true, noDrunkDriving: true, hazmatTraining: true },
    divisionCode: options.divisionCode ?? "320100",
    photo: TEST_PHOTO,
  });
}

/** Seats a registered candidate in a session (lowest free seat unless `seatId`); returns the assignment. */
export async function assignTestCandidate(
  node: RunningNode,
  sessionId: string,
  candidateId: string,
  seatId?: string,
): Promise<SeatAssignmentDto> {
  const org = createOrganisationService(node.ctx.conn, node.ctx.config.provinceCode, undefined, {
    timeZone: node.ctx.config.timeZone,
  });
  const reg = createRegistrationService(node.ctx.conn, {
    timeZone: node.ctx.config.timeZone,
    provinceCode: node.ctx.config.provinceCode,
  });
  const sched = createSchedulingService(node.ctx.conn, {
    timeZone: node.ctx.config.timeZone,
    provinceCode: node.ctx.config.provinceCode,
    organisation: org,
    registration: reg,
  });
  return sched.assign(systemActor(node), sessionId, seatId ? { candidateId, seatId } : { candidateId });
}

export interface ScheduledCandidates {
  room: TestRoom;
  session: ExamSessionDto;
  candidates: (CandidateDto & { assignment: SeatAssignmentDto; seatToken: string })[];
}

/**
 * A complete scheduling fixture: a room with `count` seats (tokens issued), `count` registered
 * candidates, a session of `categoryCode` starting `startsInMinutes` from now (default 5: the
 * candidate login window is already open), every candidate seated with a ticket. Log a candidate
 * in with `loginCandidate(node, { idNumber, ticketNo: assignment.ticketNo, seatToken })`.
 */
export async function scheduleCandidates(
  node: RunningNode,
  options: {
    count?: number;
    categoryCode?: CategoryCode;
    startsInMinutes?: number;
    durationMinutes?: number;
    lateEntryMinutes?: number;
    earliestHandInMinutes?: number;
  } = {},
): Promise<ScheduledCandidates> {
  const count = options.count ?? 2;
  const room = await createTestRoom(node, { seats: count });
  const org = createOrganisationService(node.ctx.conn, node.ctx.config.provinceCode, undefined, {
    timeZone: node.ctx.config.timeZone,
  });
  const reg = createRegistrationService(node.ctx.conn, {
    timeZone: node.ctx.config.timeZone,
    provinceCode: node.ctx.config.provinceCode,
  });
  const sched = createSchedulingService(node.ctx.conn, {
    timeZone: node.ctx.config.timeZone,
    provinceCode: node.ctx.config.provinceCode,
    organisation: org,
    registration: reg,
  });
  const session = await sched.createSession(systemActor(node), {
    categoryCode: options.categoryCode ?? "01001",
    testCentreId: room.testCentreId,
    roomId: room.roomId,
    startsAt: new Date(Date.now() + (options.startsInMinutes ?? 5) * 60_000).toISOString(),
    durationMinutes: options.durationMinutes ?? 60,
    lateEntryMinutes: options.lateEntryMinutes ?? 20,
    earliestHandInMinutes: options.earliestHandInMinutes ?? 30,
  });
  const candidates = [];
  for (let i = 0; i < count; i++) {
    const c = await registerTestCandidate(node, { name: `考生${i + 1}`, categories: [session.categoryCode] });
    const seat = room.seats[i];
    if (!seat) throw new Error("not enough seats");
    const assignment = await sched.assign(systemActor(node), session.id, {
      candidateId: c.id,
      seatId: seat.seatId,
    });
    candidates.push({ ...c, assignment, seatToken: seat.seatToken });
  }
  const fresh = await sched.getSession(session.id);
  return { room, session: fresh ?? session, candidates };
}

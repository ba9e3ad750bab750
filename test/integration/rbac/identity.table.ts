import { createOrganisationService } from "../../../server/organisation/index.js";
import type { AuthorityDto, TestCentreDto } from "../../../server/contracts/organisation.js";
import type { CandidateDto } from "../../../server/contracts/registration.js";
import { REGISTRATION_IMPORT_COLUMNS } from "../../../server/contracts/registration-import.js";
import { toCsvText } from "../../../server/lib/csv.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import type { ExamSessionDto } from "../../../server/contracts/scheduling.js";
import type { AuthUser, StaffUserDto } from "../../../server/contracts/auth.js";
import {
  TEST_PASSWORD,
  TEST_PHOTO,
  assignTestCandidate,
  createTestRoom,
  registerTestCandidate,
  uniqueIdNumber,
} from "../../helpers/auth.js";
import type { RbacFixtures, RbacRow } from "./rbac-types.js";
import { routeRow, EVERYONE, LOGGED_IN } from "./row-builders.js";
import { anEmptySession } from "./fixtures.js";

/** Rows of the identity, organisation, audit, registration and scheduling routes. */

/** A one-candidate registration CSV (an eligible passenger-driver applicant with a fresh ID). */
function importCsv(): Buffer {
  const headers = REGISTRATION_IMPORT_COLUMNS.map((c) => c.header);
  const row: Record<string, string> = {
    姓名: "钱导入",
    身份证号: uniqueIdNumber(),
    手机号: "13900000000",
    住址行政区划代码: "320102",
    文化程度: "高中",
    准驾车型: "A1",
    驾驶证初领日期: "2012-03-01",
    报考类别: "经营性道路旅客运输驾驶员",
    近3年无重大事故: "是",
  };
  return Buffer.from(toCsvText([headers, headers.map((h) => row[h] ?? "")]), "utf8");
}

const staff = { examiner: "all", reviewer: "all", proctor: "all", officer: "all", admin: "all" } as const;

/** A fresh authority in the fixture's division, nobody else's business (retiring it leaves the fixtures whole). */
async function freshAuthority(fx: RbacFixtures): Promise<string> {
  const org = createOrganisationService(fx.node.ctx.conn, fx.node.ctx.config.provinceCode, undefined, {
    timeZone: fx.node.ctx.config.timeZone,
  });
  const actor = {
    id: "rbac-setup",
    kind: "staff" as const,
    roles: ["admin" as const],
    displayName: "测试",
    divisionCode: fx.node.ctx.config.provinceCode ?? "000000",
    provinceCode: fx.node.ctx.config.provinceCode,
  };
  return (
    await org.createAuthority(actor, { name: `停用测试${fx.unique()}`, divisionCode: fx.own.divisionCode })
  ).id;
}

async function freshAssignment(fx: RbacFixtures): Promise<string> {
  const c = await registerTestCandidate(fx.node, { divisionCode: fx.own.divisionCode });
  await assignTestCandidate(fx.node, fx.own.seatingSessionId, c.id);
  return c.id;
}

export const rows: RbacRow[] = [
  // --- node ---
  routeRow("get", "/system", EVERYONE),
  // --- auth ---
  routeRow("get", "/auth/csrf", EVERYONE),
  {
    method: "post",
    path: "/auth/login",
    access: EVERYONE,
    fresh: true,
    request: (fx) => ({
      url: "/api/auth/login",
      body: { username: fx.login.username, password: fx.login.password },
    }),
  },
  {
    method: "post",
    path: "/auth/candidate-login",
    access: EVERYONE,
    fresh: true,
    request: (fx) => ({
      url: "/api/auth/candidate-login",
      body: { idNumber: fx.own.idNumber, ticketNo: fx.own.ticketNo, seatToken: fx.own.seatToken },
    }),
  },
  routeRow("post", "/auth/logout", EVERYONE, {
    fresh: true,
  }),
  routeRow("get", "/auth/me", LOGGED_IN),
  routeRow("get", "/auth/session", EVERYONE),
  {
    method: "post",
    path: "/auth/password",
    access: staff,
    request: () => ({
      url: "/api/auth/password",
      // A new password (the same one is refused, password_unchanged); each actor changes it once.
      body: { currentPassword: TEST_PASSWORD, newPassword: "Rbac-Changed-Passw0rd-2026" },
    }),
  },
  routeRow(
    "get",
    "/users",
    { admin: "all" },
    {
      includesOwn: (b, fx) =>
        ((b as { users: StaffUserDto[] }).users ?? []).some((u) => u.id === fx.own.userId),
    },
  ),
  {
    method: "post",
    path: "/users",
    access: { admin: "own" },
    request: (fx) => ({
      url: "/api/users",
      body: {
        username: `rbac_${fx.unique()}`,
        displayName: "新用户",
        password: TEST_PASSWORD,
        // Not examiner or reviewer: those are granted at the province level only.
        roles: ["officer"],
        divisionCode: fx.own.divisionCode,
      },
    }),
  },
  {
    method: "patch",
    path: "/users/:id",
    access: { admin: "own" },
    request: (fx) => ({ url: `/api/users/${fx.own.userId}`, body: { displayName: `改名${fx.unique()}` } }),
  },

  // --- organisation ---
  routeRow("get", "/divisions", LOGGED_IN),
  routeRow(
    "get",
    "/authorities",
    { admin: "all", officer: "all" },
    {
      includesOwn: (b, fx) =>
        ((b as { authorities: AuthorityDto[] }).authorities ?? []).some((a) => a.id === fx.own.authorityId),
    },
  ),
  {
    method: "post",
    path: "/authorities",
    access: { admin: "own" },
    request: (fx) => ({
      url: "/api/authorities",
      body: { name: `运管处${fx.unique()}`, divisionCode: fx.own.divisionCode },
    }),
  },
  {
    method: "patch",
    path: "/authorities/:id",
    access: { admin: "own" },
    request: (fx) => ({ url: `/api/authorities/${fx.own.authorityId}`, body: { phone: "025-1234567" } }),
  },
  {
    method: "post",
    path: "/authorities/:id/retire",
    access: { admin: "own" },
    request: async (fx) => ({ url: `/api/authorities/${await freshAuthority(fx)}/retire`, body: {} }),
  },
  routeRow(
    "get",
    "/test-centres",
    { admin: "all", officer: "all", proctor: "all" },
    {
      includesOwn: (b, fx) =>
        ((b as { testCentres: TestCentreDto[] }).testCentres ?? []).some((c) => c.id === fx.own.testCentreId),
    },
  ),
  {
    method: "post",
    path: "/test-centres",
    access: { admin: "own" },
    request: (fx) => ({
      url: "/api/test-centres",
      body: { name: `考点${fx.unique()}`, address: "中山路 1 号", divisionCode: fx.own.divisionCode },
    }),
  },
  {
    method: "get",
    path: "/test-centres/:id",
    access: { admin: "own", officer: "own", proctor: "own" },
    request: (fx) => ({ url: `/api/test-centres/${fx.own.testCentreId}` }),
  },
  {
    method: "patch",
    path: "/test-centres/:id",
    access: { admin: "own" },
    request: (fx) => ({
      url: `/api/test-centres/${fx.own.testCentreId}`,
      body: { address: `中山路 ${fx.unique()} 号` },
    }),
  },
  {
    // Fresh centres and rooms without sessions: the fixtures' own room has sessions and stays in use.
    method: "post",
    path: "/test-centres/:id/retire",
    access: { admin: "own" },
    request: async (fx) => {
      const room = await createTestRoom(fx.node, { divisionCode: fx.own.divisionCode, seats: 1 });
      return { url: `/api/test-centres/${room.testCentreId}/retire`, body: {} };
    },
  },
  {
    method: "patch",
    path: "/test-centres/:id/rooms/:roomId",
    access: { admin: "own" },
    request: async (fx) => {
      const room = await createTestRoom(fx.node, { divisionCode: fx.own.divisionCode, seats: 1 });
      return {
        url: `/api/test-centres/${room.testCentreId}/rooms/${room.roomId}`,
        body: { name: `机房${fx.unique()}` },
      };
    },
  },
  {
    method: "post",
    path: "/test-centres/:id/rooms/:roomId/retire",
    access: { admin: "own" },
    request: async (fx) => {
      const room = await createTestRoom(fx.node, { divisionCode: fx.own.divisionCode, seats: 1 });
      return { url: `/api/test-centres/${room.testCentreId}/rooms/${room.roomId}/retire`, body: {} };
    },
  },
  {
    method: "post",
    path: "/test-centres/:id/rooms",
    access: { admin: "own" },
    request: (fx) => ({
      url: `/api/test-centres/${fx.own.testCentreId}/rooms`,
      body: { name: `考场${fx.unique()}`, seatCount: 2 },
    }),
  },
  {
    method: "patch",
    path: "/test-centres/:id/rooms/:roomId/seats/:seatId",
    access: { admin: "own" },
    request: (fx) => ({
      url: `/api/test-centres/${fx.own.testCentreId}/rooms/${fx.own.roomId}/seats/${fx.own.seatId}`,
      body: { ip: null },
    }),
  },

  // --- audit ---
  routeRow("get", "/audit", { admin: "all" }),
  // The whole chain, every division's entries: province-level admins only (the matrix's are a city's).
  routeRow("get", "/audit/verify", {}),

  // --- registration ---
  {
    method: "post",
    path: "/candidates/precheck",
    access: { officer: "all" },
    request: () => ({
      url: "/api/candidates/precheck",
      body: { idNumber: uniqueIdNumber(), categories: ["01001"] },
    }),
  },
  {
    method: "post",
    path: "/candidates",
    access: { officer: "own" },
    request: (fx) => ({
      url: "/api/candidates",
      body: {
        name: "李报名",
        idNumber: uniqueIdNumber(),
        phone: "13900000000",
        addressDivisionCode: "320102",
        education: "senior_middle",
        licenceClass: "B2",
        licenceFirstIssuedOn: "2012-03-01",
        categories: ["02001"],
        divisionCode: fx.own.divisionCode,
        photo: TEST_PHOTO,
      },
    }),
  },
  routeRow("get", "/candidates/import-template", { officer: "all" }),
  {
    // A dry run writes no candidate; rows out of the officer's scope are refused in the report.
    method: "post",
    path: "/candidates/imports",
    access: { officer: "all" },
    request: () => ({
      url: "/api/candidates/imports",
      body: { filename: "报名.csv", contentBase64: importCsv().toString("base64") },
    }),
  },
  {
    // Only the officer who uploaded may confirm; the fixture's own-division officer uploads here.
    method: "post",
    path: "/candidates/imports/:id/confirm",
    access: { officer: "own" },
    request: async (fx) => {
      const { conn, config } = fx.node.ctx;
      // The matrix's own officer is the division's first (rbac.test.ts makes another one after
      // it), found by _id: natural order need not stay creation order once the password row has
      // saved every staff actor, and then the other officer's import was confirmed by this one.
      const officer = await conn
        .collection("staff_users")
        .findOne({ roles: ["officer"], divisionCode: fx.own.divisionCode }, { sort: { _id: 1 } });
      if (!officer) throw new Error("no own-division officer in the RBAC fixtures");
      const reg = createRegistrationService(conn, {
        timeZone: config.timeZone,
        provinceCode: config.provinceCode,
      });
      const actor: AuthUser = {
        id: String(officer._id),
        kind: "staff",
        roles: ["officer"],
        displayName: "rbac",
        divisionCode: fx.own.divisionCode,
        provinceCode: config.provinceCode,
      };
      const preview = await reg.previewImport(actor, {
        filename: "报名.csv",
        contentBase64: importCsv().toString("base64"),
      });
      return { url: `/api/candidates/imports/${preview.importId}/confirm` };
    },
  },
  {
    method: "get",
    path: "/candidates",
    access: { officer: "all" },
    request: () => ({ url: "/api/candidates?limit=200" }),
    includesOwn: (b, fx) =>
      ((b as { candidates: CandidateDto[] }).candidates ?? []).some((c) => c.id === fx.own.candidateId),
  },
  {
    method: "get",
    path: "/candidates/:id",
    access: { officer: "own" },
    request: (fx) => ({ url: `/api/candidates/${fx.own.candidateId}` }),
  },
  {
    method: "get",
    path: "/candidates/:id/photo",
    access: { officer: "own" },
    request: (fx) => ({ url: `/api/candidates/${fx.own.candidateId}/photo` }),
  },
  {
    // A fresh candidate: the fixture's own one is seated (a replacement would be refused).
    method: "put",
    path: "/candidates/:id/photo",
    access: { officer: "own" },
    request: async (fx) => {
      const c = await registerTestCandidate(fx.node, { divisionCode: fx.own.divisionCode });
      return { url: `/api/candidates/${c.id}/photo`, body: TEST_PHOTO };
    },
  },
  {
    // Fresh candidates: the fixture's own one is seated (a rename or withdrawal would be refused).
    method: "patch",
    path: "/candidates/:id",
    access: { officer: "own" },
    request: async (fx) => {
      const c = await registerTestCandidate(fx.node, { divisionCode: fx.own.divisionCode });
      return { url: `/api/candidates/${c.id}`, body: { phone: "13900000000" } };
    },
  },
  {
    method: "post",
    path: "/candidates/:id/categories",
    access: { officer: "own" },
    request: async (fx) => {
      const c = await registerTestCandidate(fx.node, {
        divisionCode: fx.own.divisionCode,
        categories: ["02001"],
      });
      return {
        url: `/api/candidates/${c.id}/categories`,
        body: { categories: ["01001"], declarations: { noMajorAccident3y: true } },
      };
    },
  },
  {
    method: "post",
    path: "/candidates/:id/withdraw",
    access: { officer: "own" },
    request: async (fx) => {
      const c = await registerTestCandidate(fx.node, { divisionCode: fx.own.divisionCode });
      return { url: `/api/candidates/${c.id}/withdraw`, body: { reason: "考生本人申请撤销" } };
    },
  },

  // --- scheduling ---
  routeRow(
    "get",
    "/exam-sessions",
    { officer: "all", proctor: "all" },
    {
      includesOwn: (b, fx) =>
        ((b as { sessions: ExamSessionDto[] }).sessions ?? []).some((s) => s.id === fx.own.sessionId),
    },
  ),
  {
    method: "post",
    path: "/exam-sessions",
    access: { officer: "own" },
    // A fresh room per request, so no other row's sessions can make the room busy.
    request: async (fx) => {
      const room = await createTestRoom(fx.node, { seats: 2, divisionCode: fx.own.divisionCode });
      return {
        url: "/api/exam-sessions",
        body: {
          categoryCode: "01001",
          testCentreId: room.testCentreId,
          roomId: room.roomId,
          startsAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
        },
      };
    },
  },
  {
    method: "get",
    path: "/exam-sessions/:id",
    access: { officer: "own", proctor: "own" },
    request: (fx) => ({ url: `/api/exam-sessions/${fx.own.sessionId}` }),
  },
  {
    method: "patch",
    path: "/exam-sessions/:id",
    access: { officer: "own" },
    request: async (fx) => ({
      url: `/api/exam-sessions/${await anEmptySession(fx.node, fx.own.divisionCode)}`,
      body: { lateEntryMinutes: 20 },
    }),
  },
  {
    method: "get",
    path: "/exam-sessions/:id/seat-map",
    access: { officer: "own", proctor: "own" },
    request: (fx) => ({ url: `/api/exam-sessions/${fx.own.sessionId}/seat-map` }),
  },
  {
    method: "post",
    path: "/exam-sessions/:id/assignments",
    access: { officer: "own" },
    request: async (fx) => {
      const c = await registerTestCandidate(fx.node, { divisionCode: fx.own.divisionCode });
      return {
        url: `/api/exam-sessions/${fx.own.seatingSessionId}/assignments`,
        body: { candidateId: c.id },
      };
    },
  },
  {
    // Seats the named fresh candidate (a refusal would be reported in a 200 body, not as an error).
    method: "post",
    path: "/exam-sessions/:id/auto-assign",
    access: { officer: "own" },
    request: async (fx) => {
      const c = await registerTestCandidate(fx.node, { divisionCode: fx.own.divisionCode });
      return {
        url: `/api/exam-sessions/${fx.own.seatingSessionId}/auto-assign`,
        body: { candidateIds: [c.id] },
      };
    },
  },
  {
    method: "delete",
    path: "/exam-sessions/:id/assignments/:candidateId",
    access: { officer: "own" },
    request: async (fx) => ({
      url: `/api/exam-sessions/${fx.own.seatingSessionId}/assignments/${await freshAssignment(fx)}`,
    }),
  },
  {
    method: "get",
    path: "/exam-sessions/:id/tickets/:candidateId",
    access: { officer: "own" },
    request: (fx) => ({ url: `/api/exam-sessions/${fx.own.sessionId}/tickets/${fx.own.candidateId}` }),
  },
  {
    method: "get",
    path: "/exam-sessions/:id/candidates/:candidateId/photo",
    access: { officer: "own", proctor: "own" },
    request: (fx) => ({
      url: `/api/exam-sessions/${fx.own.sessionId}/candidates/${fx.own.candidateId}/photo`,
    }),
  },
  routeRow("get", "/me/admission-ticket", { candidate: "all" }),
];

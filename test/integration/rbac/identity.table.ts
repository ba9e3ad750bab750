import { createOrganisationService } from "../../../server/organisation/index.js";
import type { AuthorityDto, TestCentreDto } from "../../../server/contracts/organisation.js";
import type { StaffUserDto } from "../../../server/contracts/staff-accounts.js";
import { TEST_PASSWORD, createTestRoom } from "../../helpers/auth.js";
import type { RbacFixtures, RbacRow } from "./rbac-types.js";
import { routeRow, EVERYONE, LOGGED_IN } from "./row-builders.js";

/**
 * Rows of the node, identity, organisation and audit routes (registration.table.ts and
 * scheduling.table.ts hold the registration and scheduling rows).
 */

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
];

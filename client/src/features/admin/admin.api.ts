import type {
  CreateUserBody,
  ListUsersQuery,
  StaffUserDto,
  StaffUserPageDto,
  UpdateUserBody,
} from "@contracts/staff-accounts.js";
import type { AuditListDto, AuditVerificationDto, ListAuditQuery } from "@contracts/audit.js";
import type {
  AuthorityDto,
  CreateAuthorityBody,
  CreateRoomBody,
  CreateTestCentreBody,
  DivisionDto,
  RoomDto,
  SeatTokenIssuedDto,
  TestCentreDto,
  UpdateSeatBody,
  UpdateTestCentreBody,
} from "@contracts/organisation.js";
import { api, type Sent } from "@/shared/api.js";

/** REST calls of the user, organisation and audit administration pages. */
export const adminApi = {
  divisions: (parent?: string) =>
    api.get<{ divisions: DivisionDto[] }>("/api/divisions", { query: { parent } }).then((r) => r.divisions),
  /** One page of the staff accounts in scope (GET /api/users pages them). */
  users: (query: Sent<typeof ListUsersQuery>) => api.get<StaffUserPageDto>("/api/users", { query }),
  createUser: (body: Sent<typeof CreateUserBody>) => api.post<{ user: StaffUserDto }>("/api/users", body).then((r) => r.user),
  updateUser: (id: string, body: Sent<typeof UpdateUserBody>) =>
    api.patch<{ user: StaffUserDto }>(`/api/users/${id}`, body).then((r) => r.user),
  authorities: () => api.get<{ authorities: AuthorityDto[] }>("/api/authorities").then((r) => r.authorities),
  createAuthority: (body: Sent<typeof CreateAuthorityBody>) => api.post<{ authority: AuthorityDto }>("/api/authorities", body),
  testCentres: () =>
    api.get<{ testCentres: TestCentreDto[] }>("/api/test-centres").then((r) => r.testCentres),
  createTestCentre: (body: Sent<typeof CreateTestCentreBody>) =>
    api.post<{ testCentre: TestCentreDto }>("/api/test-centres", body).then((r) => r.testCentre),
  addRoom: (centreId: string, body: Sent<typeof CreateRoomBody>) =>
    api.post<{ room: RoomDto }>(`/api/test-centres/${centreId}/rooms`, body).then((r) => r.room),
  updateSeat: (centreId: string, roomId: string, seatId: string, body: Sent<typeof UpdateSeatBody>) =>
    api.patch<SeatTokenIssuedDto>(`/api/test-centres/${centreId}/rooms/${roomId}/seats/${seatId}`, body),
  updateTestCentre: (id: string, body: Sent<typeof UpdateTestCentreBody>) =>
    api.patch<{ testCentre: TestCentreDto }>(`/api/test-centres/${id}`, body),
  renameRoom: (centreId: string, roomId: string, name: string) =>
    api.patch<void>(`/api/test-centres/${centreId}/rooms/${roomId}`, { name }),
  retireRoom: (centreId: string, roomId: string) =>
    api.post<void>(`/api/test-centres/${centreId}/rooms/${roomId}/retire`, {}),
  retireTestCentre: (id: string) => api.post<void>(`/api/test-centres/${id}/retire`, {}),
  retireAuthority: (id: string) => api.post<void>(`/api/authorities/${id}/retire`, {}),
  /** A page of the audit log; the page shows a first page's failure itself (`notify: false`), with 重试. */
  audit: (query: Sent<typeof ListAuditQuery>, options?: { notify?: boolean }) =>
    api.get<AuditListDto>("/api/audit", { query, ...options }),
  verifyAudit: () => api.get<AuditVerificationDto>("/api/audit/verify"),
};

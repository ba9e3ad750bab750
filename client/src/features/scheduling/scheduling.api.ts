import type { TestCentreDto } from "@contracts/organisation.js";
import type { CandidateDto } from "@contracts/registration.js";
import type {
  AdmissionTicketDto,
  AssignBody,
  AutoAssignResultDto,
  CreateSessionBody,
  ExamSessionDto,
  ExamSessionListDto,
  ListSessionsQuery,
  SeatAssignmentDto,
  SeatMapDto,
  UpdateSessionBody,
} from "@contracts/scheduling.js";
import { api, type Sent } from "@/shared/api.js";

/** REST calls of session scheduling (考试安排). */
export const schedulingApi = {
  /** A page of sessions, latest scheduled first, how many match in all and where the next page starts. */
  sessions: (query: Omit<Sent<typeof ListSessionsQuery>, "limit"> = {}, options?: { notify?: boolean }) =>
    api.get<ExamSessionListDto>("/api/exam-sessions", { query: { ...query, limit: 100 }, ...options }),
  create: (body: Sent<typeof CreateSessionBody>) =>
    api.post<{ session: ExamSessionDto }>("/api/exam-sessions", body).then((r) => r.session),
  update: (id: string, body: Sent<typeof UpdateSessionBody>) =>
    api.patch<{ session: ExamSessionDto }>(`/api/exam-sessions/${id}`, body).then((r) => r.session),
  /** 改期: refusals (room taken, seated candidates, already admitted) are the dialog's to show. */
  move: (id: string, body: Sent<typeof UpdateSessionBody>) =>
    api
      .patch<{ session: ExamSessionDto }>(`/api/exam-sessions/${id}`, body, { notify: false })
      .then((r) => r.session),
  seatMap: (id: string, options?: { notify?: boolean }) =>
    api.get<SeatMapDto>(`/api/exam-sessions/${id}/seat-map`, options),
  assign: (id: string, body: Sent<typeof AssignBody>) =>
    api
      .post<{ assignment: SeatAssignmentDto }>(`/api/exam-sessions/${id}/assignments`, body)
      .then((r) => r.assignment),
  autoAssign: (id: string, candidateIds?: string[]) =>
    api.post<AutoAssignResultDto>(`/api/exam-sessions/${id}/auto-assign`, candidateIds ? { candidateIds } : {}),
  seatingPlanUrl: (id: string) => `/api/exam-sessions/${encodeURIComponent(id)}/seating-plan.pdf`,
  unassign: (id: string, candidateId: string) =>
    api.delete<void>(`/api/exam-sessions/${id}/assignments/${candidateId}`),
  ticket: (id: string, candidateId: string) =>
    api
      .get<{ ticket: AdmissionTicketDto }>(`/api/exam-sessions/${id}/tickets/${candidateId}`)
      .then((r) => r.ticket),
  testCentres: () =>
    api.get<{ testCentres: TestCentreDto[] }>("/api/test-centres").then((r) => r.testCentres),
  /** The category's candidates, newest first; `q` narrows to a name or ID number prefix. */
  candidates: (categoryCode: string, q?: string) =>
    api
      .get<{ candidates: CandidateDto[] }>("/api/candidates", { query: { categoryCode, q, limit: 200 } })
      .then((r) => r.candidates),
};

import type {
  CleaningReport,
  LegacyPublishDto,
  LegacyRegisterUpload,
  LookupAnswer,
  LookupNoticesPage,
  OfficerLookupBody,
  OutboundEntryDto,
} from "@contracts/hub.js";
import { api } from "@/shared/api.js";

export type OutboundEntry = OutboundEntryDto;

/** REST calls of the province's sharing pages (lookups at the hub, the queue to the hub). */
export const sharingApi = {
  lookup: (body: OfficerLookupBody) => api.post<LookupAnswer>("/api/sharing/lookups", body),
  // The register page shows its refusals in place (the report, or the reason above it).
  checkRegister: (file: LegacyRegisterUpload) =>
    api.post<CleaningReport>("/api/sharing/legacy-register/check", file, { notify: false }),
  publishRegister: (file: LegacyRegisterUpload) =>
    api.post<LegacyPublishDto>("/api/sharing/legacy-register/publish", file, { notify: false }),
  /** Newest first; `before` is the previous page's `nextCursor`. */
  lookupNotices: (before?: number) =>
    api.get<LookupNoticesPage>("/api/sharing/lookup-notices", { notify: false, query: { before } }),
  /** The newest `limit` entries (the server answers at most 200, without a count or a cursor). */
  outbound: (status?: OutboundEntry["status"], limit?: number) =>
    api.get<OutboundEntry[]>("/api/sharing/outbound", { query: { status, limit } }),
  retry: (id: string) => api.post<{ ok: true }>(`/api/sharing/outbound/${id}/retry`, {}),
};

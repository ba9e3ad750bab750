import type {
  CancellationReason,
  CertificateDto,
  CertificateRecord,
  IssuanceDto,
  VerificationResultDto,
} from "@contracts/certificates.js";
import { api, postFile } from "@/shared/api.js";

export type { CertificateDto, IssuanceDto };

/** REST calls of the certificates feature (发证、证书管理、验证). */
export const certificatesApi = {
  issuances: (status: "pending" | "issued" | "rejected") =>
    api
      .get<{ issuances: IssuanceDto[] }>("/api/certificate-issuances", { query: { status } })
      .then((r) => r.issuances),
  issue: (id: string) =>
    api.post<{ record: CertificateRecord }>(`/api/certificate-issuances/${id}/issue`, {}),
  reject: (id: string, reason: string) =>
    api.post<void>(`/api/certificate-issuances/${id}/reject`, { reason }),
  search: (query: { idNumber?: string; status?: string }) =>
    api.get<{ certificates: CertificateDto[] }>("/api/certificates", { query }).then((r) => r.certificates),
  get: (no: string) =>
    api.get<{ certificate: CertificateDto }>(`/api/certificates/${no}`).then((r) => r.certificate),
  pdfUrl: (no: string) => `/api/certificates/${no}/pdf`,
  renew: (no: string) => api.post<{ record: CertificateRecord }>(`/api/certificates/${no}/renew`, {}),
  cancel: (no: string, reason: CancellationReason, note: string) =>
    api.post<{ record: CertificateRecord }>(`/api/certificates/${no}/cancel`, { reason, note }),
  revoke: (no: string, reason: string) =>
    api.post<{ record: CertificateRecord }>(`/api/certificates/${no}/revoke`, { reason }),
  withdraw: (no: string, reason: string) =>
    api.post<{ record: CertificateRecord }>(`/api/certificates/${no}/withdraw`, { reason }),
  verifyText: (text: string) =>
    api.post<VerificationResultDto>("/api/certificates/verify", { text }, { notify: false }),
  verifyPdf: (file: File) =>
    postFile<VerificationResultDto>("/api/certificates/verify-pdf", file, { notify: false }),
};

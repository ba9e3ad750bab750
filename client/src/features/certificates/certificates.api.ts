import type { AuditListDto } from "@contracts/audit.js";
import {
  KeyRotationSettingsDto,
  type CancelBody,
  type CertificateDto,
  type CertificateRecord,
  type CertificateListQuery,
  type IssuanceDto,
  type IssuanceListQuery,
  type ReasonBody,
  type SignedDocument,
  type TrustAnchor,
  type VerificationResultDto,
  type VerifyBody,
} from "@contracts/certificates.js";
import { api, postFile, type Sent } from "@/shared/api.js";
import { rotateKeyBody } from "./key-rotation.js";

export type { CertificateDto, IssuanceDto };

/** REST calls of the certificates feature (发证、证书管理、验证). */
export const certificatesApi = {
  /** A page of the issuances of a status, newest pass first, how many in all and where the next page starts. */
  issuances: (query: Sent<typeof IssuanceListQuery>, options?: { notify?: boolean }) =>
    api.get<{ issuances: IssuanceDto[]; total: number; next: string | null }>("/api/certificate-issuances", {
      query,
      ...options,
    }),
  issue: (id: string) =>
    api.post<{ record: CertificateRecord }>(`/api/certificate-issuances/${id}/issue`, {}),
  reject: (id: string, body: Sent<typeof ReasonBody>) =>
    api.post<void>(`/api/certificate-issuances/${id}/reject`, body),
  /** The newest certificates under the query, and how many there are in all. */
  search: (query: Sent<typeof CertificateListQuery>, options?: { notify?: boolean }) =>
    api.get<{ certificates: CertificateDto[]; total: number; next: string | null }>("/api/certificates", {
      query,
      ...options,
    }),
  /** One certificate; the page shows a failure itself (`notify: false`), with 重试. */
  get: (no: string) =>
    api
      .get<{ certificate: CertificateDto }>(`/api/certificates/${no}`, { notify: false })
      .then((r) => r.certificate),
  pdfUrl: (no: string) => `/api/certificates/${no}/pdf`,
  renew: (no: string) => api.post<{ record: CertificateRecord }>(`/api/certificates/${no}/renew`, {}),
  cancel: (no: string, body: Sent<typeof CancelBody>) =>
    api.post<{ record: CertificateRecord }>(`/api/certificates/${no}/cancel`, body),
  revoke: (no: string, body: Sent<typeof ReasonBody>) =>
    api.post<{ record: CertificateRecord }>(`/api/certificates/${no}/revoke`, body),
  withdraw: (no: string, body: Sent<typeof ReasonBody>) =>
    api.post<{ record: CertificateRecord }>(`/api/certificates/${no}/withdraw`, body),
  /** The node's own trust list (its certificate keys), as any verifier reads it. */
  trustList: (options?: { notify?: boolean }) =>
    api.get<SignedDocument>("/api/certificates/trust-list", options),
  /** The keys allowed to sign the node's trust list (its trust-list keys, ended ones too), as peers pin them. */
  trustAnchors: (options?: { notify?: boolean }) =>
    api.get<{ format: "roadcert-trust-anchors/1"; anchors: TrustAnchor[] }>(
      "/api/certificates/trust-anchors",
      options,
    ),
  /** The key rotations recorded in the audit log, newest first (province-level admins read all). */
  keyRotations: (options?: { notify?: boolean }) =>
    api.get<AuditListDto>("/api/audit", {
      query: { action: "certificate.key_rotated", limit: 50 },
      ...options,
    }),
  /**
   * How a certificate key rotation goes on this node (its lead, in hours), as the contract bounds it:
   * an answer outside it is not worded into the page's note.
   */
  keyRotationSettings: (options?: { notify?: boolean }) =>
    api
      .get<unknown>("/api/certificates/keys/rotation", options)
      .then((body) => KeyRotationSettingsDto.parse(body)),
  /**
   * Rotates the node's certificate key (or its trust-list key) if `expectKid` (the key the admin was
   * shown) is still the one a rotation ends; the page words a refusal itself (`notify: false`).
   * `immediate` (a leaked certificate key): no lead, the old key ends now (rotateKeyBody).
   */
  rotateKey: (
    expectKid: string,
    purpose: "certificate" | "trust-list" = "certificate",
    options: { immediate?: boolean } = {},
  ) =>
    api.post<{ purpose: "certificate" | "trust-list"; kid: string }>(
      "/api/certificates/keys/rotate",
      rotateKeyBody(expectKid, purpose, options),
      { notify: false },
    ),
  verifyText: (body: Sent<typeof VerifyBody>) =>
    api.post<VerificationResultDto>("/api/certificates/verify", body, { notify: false }),
  verifyPdf: (file: File) =>
    postFile<VerificationResultDto>("/api/certificates/verify-pdf", file, { notify: false }),
};

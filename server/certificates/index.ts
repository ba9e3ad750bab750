/**
 * Certificates (从业资格证): issuance from `exam.passed`, lifecycle (renew, cancel, revoke,
 * withdraw), signing keys per node (Ed25519 or SM2/SM3), the signed QR payload (CBOR/COSE_Sign1,
 * Base45, `RC1:`), trust lists, W3C bitstring status lists, offline verification, and the PDFs
 * (certificate and admission ticket).
 *
 * Glossary: *issuance* = one signed version of a certificate (first issue, added category, renewal);
 * *certificate number* = the holder's ID number; *serial* = number + version; *trust anchor* = a key
 * allowed to sign trust lists; *status list* = the issuer's signed bitstring of certificate statuses.
 */
export {
  COSE_ALG,
  SM2_DEFAULT_ID,
  createSigner,
  createVerifier,
  generateKeyPair,
  keyIdOf,
  publicKeyPem,
  publicKeySpki,
  rawSignatureToDer,
  type Signer,
  type SuiteKeyPair,
  type Verifier,
} from "./crypto/suites.js";
export { MAX_QR_TEXT, QR_PREFIX, openEnvelope, sealClaims, type SealingKey } from "./crypto/envelope.js";
export { canonicalJson, openSignedDocument, signDocument } from "./crypto/signed-document.js";
export { buildTrustList, loadTrustList, trustState, type LoadedTrustList } from "./crypto/trust-list.js";
export {
  buildStatusList,
  emptyStatusBits,
  getStatusBits,
  hubCopyMaxLag,
  loadStatusList,
  openStatusList,
  randomStatusIndex,
  setStatusBits,
  type LoadedStatusList,
  type StatusListRefusal,
} from "./crypto/status-list.js";
export { verifyQrText, type TrustContext } from "./crypto/verify-qr.js";
export { PDF_QR_INFO_KEY, extractQrFromPdf } from "./crypto/pdf-payload.js";
export { openKeyStore, type KeyStore, type StoredKey } from "./crypto/key-store.js";
export {
  DEMO_ANCHORS_FILE,
  DEMO_PROVINCE_CODE,
  DEMO_TRUST_DIR,
  DEMO_TRUST_LIST_FILE,
  readAnchorsFile,
  readTrustLists,
} from "./crypto/trust-files.js";
export { renderCertificatePdf, QR_PRINT_MM, type CertificatePdfData } from "./pdf/certificate.pdf.js";
export { renderAdmissionTicketPdf, type AdmissionTicketPdfData } from "./pdf/admission-ticket.pdf.js";
export { qrMatrix } from "./pdf/qr.js";
export { assertNamePrintable, missingGlyphs } from "./pdf/fonts.js";
export type { AcceptedTransfer, TransferCasesPort } from "./transfer.ports.js";
export type { HolderFacts } from "./issuance.service.js";
export type { HolderHomePort } from "./holder-home.js";
export {
  createCertificatesFeature,
  type CertificatesDeps,
  type CertificatesFacade,
} from "./certificates.feature.js";
/** The node's signing service and key rotation from its configuration (the operator's rotation command). */
export { createNodeSigning, type KeyRotation } from "./key-rotation.js";
/** The lapse rule (有效期届满后 180 日), for records of certificates this node never issued (the old register). */
export { isLapsed } from "./lifecycle.js";

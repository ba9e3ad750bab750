import type { ClientSession } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import type { SignedCertificateRecord } from "../contracts/certificates.js";
import type { QualificationRecord } from "../contracts/hub.js";

/** An agreed transfer (转籍) as this province (the receiving one) holds it in the exchange. */
export interface AcceptedTransfer {
  caseId: string;
  idNumber: string;
  name: string;
  /** The practitioner's former home province, whose certificate this one replaces. */
  homeProvince: string;
  /** The office of this province that handles the case: it issues. */
  division: string;
  /** The home province's certificate and its signature, sent with its agreement (null: none held). */
  source: SignedCertificateRecord | null;
  /**
   * No signed certificate at home (a legacy register entry): the home's certificate record as the
   * hub held it when the home agreed, sent by the hub with the agreement (null: none).
   */
  hubRecord?: QualificationRecord | null;
  /** The hub's record of it now (null: none); throws `source_status_unknown` when it cannot be read. */
  currentHubRecord(): Promise<QualificationRecord | null>;
  /**
   * When the home province agreed (the hub's time of its answer). The hub's copy of the home's
   * status list that issuance relies on must not be older. Absent (an exchange that does not say):
   * only the age bound applies.
   */
  agreedAt?: string | null;
}

/** What the certificates feature needs of the exchange for a transfer; given by the composition root. */
export interface TransferCasesPort {
  /** The actor's agreed, not yet issued transfer case; refuses anything else. */
  accepted(actor: AuthUser, caseId: string): Promise<AcceptedTransfer>;
  /**
   * Marks the case issued and queues the `issued` message to the home province, in the caller's
   * transaction; refuses (and so aborts the issuance) when the case was issued already.
   */
  recordIssued(
    session: ClientSession,
    actor: AuthUser,
    caseId: string,
    issued: {
      certificateNo: string;
      version: number;
      serial: string;
      issuedAt: string;
      issuingAuthority: { divisionCode: string; name: string };
    },
  ): Promise<void>;
  /** Wakes the exchange sender after the issuance committed. */
  kick(): void;
}

/**
 * Type-level tests of the certificates feature's time zone, checked by `npm run typecheck` (never
 * run by mocha). Each `@ts-expect-error` line MUST fail to compile: the zone was optional with
 * China's as the fallback, so a caller that forgot it printed and compared times in Beijing's zone
 * on a node configured (TIME_ZONE) for another. The node's zone is `config.timeZone`, named by
 * every caller.
 */
import type { StatusListBody } from "../../server/contracts/certificates.js";
import { refuseStaleHomeList } from "../../server/certificates/home-status.js";
import type { SigningOptions } from "../../server/certificates/signing.service.js";
import type { TransferIssuancePorts } from "../../server/certificates/transfer.service.js";
import type { TrustContext } from "../../server/certificates/crypto/verify-qr.js";

declare const body: StatusListBody;
declare const now: Date;
declare const timeZone: string;
declare const lists: TrustContext["lists"];
declare const signing: Omit<SigningOptions, "timeZone">;
declare const transfer: Omit<TransferIssuancePorts, "timeZone">;

export function typeChecks(): void {
  // Naming the zone compiles.
  refuseStaleHomeList(body, now, null, timeZone);
  const context: TrustContext = { lists, timeZone };
  const signingOptions: SigningOptions = { ...signing, timeZone };
  const transferPorts: TransferIssuancePorts = { ...transfer, timeZone };

  // @ts-expect-error the zone is required: the node's zone is config.timeZone, never a default.
  refuseStaleHomeList(body, now, null);
  // @ts-expect-error a verifier's context names the zone its verdicts write times in.
  const noZoneContext: TrustContext = { lists };
  // @ts-expect-error the signing service writes its refusals in the node's zone.
  const noZoneSigning: SigningOptions = { ...signing };
  // @ts-expect-error a transfer's refusals are written in the node's zone.
  const noZoneTransfer: TransferIssuancePorts = { ...transfer };
  void [context, signingOptions, transferPorts, noZoneContext, noZoneSigning, noZoneTransfer];
}

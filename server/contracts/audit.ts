import { z } from "zod";

/** Who did something, as the audit log records it. */
export interface AuditActor {
  id: string;
  kind: "staff" | "candidate" | "system" | "anonymous";
  name: string;
}

/** One entry of the hash-chained audit log. */
export interface AuditEntryDto {
  seq: number;
  at: string;
  action: string;
  actor: AuditActor;
  divisionCode: string | null;
  target: { type: string; id: string } | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** What the chain verifier found: each problem names the entry by its sequence number. */
export interface AuditVerificationDto {
  ok: boolean;
  checked: number;
  problems: { seq: number; kind: "edited" | "deleted" | "broken_link"; message: string }[];
}

export const ListAuditQuery = z
  .object({
    action: z.string().max(64).optional(),
    actorId: z.string().max(64).optional(),
    targetId: z.string().max(64).optional(),
    beforeSeq: z.coerce.number().int().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export type ListAuditQuery = z.infer<typeof ListAuditQuery>;

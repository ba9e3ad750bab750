import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";
import { z } from "zod";
import { createAuditService, type AuditLog } from "../audit/index.js";
import { openStatusList, type StatusListRefusal } from "../certificates/index.js";
import type { StatusListIndexDto, StatusListReceipt } from "../contracts/hub-registry.js";
import { AppError, errors } from "../lib/errors.js";
import { formatShown } from "../lib/local-time.js";
import { isDuplicateKey, modelOn } from "../lib/mongo.js";
import { divisionName, provinceLabel } from "../organisation/index.js";
import { datedKey, type HeldCertificateKey } from "./certificate-key-bounds.js";
import { holdNodeForWrite, nodeModel } from "./node.model.js";

/** The index of held lists (GET /status-lists), as the route answers it and the OpenAPI document describes it. */
export const StatusListIndex = z.object({
  lists: z.array(
    z.object({
      provinceCode: z.string(),
      url: z.string(),
      generatedAt: z.string(),
      validUntil: z.string(),
      ttlMs: z.number().int(),
      receivedAt: z.string(),
    }),
  ),
}) satisfies z.ZodType<StatusListIndexDto>;

/** The latest signed status list of each province, kept exactly as the province signed it. */
const statusListSchema = new Schema(
  {
    provinceCode: { type: String, required: true, unique: true },
    document: { type: Schema.Types.Mixed, required: true },
    generatedAt: { type: Date, required: true },
    validUntil: { type: Date, required: true },
    ttlMs: { type: Number, required: true },
    receivedAt: { type: Date, required: true },
  },
  { minimize: false, versionKey: false },
);
type StatusListDoc = InferSchemaType<typeof statusListSchema>;

function statusListModel(conn: Connection): Model<StatusListDoc> {
  return modelOn<StatusListDoc>(conn, "HubStatusList", statusListSchema, "hub_status_lists");
}

/**
 * Every province's certificate status list (W3C Bitstring Status List), served by the hub so a
 * verifier anywhere needs one address. The hub does not re-sign: the list stays signed by the
 * province's certificate key, which the hub checks against that province's registered keys (the
 * same keys its national trust list vouches for) and decodes its bitstring before it keeps the
 * list. An older list than the one held is answered `stale` and ignored.
 */
/** How far ahead of the hub's clock a list may be dated (clocks drift; a list never comes from the future). */
const FUTURE_SKEW_MS = 5 * 60_000;

export function createStatusListService(
  conn: Connection,
  deps: {
    /** The hub's TIME_ZONE, for times in refusals. */
    timeZone: string;
    /**
     * The hub's shared audit log. Each list kept changes what every verifier reads of the
     * province's certificates, so it is audited in its own transaction, as a registry change is;
     * a service made without it (scripts, tests) appends through a log of its own on the database.
     */
    audit?: AuditLog;
  },
) {
  const Lists = statusListModel(conn);
  let ownAudit: AuditLog | null = null;
  const audit = (): AuditLog => deps.audit ?? (ownAudit ??= createAuditService(conn));

  return {
    /**
     * Keeps `signer`'s list when it opens against the province's registered keys and is newer than
     * the one held. `keyId` is the node key the gate authenticated (see holdNodeForWrite); only
     * in-process callers holding no node key leave it out (the node must still be active).
     */
    async publish(raw: unknown, signer: string, keyId?: string): Promise<StatusListReceipt> {
      // Why a list does not open against the province's keys, one code per step.
      const refusalOf = (r: StatusListRefusal): AppError => {
        switch (r.step) {
          case "document":
            return errors.badRequest("invalid_status_list", "状态列表须为 roadcert-signed/1 签名文档");
          case "unknown_key":
            return new AppError("unknown_signing_key", 422, `签名密钥 ${r.kid} 未登记为${provinceLabel(signer)}的证照签名密钥`);
          case "signature":
            return new AppError("status_list_signature_invalid", 422, "状态列表签名无效");
          case "body":
            return errors.badRequest("invalid_status_list", "状态列表内容不符合 roadcert-status-list/1");
          case "province":
            return new AppError(
              "provenance_mismatch",
              403,
              `状态列表属于${provinceLabel(r.provinceCode)}，签名节点为${provinceLabel(signer)}`,
            );
          case "key_retired":
            // A retired key stays registered (what it signed still verifies) but signs no newer list:
            // one that leaked could otherwise turn any certificate of the province back to valid.
            return new AppError(
              "status_list_key_retired",
              422,
              `状态列表生成于 ${formatShown(r.generatedAt, deps.timeZone)}，晚于签名密钥 ${r.kid} 的停用时间 ${formatShown(r.validTo, deps.timeZone)}：已停用的密钥不能再签发状态列表，请用当前密钥签发`,
              { kid: r.kid, validTo: r.validTo, generatedAt: r.generatedAt },
            );
          case "bits":
            // Decoded before it is kept: a list signed by a registered key but holding no readable
            // bitstring (or too short a one) replaced the good list, and every verifier then read the
            // province's certificates from nothing.
            return errors.unprocessable("status_list_bits_invalid", `状态列表的位串无法解码：${r.decoded.message}`, {
              problem: r.decoded.problem,
            });
        }
      };
      // Opened once, as every verifier opens it (certificates' openStatusList), each step its own
      // refusal, against the keys as the store's transaction reads them: a key ended before the
      // list's date (or removed) that committed before would otherwise leave the hub serving a list
      // every verifier refuses. The node is written first (holdNodeForWrite), so a key change
      // committing from then on conflicts with the transaction, which then runs again. The
      // transaction also checks the node again: the gate checked it when the request arrived, and
      // a node suspended (or its key retired) since then must not replace the list verifiers read.
      const store = () =>
        audit().transaction(async (session) => {
          const at = new Date();
          await holdNodeForWrite(conn, session, { provinceCode: signer, ...(keyId ? { keyId } : {}) }, at);
          const node = await nodeModel(conn)
            .findOne({ provinceCode: signer }, { certificateKeys: 1, registeredAt: 1 })
            .session(session)
            .lean();
          const held = (node?.certificateKeys ?? []).map((k) => datedKey(k, node?.registeredAt ?? at));
          const opened = openStatusList(raw, asListKeys(held, signer));
          if (!opened.ok) throw refusalOf(opened.refusal);
          const body = opened.list.body;
          // Real instants: the schema refused any other time above.
          const generatedAt = new Date(body.generatedAt);
          // The latest date wins: one list dated ahead would shut out every true list until then.
          if (generatedAt.getTime() > at.getTime() + FUTURE_SKEW_MS)
            throw new AppError(
              "status_list_from_future",
              422,
              `状态列表的生成时间 ${body.generatedAt} 晚于全国中心当前时间超过 ${FUTURE_SKEW_MS / 60_000} 分钟，请校准节点时钟`,
            );
          // Kept exactly as the province signed it (opened above, so it is a signed document).
          const fields = {
            document: opened.document,
            generatedAt,
            validUntil: new Date(body.validUntil),
            ttlMs: body.ttlMs,
            receivedAt: at,
          };
          const kept = { accepted: true, generatedAt: body.generatedAt };
          // The province itself is the actor: the list came signed with its node key and its certificate key.
          const audited = (firstList: boolean) =>
            audit().append(session, {
              action: "hub.status_list_replaced",
              actor: { id: `node:${signer}`, kind: "system", name: `${divisionName(signer) ?? signer}节点（节点密钥签名）` },
              divisionCode: signer,
              target: { type: "hub_status_list", id: signer },
              details: { listGeneratedAt: body.generatedAt, signingKid: opened.document.signer.kid, firstList },
            });
          const replaced = await Lists.updateOne(
            { provinceCode: signer, generatedAt: { $lt: generatedAt } },
            { $set: fields },
            { session },
          );
          if (replaced.modifiedCount === 1) {
            await audited(false);
            return kept;
          }
          if (await Lists.exists({ provinceCode: signer }).session(session)) return { ...kept, accepted: false };
          await Lists.create([{ provinceCode: signer, ...fields }], { session });
          await audited(true);
          return kept;
        });
      let stored: { accepted: boolean; generatedAt: string };
      try {
        stored = await store();
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // Another request stored this province's first list meanwhile: that list is not
        // necessarily older or newer than this one, so this one is judged against it.
        stored = await store();
      }
      return { provinceCode: signer, outcome: stored.accepted ? "accepted" : "stale", generatedAt: stored.generatedAt };
    },

    async get(provinceCode: string) {
      return Lists.findOne({ provinceCode }).lean();
    },

    async index(): Promise<StatusListIndexDto> {
      const rows = await Lists.find({}, { document: 0 }).sort({ provinceCode: 1 }).lean();
      return {
        lists: rows.map((r) => ({
          provinceCode: r.provinceCode, url: `/api/hub/v1/status-lists/${r.provinceCode}`, generatedAt: r.generatedAt.toISOString(),
          validUntil: r.validUntil.toISOString(), ttlMs: r.ttlMs, receivedAt: r.receivedAt.toISOString(),
        })),
      };
    },
  };
}
export type StatusListService = ReturnType<typeof createStatusListService>;

/** A province's registered keys as a status list is opened against them. */
function asListKeys(keys: readonly HeldCertificateKey[], provinceCode: string) {
  return keys.map((k) => ({ kid: k.kid, suite: k.suite, publicKey: k.publicKey, provinceCode, validTo: k.validTo ?? null }));
}

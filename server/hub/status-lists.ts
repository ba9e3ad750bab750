import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";
import { z } from "zod";
import { openSignedDocument } from "../certificates/index.js";
import { SignedDocument, StatusListBody } from "../contracts/certificates.js";
import type { StatusListIndexDto, StatusListReceipt } from "../contracts/hub.js";
import { AppError, errors } from "../lib/errors.js";
import { isDuplicateKey, modelOn } from "../lib/mongo.js";
import type { RegistryService } from "./registry.service.js";
import { checkStatusBits } from "./status-list-bits.js";

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

export function createStatusListService(conn: Connection, deps: { registry: RegistryService }) {
  const Lists = statusListModel(conn);

  return {
    async publish(raw: unknown, signer: string): Promise<StatusListReceipt> {
      const doc = SignedDocument.safeParse(raw);
      if (!doc.success) throw errors.badRequest("invalid_status_list", "状态列表须为 roadcert-signed/1 签名文档");
      const keys = (await deps.registry.certificateKeys()).find((p) => p.provinceCode === signer)?.keys ?? [];
      const key = keys.find((k) => k.kid === doc.data.signer.kid && k.suite === doc.data.signer.suite);
      if (!key) throw new AppError("unknown_signing_key", 422, `签名密钥 ${doc.data.signer.kid} 未登记为 ${signer} 的证照签名密钥`);
      const opened = openSignedDocument(doc.data, key);
      if (opened === null) throw new AppError("status_list_signature_invalid", 422, "状态列表签名无效");
      const body = StatusListBody.safeParse(opened);
      if (!body.success) throw errors.badRequest("invalid_status_list", "状态列表内容不符合 roadcert-status-list/1");
      if (body.data.provinceCode !== signer)
        throw new AppError("provenance_mismatch", 403, `状态列表属于 ${body.data.provinceCode}，签名节点为 ${signer}`);
      // Decoded before it is kept: a list signed by a registered key but holding no readable
      // bitstring (or too short a one) replaced the good list, and every verifier then read the
      // province's certificates from nothing.
      const bits = checkStatusBits(body.data.encodedList, body.data.statusSize);
      if (!bits.ok)
        throw errors.unprocessable("status_list_bits_invalid", `状态列表的位串无法解码：${bits.message}`, {
          problem: bits.problem,
        });
      // Real instants: the schema refused any other time above.
      const generatedAt = new Date(body.data.generatedAt);
      const validUntil = new Date(body.data.validUntil);
      // The latest date wins: one list dated ahead would shut out every true list until then.
      if (generatedAt.getTime() > Date.now() + FUTURE_SKEW_MS)
        throw new AppError(
          "status_list_from_future",
          422,
          `状态列表的生成时间 ${body.data.generatedAt} 晚于全国中心当前时间超过 ${FUTURE_SKEW_MS / 60_000} 分钟，请校准节点时钟`,
        );
      const fields = { document: doc.data, generatedAt, validUntil, ttlMs: body.data.ttlMs };
      const replaceOlder = async () =>
        (
          await Lists.updateOne(
            { provinceCode: signer, generatedAt: { $lt: generatedAt } },
            { $set: { ...fields, receivedAt: new Date() } },
          )
        ).modifiedCount === 1;
      let accepted = await replaceOlder();
      if (!accepted && !(await Lists.exists({ provinceCode: signer }))) {
        try {
          await Lists.create({ provinceCode: signer, ...fields, receivedAt: new Date() });
          accepted = true;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          // Another request stored this province's first list meanwhile: that list is not
          // necessarily older or newer than this one, so this one is judged against it.
          accepted = await replaceOlder();
        }
      }
      return { provinceCode: signer, outcome: accepted ? "accepted" : "stale", generatedAt: body.data.generatedAt };
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

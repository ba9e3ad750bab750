import { Schema, type Connection } from "mongoose";
import { isDuplicateKey, modelOn } from "../lib/mongo.js";

/**
 * How new a signed list this node has already seen, per kind, source and province (`status` or
 * `trust`; `peer:<province>`, `hub:<province>` or `hub:national`): the generation time of the
 * newest one. Kept in the database so that neither a restart nor another instance starts again from
 * whatever it fetches first: a proxy replaying an older list, still signed and unexpired, would
 * otherwise be believed once per process start (remote-lists.ts). The mark only ever rises (`$max`),
 * so two instances raising it at once never move it back.
 */
export interface ListMarkDoc {
  _id: string;
  kind: ListKind;
  /** `peer:<province>`, `hub:<province>` or `hub:national`. */
  source: string;
  generatedAt: Date;
}

export type ListKind = "trust" | "status";

const listMarkSchema = new Schema(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: ["trust", "status"], required: true },
    source: { type: String, required: true },
    generatedAt: { type: Date, required: true },
  },
  { collection: "certificate_list_marks", versionKey: false },
);

const listMarkModel = (conn: Connection) => modelOn<ListMarkDoc>(conn, "CertificateListMark", listMarkSchema);

/** Where the high-water marks live; remote-lists.ts reads each once and raises it as lists come. */
export interface ListMarks {
  /** The newest generation time recorded for the kind and source (epoch ms), or null if none. */
  read(kind: ListKind, source: string): Promise<number | null>;
  /** Raises the mark to `generatedAt` unless it is already as new or newer; never lowers it. */
  raise(kind: ListKind, source: string, generatedAt: Date): Promise<void>;
}

/** The marks in this node's database (collection `certificate_list_marks`). */
export function listMarksOn(conn: Connection): ListMarks {
  const Marks = listMarkModel(conn);
  return {
    async read(kind, source) {
      const doc = await Marks.findById(`${kind}:${source}`, { generatedAt: 1 }).lean();
      return doc ? doc.generatedAt.getTime() : null;
    },
    async raise(kind, source, generatedAt) {
      const write = () =>
        Marks.updateOne(
          { _id: `${kind}:${source}` },
          { $max: { generatedAt }, $setOnInsert: { kind, source } },
          { upsert: true },
        );
      try {
        await write();
      } catch (err) {
        // Two first raises upserting at once: one inserts, the other meets its key; now it exists.
        if (!isDuplicateKey(err)) throw err;
        await write();
      }
    },
  };
}

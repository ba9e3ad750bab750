import { questionContentHash } from "./content-hash.js";
import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";

const optionSchema = new Schema(
  { key: { type: String, required: true }, text: { type: String, required: true } },
  { _id: false },
);

const eventSchema = new Schema(
  {
    at: { type: Date, required: true },
    actorId: { type: String, required: true },
    actorName: { type: String, required: true },
    action: { type: String, required: true },
    comment: { type: String },
  },
  { _id: false },
);

/**
 * One version of one question. A question is the set of documents sharing `questionId`; editing a
 * published version creates version n+1, and old versions stay for the papers that used them.
 * At most one version of a question is `published` at a time.
 */
const questionVersionSchema = new Schema(
  {
    questionId: { type: String, required: true },
    version: { type: Number, required: true, min: 1 },
    status: {
      type: String,
      required: true,
      enum: ["draft", "in_review", "published", "retired", "superseded"],
    },
    ref: { type: String, required: true },
    type: { type: String, required: true, enum: ["true_false", "single", "multiple"] },
    stem: { type: String, required: true },
    options: { type: [optionSchema], default: [] },
    answer: { type: [String], required: true },
    explanation: { type: String, default: "" },
    chapter: { type: String, required: true },
    categories: { type: [String], required: true },
    difficulty: { type: Number, required: true, min: 1, max: 5 },
    tags: { type: [String], default: [] },
    source: { type: String, default: "" },
    imageId: { type: String },
    authorId: { type: String, required: true },
    authorName: { type: String, required: true },
    reviewerId: { type: String },
    /** Type, stem and options as a candidate reads them, hashed (content-hash.ts): finds a question under another ref. */
    contentHash: { type: String },
    /** Item statistics found negative discrimination: kept out of new papers until released. */
    quarantined: { type: Boolean, default: false },
    history: { type: [eventSchema], default: [] },
  },
  { timestamps: true, collection: "question_versions" },
);
questionVersionSchema.index({ questionId: 1, version: 1 }, { unique: true });
questionVersionSchema.index({ status: 1, categories: 1, type: 1, chapter: 1 });
questionVersionSchema.index({ ref: 1, version: -1 });
questionVersionSchema.index({ contentHash: 1, status: 1 });
// Every version carries its content's hash, however it is created (import-writer.ts sets it on its
// lean inserts, contentOf on the editor's updates).
questionVersionSchema.pre("validate", function () {
  this.contentHash = questionContentHash(this);
});

export type QuestionVersionDoc = InferSchemaType<typeof questionVersionSchema>;

/** The question-version model on one connection (never the global mongoose). */
export function questionVersionModel(conn: Connection): Model<QuestionVersionDoc> {
  return (
    (conn.models.QuestionVersion as Model<QuestionVersionDoc> | undefined) ??
    conn.model("QuestionVersion", questionVersionSchema)
  );
}

/**
 * Which question first used a ref. A ref stays with its question for good (old versions keep it
 * after a rename), and `assertRefFree` reads the versions before a write; two writers that both
 * read "free" (two examiners importing one new file, a create racing a rename) would each write
 * their own question under the ref. Both insert this one document in their transaction instead,
 * so one of them loses. Refs used before this collection existed are caught by the read.
 */
const questionRefSchema = new Schema({
  _id: { type: String, required: true },
  questionId: { type: String, required: true },
  at: { type: Date, required: true },
});

export type QuestionRefDoc = InferSchemaType<typeof questionRefSchema> & { _id: string };

export function questionRefModel(conn: Connection): Model<QuestionRefDoc> {
  return (
    (conn.models.QuestionRef as Model<QuestionRefDoc> | undefined) ??
    conn.model<QuestionRefDoc>("QuestionRef", questionRefSchema, "question_refs")
  );
}

/**
 * The point where writers of one content in one category meet (content-claims.ts). A question's
 * content may change or leave the bank, so this is no record of who holds it (the live versions
 * are): every writer of the content into the category writes this document in its transaction,
 * so two writers at once meet as a write conflict and the one retried reads the other's question.
 * `_id`: the category and the content hash, `01001:<hash>`.
 */
const questionContentClaimSchema = new Schema({
  _id: { type: String, required: true },
  /** Bumped by every claim: a write even when nothing else changes (a no-op update conflicts with nothing). */
  writes: { type: Number, required: true },
  at: { type: Date, required: true },
});

export type QuestionContentClaimDoc = InferSchemaType<typeof questionContentClaimSchema> & { _id: string };

export function questionContentClaimModel(conn: Connection): Model<QuestionContentClaimDoc> {
  return (
    (conn.models.QuestionContentClaim as Model<QuestionContentClaimDoc> | undefined) ??
    conn.model<QuestionContentClaimDoc>(
      "QuestionContentClaim",
      questionContentClaimSchema,
      "question_content_claims",
    )
  );
}

import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";

const cellSchema = new Schema(
  {
    type: { type: String, required: true },
    chapter: { type: String, required: true },
    count: { type: Number, required: true },
  },
  { _id: false },
);

/**
 * One version of a category's blueprint (组卷方案). Versions are immutable once published: an exam
 * session pins `{blueprintId, version}`, so a later change cannot alter its papers.
 */
const blueprintSchema = new Schema(
  {
    blueprintId: { type: String, required: true },
    version: { type: Number, required: true, min: 1 },
    status: { type: String, required: true, enum: ["draft", "published", "retired"] },
    categoryCode: { type: String, required: true },
    title: { type: String, required: true },
    minutes: { type: Number, required: true },
    passMark: { type: Number, required: true },
    points: {
      type: new Schema(
        {
          true_false: { type: Number, required: true },
          single: { type: Number, required: true },
          multiple: { type: Number, required: true },
        },
        { _id: false },
      ),
      required: true,
    },
    cells: { type: [cellSchema], required: true },
    difficultyMix: { type: Schema.Types.Mixed },
    multipleScoring: { type: String, required: true, enum: ["all_or_nothing", "partial"] },
    retake: {
      type: new Schema(
        { freeRetakes: { type: Number, required: true }, waitDays: { type: Number, required: true } },
        { _id: false },
      ),
      required: true,
    },
    accommodations: { type: Schema.Types.Mixed, default: {} },
    createdBy: { type: String, required: true },
    publishedAt: { type: Date },
  },
  { timestamps: true, collection: "blueprints", minimize: false },
);
blueprintSchema.index({ blueprintId: 1, version: 1 }, { unique: true });
blueprintSchema.index({ categoryCode: 1, status: 1, publishedAt: -1 });

export type BlueprintDoc = InferSchemaType<typeof blueprintSchema>;

/** The blueprint model on one connection. */
export function blueprintModel(conn: Connection): Model<BlueprintDoc> {
  return (
    (conn.models.Blueprint as Model<BlueprintDoc> | undefined) ?? conn.model("Blueprint", blueprintSchema)
  );
}

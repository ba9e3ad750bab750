import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";

/**
 * An uploaded registration file between its dry run and its confirmation: the cells as read, so
 * the confirmation checks and writes exactly what the officer saw in the report. Confirming clears
 * the rows (ID numbers are not kept twice) and keeps the record, so a second confirmation is
 * answered rather than written again; every record is removed by its TTL.
 */
const registrationImportSchema = new Schema(
  {
    importedBy: { type: String, required: true },
    filename: { type: String, required: true },
    readAs: { type: String, required: true },
    sha256: { type: String, required: true },
    rows: {
      type: [
        {
          line: { type: Number, required: true },
          cells: { type: Schema.Types.Mixed, default: {} },
          imprecise: { type: [String], default: [] },
          notes: { type: [String], default: [] },
          _id: false,
        },
      ],
      default: [],
    },
    status: { type: String, required: true, enum: ["previewed", "confirmed"], default: "previewed" },
    confirmedAt: { type: Date, default: null },
    registered: { type: Number, default: 0 },
    expiresAt: { type: Date, required: true },
  },
  { timestamps: true, collection: "registration_imports", minimize: false },
);
registrationImportSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type RegistrationImportDoc = InferSchemaType<typeof registrationImportSchema>;

export function registrationImportModel(conn: Connection): Model<RegistrationImportDoc> {
  return (
    (conn.models.RegistrationImport as Model<RegistrationImportDoc> | undefined) ??
    conn.model<RegistrationImportDoc>("RegistrationImport", registrationImportSchema)
  );
}

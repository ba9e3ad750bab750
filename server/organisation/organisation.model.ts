import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";

const authoritySchema = new Schema(
  {
    name: { type: String, required: true },
    divisionCode: { type: String, required: true, index: true },
    phone: { type: String, default: null },
    /** Retired (停用): kept for the records that name it, offered for nothing new. */
    retiredAt: { type: Date, default: null },
    /** Bumped by every centre created under it, in that centre's transaction (see retireAuthority). */
    centreClaims: { type: Number, default: 0 },
  },
  { timestamps: true, collection: "authorities" },
);
authoritySchema.index({ divisionCode: 1, name: 1 }, { unique: true });

export type AuthorityDoc = InferSchemaType<typeof authoritySchema>;

export function authorityModel(conn: Connection): Model<AuthorityDoc> {
  return (
    (conn.models.Authority as Model<AuthorityDoc> | undefined) ?? conn.model("Authority", authoritySchema)
  );
}

const seatSchema = new Schema({
  seatNo: { type: Number, required: true },
  ip: { type: String, default: null },
  /** SHA-256 of the kiosk seat token; the token itself is never stored. */
  tokenHash: { type: String, default: null },
});

const roomSchema = new Schema({
  name: { type: String, required: true },
  seats: { type: [seatSchema], default: [] },
  retiredAt: { type: Date, default: null },
});

const testCentreSchema = new Schema(
  {
    name: { type: String, required: true },
    address: { type: String, required: true },
    divisionCode: { type: String, required: true, index: true },
    authorityId: { type: String, default: null },
    rooms: { type: [roomSchema], default: [] },
    retiredAt: { type: Date, default: null },
    /**
     * Bumped by every new session inside its transaction (claimRoom): that write, conditional on
     * centre and room not retired, is what makes scheduling and retiring the room conflict.
     */
    roomClaims: { type: Number, default: 0 },
  },
  { timestamps: true, collection: "test_centres" },
);
testCentreSchema.index({ "rooms._id": 1 });
testCentreSchema.index({ "rooms.seats.tokenHash": 1 }, { sparse: true });

export type TestCentreDoc = InferSchemaType<typeof testCentreSchema>;

export function testCentreModel(conn: Connection): Model<TestCentreDoc> {
  return (
    (conn.models.TestCentre as Model<TestCentreDoc> | undefined) ?? conn.model("TestCentre", testCentreSchema)
  );
}

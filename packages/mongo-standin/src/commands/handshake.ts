import { Long, ObjectId, type Document } from "bson";
import { MAX_BSON_BYTES, MAX_MESSAGE_BYTES } from "../wire/frames.js";
import type { CommandContext, Handler } from "./context.js";

/** Replica-set name announced in hello: drivers only run transactions against replica sets. */
export const SET_NAME = "standin";
/** The MongoDB version the stand-in speaks for (its feature set and error codes). */
export const VERSION = "7.0.0";
const ELECTION_ID = new ObjectId("7fffffff0000000000000001");

/**
 * The hello/isMaster reply. It presents a one-member replica set whose primary is the address
 * clients dial, with `logicalSessionTimeoutMinutes` (without it drivers disable sessions and so
 * transactions). It deliberately omits `topologyVersion`, which would switch the driver to
 * streaming (awaitable) monitoring that the stand-in does not implement.
 */
const hello: Handler = (_command, ctx) => ({
  helloOk: true,
  ismaster: true,
  isWritablePrimary: true,
  secondary: false,
  setName: SET_NAME,
  setVersion: 1,
  electionId: ELECTION_ID,
  hosts: [ctx.address],
  primary: ctx.address,
  me: ctx.address,
  maxBsonObjectSize: MAX_BSON_BYTES,
  maxMessageSizeBytes: MAX_MESSAGE_BYTES,
  maxWriteBatchSize: 100_000,
  localTime: new Date(),
  logicalSessionTimeoutMinutes: 30,
  connectionId: ctx.connectionId,
  minWireVersion: 0,
  maxWireVersion: 21,
  readOnly: false,
});

const buildInfo: Handler = () => ({
  version: VERSION,
  gitVersion: "mongo-standin",
  versionArray: [7, 0, 0, 0],
  modules: [],
  bits: 64,
  maxBsonObjectSize: MAX_BSON_BYTES,
  storageEngines: ["standin"],
});

const getParameter: Handler = (command) => {
  const reply: Document = {};
  if (command.featureCompatibilityVersion !== undefined || command.getParameter === "*") {
    reply.featureCompatibilityVersion = { version: "7.0" };
  }
  return reply;
};

const listDatabases: Handler = (command, ctx: CommandContext) => {
  const names = ctx.store.databases();
  if (command.nameOnly === true) return { databases: names.map((name) => ({ name })) };
  return {
    databases: names.map((name) => ({ name, sizeOnDisk: Long.fromNumber(0), empty: false })),
    totalSize: Long.fromNumber(0),
  };
};

const connectionStatus: Handler = () => ({
  authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] },
});

/** Connection and server-information commands. */
export const handshakeCommands: Record<string, Handler> = {
  hello,
  isMaster: hello,
  ismaster: hello,
  ping: () => ({}),
  buildInfo,
  buildinfo: buildInfo,
  getParameter,
  listDatabases,
  connectionStatus,
};

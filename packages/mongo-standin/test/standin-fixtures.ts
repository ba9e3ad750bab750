import { randomBytes } from "node:crypto";
import { MongoClient, type Db } from "mongodb";
import mongoose, { type Connection } from "mongoose";
import { startStandin, type Standin } from "../src/index.js";

/**
 * Held on globalThis, not in a module variable: mocha loads the root hooks through `require` and
 * the test files through `import`, which gives this module two instances; the hook that stops the
 * server must see the one the tests started.
 */
const holder = globalThis as typeof globalThis & {
  __mongoStandinUnderTest?: Promise<ServerUnderTest> | null;
};

interface ServerUnderTest {
  uri: string;
  standin: Standin | null;
}

/**
 * The server under test, started once per mocha run: the real MongoDB at `MONGODB_URI` when set
 * (to check the suite's fidelity), else one in-memory stand-in.
 */
function serverUnderTest(): Promise<ServerUnderTest> {
  holder.__mongoStandinUnderTest ??= process.env.MONGODB_URI
    ? Promise.resolve({ uri: process.env.MONGODB_URI, standin: null })
    : startStandin({ port: 0 }).then((standin) => ({ uri: standin.uri, standin }));
  return holder.__mongoStandinUnderTest;
}

/** Stops the shared stand-in (root hook, after all tests). */
export async function stopServerUnderTest(): Promise<void> {
  const started = holder.__mongoStandinUnderTest;
  if (!started) return;
  holder.__mongoStandinUnderTest = null;
  await (await started).standin?.stop();
}

/**
 * The database under test for a describe block, on its own database name: reached both through
 * mongoose (`conn`, which bundles its own driver) and through the official driver (`db`,
 * `client`); dropped and closed after the block.
 */
export function useStandinDatabase(prefix: string): {
  readonly conn: Connection;
  readonly uri: string;
  readonly dbName: string;
  readonly db: Db;
  readonly client: MongoClient;
} {
  const dbName = `${prefix}_${randomBytes(6).toString("hex")}`;
  let conn: Connection | undefined;
  let client: MongoClient | undefined;
  let uri: string | undefined;
  before(async () => {
    uri = (await serverUnderTest()).uri;
    conn = await mongoose.createConnection(uri, { dbName, serverSelectionTimeoutMS: 10_000 }).asPromise();
    client = await new MongoClient(uri).connect();
  });
  after(async () => {
    await conn?.dropDatabase().catch(() => undefined);
    await conn?.close();
    await client?.close();
  });
  return {
    get conn() {
      if (!conn) throw new Error("useStandinDatabase: the connection is only available inside tests");
      return conn;
    },
    get uri() {
      if (!uri) throw new Error("useStandinDatabase: the uri is only available inside tests");
      return uri;
    },
    dbName,
    get db() {
      return this.client.db(dbName);
    },
    get client() {
      if (!client) throw new Error("useStandinDatabase: the client is only available inside tests");
      return client;
    },
  };
}

/**
 * Skips a test that exercises the stand-in itself (its process, files or refusals) when the
 * suite runs against a real MongoDB, saying why.
 */
export function skipOnRealMongo(ctx: Mocha.Context, reason: string): void {
  if (!process.env.MONGODB_URI) return;
  console.log(`      skipped on a real MongoDB (MONGODB_URI is set): ${reason}`);
  ctx.skip();
}

/** A document whose `_id` is a number, as tests that write small literal documents type their collections. */
export type Numbered = { _id: number } & Record<string, unknown>;

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<
  Error & {
    code?: number;
    codeName?: string;
    errorLabels?: string[];
    keyPattern?: unknown;
    keyValue?: unknown;
    hasErrorLabel?(label: string): boolean;
  }
> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the operation to fail, but it succeeded");
}

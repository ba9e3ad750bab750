import { randomBytes } from "node:crypto";
import type { Connection } from "mongoose";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "@roadcert/mongo-standin";
import { connectMongo } from "../../server/lib/mongo.js";

/**
 * Held on globalThis, not in a module variable: mocha loads the root hooks through `require` and the
 * test files through `import`, which gives this module two instances; the hook that stops the
 * database must see the one the tests started.
 */
const holder = globalThis as typeof globalThis & { __roadcertTestDatabase?: Promise<EmbeddedDatabase> | null };

/**
 * The test database server, started once per mocha run: the real MongoDB at `MONGODB_URI` when
 * set, else mongodb-memory-server where it can download, else the stand-in (in memory).
 */
export function testDatabase(): Promise<EmbeddedDatabase> {
  holder.__roadcertTestDatabase ??= process.env.MONGODB_URI
    ? Promise.resolve({ uri: process.env.MONGODB_URI, kind: "external" as const, reason: "MONGODB_URI is set", stop: async () => undefined })
    : startEmbeddedDatabase();
  return holder.__roadcertTestDatabase;
}

/** Stops the shared server (root hook, after all tests). */
export async function stopTestDatabase(): Promise<void> {
  const started = holder.__roadcertTestDatabase;
  if (!started) return;
  holder.__roadcertTestDatabase = null;
  await (await started).stop();
}

/** A fresh database name, so every test file (or test) works on its own data. */
export function uniqueDbName(prefix = "t"): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

/**
 * Gives the calling `describe` block its own database: a connection opened before its tests and
 * dropped and closed after them. Read `db.conn` / `db.uri` inside tests.
 */
export function useTestDatabase(
  prefix = "t",
  options: { monitorCommands?: boolean } = {},
): { readonly conn: Connection; readonly uri: string; readonly dbName: string } {
  const state: { conn?: Connection; uri?: string; dbName: string } = { dbName: uniqueDbName(prefix) };
  before(async () => {
    const db = await testDatabase();
    state.uri = db.uri;
    state.conn = await connectMongo(db.uri, { dbName: state.dbName, ...options });
  });
  after(async () => {
    if (!state.conn) return;
    await state.conn.dropDatabase().catch(() => undefined);
    await state.conn.close();
  });
  return {
    get conn() {
      if (!state.conn) throw new Error("useTestDatabase: connection is only available inside tests");
      return state.conn;
    },
    get uri() {
      if (!state.uri) throw new Error("useTestDatabase: uri is only available inside tests");
      return state.uri;
    },
    get dbName() {
      return state.dbName;
    },
  };
}

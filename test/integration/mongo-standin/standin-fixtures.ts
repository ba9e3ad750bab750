import { MongoClient, type Db } from "mongodb";
import { useTestDatabase } from "../../helpers/database.js";

/**
 * The database under test for a describe block: the shared test server (real MongoDB when
 * MONGODB_URI is set, else the stand-in), reached both through mongoose (`conn`, which bundles
 * its own driver) and through the project's own official driver (`db`, `client`).
 */
export function useStandinDatabase(
  prefix: string,
): ReturnType<typeof useTestDatabase> & { readonly db: Db; readonly client: MongoClient } {
  const base = useTestDatabase(prefix);
  let client: MongoClient | undefined;
  before(async () => {
    client = await new MongoClient(base.uri).connect();
  });
  after(async () => {
    await client?.close();
  });
  return {
    get conn() {
      return base.conn;
    },
    get uri() {
      return base.uri;
    },
    get dbName() {
      return base.dbName;
    },
    get db() {
      return this.client.db(base.dbName);
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

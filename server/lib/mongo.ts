import mongoose, { type Connection } from "mongoose";

/**
 * Opens this node's own mongoose connection. Models are registered per connection (never on the
 * global mongoose), so tests and the demo can run several nodes in one process.
 */
export async function connectMongo(uri: string, options: { dbName?: string } = {}): Promise<Connection> {
  const conn = mongoose.createConnection(uri, {
    dbName: options.dbName,
    serverSelectionTimeoutMS: 10_000,
    autoIndex: true,
  });
  await conn.asPromise();
  return conn;
}

/** Describes a URI for logs without its credentials. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, "//***@");
}

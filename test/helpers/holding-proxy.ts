import net from "node:net";
import mongoose from "mongoose";

/** The command document of an OP_MSG (its kind-0 section), e.g. `{ insert: "hub_lookups", … }`. */
export type Command = Record<string, unknown>;

/** A command held on its way to the database until `release()`. */
export interface HeldCommand {
  /** Resolves once a matching command reached the proxy and is being held. */
  readonly reached: Promise<Command>;
  release(): void;
}

const OP_MSG = 2013;

function commandOf(message: Buffer): Command | null {
  if (message.readInt32LE(12) !== OP_MSG) return null;
  // Header (16 bytes), flag bits (4), then sections; the driver sends the kind-0 body first.
  if (message.readUInt8(20) !== 0) return null;
  const size = message.readInt32LE(21);
  return mongoose.mongo.BSON.deserialize(message.subarray(21, 21 + size)) as Command;
}

/**
 * A TCP proxy in front of the test database that can hold one command (and everything after it on
 * the same connection, which keeps the wire order) until the test releases it: how a test makes
 * one node's write commit after another's, deterministically, the way a slow network or a second
 * instance would. Nothing else is changed; replies pass straight through.
 */
export async function startHoldingProxy(targetUri: string): Promise<{
  uri: string;
  hold(match: (command: Command) => boolean): HeldCommand;
  stop(): Promise<void>;
}> {
  const target = new URL(targetUri.replace(/^mongodb(\+srv)?:/, "http:"));
  const holds: { match: (c: Command) => boolean; reached: (c: Command) => void; released: Promise<void> }[] = [];
  const releases: (() => void)[] = [];
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 27017), target.hostname);
    sockets.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", close).on("error", close);
    upstream.on("close", close).on("error", close);
    upstream.on("data", (chunk) => client.write(chunk));
    let pending = Buffer.alloc(0);
    let forwarded = Promise.resolve();
    client.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const message = pending.subarray(0, pending.readInt32LE(0));
        pending = pending.subarray(message.length);
        forwarded = forwarded.then(async () => {
          const command = commandOf(message);
          const i = command ? holds.findIndex((h) => h.match(command)) : -1;
          const hold = holds[i];
          if (command && hold) {
            holds.splice(i, 1);
            hold.reached(command);
            await hold.released;
          }
          upstream.write(message);
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    uri: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    hold(match) {
      let reached: (c: Command) => void = () => undefined;
      let release: () => void = () => undefined;
      const reachedP = new Promise<Command>((resolve) => (reached = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({ match, reached, released });
      releases.push(release);
      return { reached: reachedP, release };
    },
    async stop() {
      for (const release of releases) release();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

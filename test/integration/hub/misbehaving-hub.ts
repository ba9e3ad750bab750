import { createServer, request, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { loadOrCreateNodeKey, signResponse, type MessageView } from "../../../server/sharing/index.js";
import type { TestHub } from "./support.js";

/** What the real hub answered, as the rewrite sees it. */
export interface Upstream {
  status: number;
  text: string;
}

/** The request as the proxy received it: method, path with its query, and body. */
export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
}

/**
 * Another answer than the hub's (`body` sent as JSON; signed with the hub's key unless `unsigned`),
 * or undefined to pass the hub's on.
 */
export type Rewrite = (
  req: ProxiedRequest,
  upstream: Upstream,
) => { status: number; body: unknown; unsigned?: boolean } | undefined;

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

/**
 * A real hub that misbehaves in one way: a proxy in front of `hub` passes every request on (with
 * its Host header, so the signatures the kit made for the proxy's address verify at the hub) and
 * every answer back, except those `rewrite` replaces, which it signs with the hub's own key. Every
 * other requirement still meets a correct hub, so a check that fails fails for the one fault.
 */
export async function aMisbehavingHub(
  hub: TestHub,
  rewrite: Rewrite,
  /** The port of the hub's PUBLIC_URL: the hub carries out only requests signed for its public address. */
  port = 0,
): Promise<{ url: string; close: () => Promise<void> }> {
  const hubKey = loadOrCreateNodeKey(hub.keyDir);
  const target = new URL(hub.node.url);
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const upstream = await new Promise<{
        status: number;
        headers: IncomingMessage["headers"];
        body: Buffer;
      }>((resolve, reject) => {
        const out = request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (answer) => {
            readAll(answer).then(
              (b) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: b }),
              reject,
            );
          },
        );
        out.on("error", reject);
        out.end(body);
      });
      const proxied = { method: req.method ?? "GET", path: req.url ?? "/", body: body.toString("utf8") };
      const replaced = rewrite(proxied, { status: upstream.status, text: upstream.body.toString("utf8") });
      if (!replaced) {
        const headers = { ...upstream.headers };
        delete headers["transfer-encoding"];
        delete headers.connection;
        res.writeHead(upstream.status, { ...headers, "content-length": String(upstream.body.length) });
        res.end(upstream.body);
        return;
      }
      const text = JSON.stringify(replaced.body);
      const view: MessageView = {
        method: proxied.method,
        targetUri: `http://${req.headers.host ?? ""}${proxied.path}`,
        header: (name) => {
          const v = req.headers[name.toLowerCase()];
          return Array.isArray(v) ? v.join(", ") : v;
        },
      };
      const signed = replaced.unsigned
        ? {}
        : signResponse(hubKey, { status: replaced.status, body: text }, view);
      res.writeHead(replaced.status, { ...signed, "content-type": "application/json" });
      res.end(text);
    })().catch((err: unknown) => {
      res.writeHead(502).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

import { expect } from "chai";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { connectSocket, staffAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

/** Starts a POST whose body is sent in two halves; `finish()` sends the rest. */
function halfSentRequest(url: string) {
  const body = JSON.stringify({ note: "在途请求" });
  const bytes = Buffer.from(body);
  const req = httpRequest(`${url}/api/in-flight-probe`, {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": String(bytes.length) },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once("error", reject);
    req.once("response", (res: IncomingMessage) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.once("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
  });
  const half = Math.floor(bytes.length / 2);
  const started = new Promise<void>((resolve) => req.write(bytes.subarray(0, half), () => resolve()));
  return { started, response, finish: () => req.end(bytes.subarray(half)) };
}

describe("graceful shutdown", () => {
  it("when the node stops during a request, then that request still gets its answer, then the node stops and refuses new connections", async () => {
    const node = await startTestNode();
    // The stop begins only once the server has the request in hand (headers read, body half sent).
    const arrived = new Promise((resolve) => node.http.once("request", resolve));
    const inFlight = halfSentRequest(node.url);
    await inFlight.started;
    await arrived;

    let stopped = false;
    const stopping = node.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).to.equal(false);

    inFlight.finish();
    const res = await inFlight.response;
    // The request reached the app and was answered as usual (no such route), not cut off.
    expect(res.status).to.equal(404);
    expect(JSON.parse(res.body)).to.have.nested.property("error.code", "route_not_found");

    await stopping;
    expect(stopped).to.equal(true);
    expect(node.http.listening).to.equal(false);
    const refused = await fetch(`${node.url}/healthz`).then(
      () => false,
      () => true,
    );
    expect(refused).to.equal(true);
  });

  it("when the node stops with sockets connected, then the sockets are disconnected and the database connection closed", async () => {
    const node = await startTestNode();
    const admin = await staffAgent(node, { roles: ["admin"] });
    const socket = await connectSocket(node, admin);
    const disconnected = new Promise<string>((resolve) => socket.once("disconnect", resolve));
    await node.stop();
    expect(await disconnected).to.be.a("string");
    expect(node.ctx.conn.readyState).to.equal(0);
    socket.close();
  });
});

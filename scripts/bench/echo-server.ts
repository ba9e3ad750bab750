/**
 * The baseline of `bench:exam`: a bare socket.io server that acknowledges every answer at once, so
 * the same clients show what socket.io alone allows on this machine. Prints `READY <url>`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";

const http = createServer();
const io = new Server(http, { serveClient: false });
io.on("connection", (socket) => {
  socket.on("attempt:answer", (p: { seq?: number }, ack?: (a: unknown) => void) =>
    ack?.({ ok: true, data: { seq: p.seq, serverTime: Date.now() } }),
  );
});
http.listen(0, "127.0.0.1", () =>
  process.stdout.write(`READY http://127.0.0.1:${(http.address() as AddressInfo).port}\n`),
);

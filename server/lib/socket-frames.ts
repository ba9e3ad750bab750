import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer, type ServerOptions } from "ws";

/**
 * Websocket frames whose payload is written from its parts (issue 17, the paper burst at release).
 *
 * A paper's frame used to be one new 24 KB buffer per candidate, filled from the shared questions'
 * bytes. In the release burst those buffers were a tenth of the exam node's CPU: memory touched for
 * the first time costs a page fault per 4 KB on this machine kind (15 µs each), and 5,000 of them
 * at once are external memory that brings major GCs forward. A `ChunkedFrame` keeps the parts;
 * the sockets of `ChunkedFrameServer` copy them into a scratch buffer taken from a small pool,
 * frame it with ws's own builder and write it with ws's own sender, and give the buffer back once
 * the socket has handed the bytes to the kernel, so the burst reuses the same few buffers.
 */

/** A final, unmasked text frame (RFC 6455 §5.2) whose payload is `chunks`, in order. */
export class ChunkedFrame {
  readonly size: number;
  constructor(readonly chunks: readonly Uint8Array[]) {
    let size = 0;
    for (const chunk of chunks) size += chunk.length;
    this.size = size;
  }

  /** Copies the payload to the start of `target` (at least `size` bytes); returns it as a view. */
  copyInto(target: Buffer): Buffer {
    let at = 0;
    for (const chunk of this.chunks) {
      target.set(chunk, at);
      at += chunk.length;
    }
    return target.subarray(0, at);
  }
}

/** ws's frame builder (the one socket.io-adapter uses), which @types/ws does not declare. */
const { Sender } = WebSocket as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } };

/** ws's own unmasked, final text frame of `data`: its header and `data` itself (not copied). */
export function textFrame(data: Buffer): Buffer[] {
  return Sender.frame(data, { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true });
}

/** Scratch buffers of one size; frames larger than that get a buffer of their own. */
const SCRATCH_BYTES = 64 * 1024;
/** Free buffers kept: the burst writes synchronously, so a few are in use at any time. */
const SCRATCH_KEPT = 32;
const free: Buffer[] = [];

function take(size: number): Buffer {
  if (size > SCRATCH_BYTES) return Buffer.allocUnsafeSlow(size);
  return free.pop() ?? Buffer.allocUnsafeSlow(SCRATCH_BYTES);
}

function giveBack(scratch: Buffer): void {
  if (scratch.length === SCRATCH_BYTES && free.length < SCRATCH_KEPT) free.push(scratch);
}

/** What engine.io's websocket transport calls to write a pre-encoded frame (ws's `Sender#sendFrame`). */
type SendFrame = (frame: unknown, cb?: (err?: Error | null) => void) => void;

/** ws's WebSocket whose sender also writes `ChunkedFrame`s; every other frame is ws's own write. */
class ChunkedFrameSocket extends WebSocket {
  setSocket(socket: Duplex, head: Buffer, options: object): void {
    // ws's own setSocket (not in @types/ws) makes the sender engine.io writes frames through.
    (WebSocket.prototype as unknown as { setSocket(...a: unknown[]): void }).setSocket.call(
      this,
      socket,
      head,
      options,
    );
    const sender = (this as unknown as { _sender: { sendFrame: SendFrame } })._sender;
    const own = sender.sendFrame.bind(sender);
    sender.sendFrame = (frame, cb) => {
      if (!(frame instanceof ChunkedFrame)) return own(frame, cb);
      // ws writes the header and the payload under one cork and calls back once the payload is
      // the kernel's (or failed and will never be sent): only then is the scratch read by nobody.
      const scratch = take(frame.size);
      own(textFrame(frame.copyInto(scratch)), (err) => {
        giveBack(scratch);
        cb?.(err);
      });
    };
  }
}

/**
 * The `wsEngine` of the node's engine.io server: ws's server, its sockets able to write
 * `ChunkedFrame`s. Frames of that kind are made only for a server using this engine
 * (`writesChunkedFrames`); ws's own sender would refuse one (it is not a list of buffers).
 */
export class ChunkedFrameServer extends WebSocketServer {
  constructor(options: ServerOptions, callback?: () => void) {
    super({ ...options, WebSocket: ChunkedFrameSocket }, callback);
  }
}

/** Whether the engine.io server behind `server` writes `ChunkedFrame`s (uses `ChunkedFrameServer`). */
export function writesChunkedFrames(server: unknown): boolean {
  const engine = (server as { engine?: { ws?: unknown } } | undefined)?.engine;
  return engine?.ws instanceof ChunkedFrameServer;
}

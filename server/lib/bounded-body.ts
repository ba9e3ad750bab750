/** Thrown by `boundedText` once a body passes its bound; callers turn it into their own refusal. */
export class BodyTooLarge extends Error {
  constructor(readonly max: number) {
    super(`body larger than ${max} bytes, not read`);
    this.name = "BodyTooLarge";
  }
}

/**
 * A fetched response's body as text (UTF-8, as `Response.text()` reads it), refused once it passes
 * `max` bytes: by its declared length before reading, else as it streams in (the rest is not
 * read). A deadline alone bounds only the time, so a broken or hostile server could make the node
 * hold any amount it sent within it. Shared by the inter-node client and the certificate lists'
 * fetches.
 */
export async function boundedText(res: Response, max: number): Promise<string> {
  if (Number(res.headers.get("content-length") ?? "") > max) {
    await res.body?.cancel().catch(() => undefined);
    throw new BodyTooLarge(max);
  }
  if (!res.body) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader: ReadableStreamDefaultReader<Uint8Array> = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge(max);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

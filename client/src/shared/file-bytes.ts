/**
 * A picked file's bytes as base64, for JSON uploads: the server, not the browser, decides the
 * encoding (UTF-8, UTF-16, GBK) and reads XLSX, so the bytes go as they are. Converted in chunks,
 * since spreading a whole file into `String.fromCharCode` overflows the call stack.
 */
export async function fileToBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The bytes of base64url text (RFC 4648 §5, as in JWS payloads), padded or not. */
export function base64UrlToBytes(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  return Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

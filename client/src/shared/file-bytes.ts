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

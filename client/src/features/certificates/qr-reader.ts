import { BarcodeDetector, prepareZXingModule } from "barcode-detector/ponyfill";
import wasmUrl from "zxing-wasm/reader/zxing_reader.wasm?url";

/**
 * QR reading in the browser with barcode-detector (the W3C BarcodeDetector API over zxing-cpp
 * compiled to WebAssembly, maintained). The wasm file is served by this node, never fetched from
 * a CDN: verification must work on a closed network.
 */
prepareZXingModule({
  overrides: {
    locateFile: (path: string, prefix: string) => (path.endsWith(".wasm") ? wasmUrl : prefix + path),
  },
});

let detector: BarcodeDetector | null = null;
function get(): BarcodeDetector {
  detector ??= new BarcodeDetector({ formats: ["qr_code"] });
  return detector;
}

/** The first QR code's text in an image, video frame or canvas; null when there is none. */
export async function readQr(source: ImageBitmapSource): Promise<string | null> {
  const found = await get().detect(source);
  return found.find((b) => b.rawValue.startsWith("RC1:"))?.rawValue ?? found[0]?.rawValue ?? null;
}

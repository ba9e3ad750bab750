/**
 * The demo candidates' registration photo: a drawn stand-in for an ID photo (a head-and-shoulders
 * silhouette on the light blue background Chinese ID photos use), at the 26 × 32 mm proportion.
 * The proctor's check-in dialog and the certificate PDF show it; the 1 × 1 pixel the demo used
 * before was black and read as a broken photo on both. sharp (already the screenshots' image
 * tool) draws the SVG, so no image is kept in the repository.
 */
import sharp from "sharp";

const WIDTH = 260;
const HEIGHT = 320;

const SILHOUETTE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">
  <rect width="100%" height="100%" fill="#8fb8e0"/>
  <ellipse cx="130" cy="128" rx="58" ry="70" fill="#5c6b7a"/>
  <path d="M20 320 C 28 240, 80 214, 130 214 C 180 214, 232 240, 240 320 Z" fill="#5c6b7a"/>
</svg>`;

let cached: Promise<string> | null = null;

/** The photo as base64 PNG, drawn once per process. */
export function demoPhotoPngBase64(): Promise<string> {
  cached ??= sharp(Buffer.from(SILHOUETTE_SVG))
    .png({ palette: true })
    .toBuffer()
    .then((png) => png.toString("base64"));
  return cached;
}

/**
 * `text` as a Chinese input method types it in its full-width mode: every printable ASCII
 * character as its full-width form (U+FF01–U+FF5E), the space as the ideographic space.
 */
export function fullWidth(text: string): string {
  return text.replace(/[!-~ ]/g, (c) =>
    c === " " ? "\u3000" : String.fromCharCode(c.charCodeAt(0) + 0xfee0),
  );
}

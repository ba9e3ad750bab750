/**
 * The question export's address (`format` json or csv, optionally one category) and the name its
 * file falls back to; it is downloaded through the shared `useDownloads` (fetched, not linked), so
 * a refused export (422 `export_tag_separator` names the question and tag) shows the server's
 * message instead of a raw JSON page. Neither format carries images: the server refuses
 * (`export_images_not_carried`) unless `withoutImages` says the user accepted a file without them.
 */
export function questionExport(
  format: "roadcert" | "csv",
  categoryCode?: string,
  withoutImages = false,
): { url: string; fallbackName: string } {
  const query = new URLSearchParams({
    format,
    ...(categoryCode ? { categoryCode } : {}),
    ...(withoutImages ? { withoutImages: "true" } : {}),
  });
  return {
    url: `/api/question-bank/export?${query.toString()}`,
    fallbackName: `roadcert-${categoryCode ?? "all"}.${format === "csv" ? "csv" : "json"}`,
  };
}

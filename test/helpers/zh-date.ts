/**
 * A calendar date (`YYYY-MM-DD`) as the pages must write it, `2026年12月2日`: spelled out here from
 * the digits, apart from the client's formatter, so an e2e test checks the page against the rule
 * rather than against the code that prints it.
 */
export function zhDate(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${day}`);
  return `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日`;
}

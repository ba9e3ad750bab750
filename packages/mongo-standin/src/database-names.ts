/**
 * MongoDB's rule for a database name (Linux builds): not empty, under 64 bytes of UTF-8, and none
 * of `/ \ . " $`, space or NUL. mongod refuses any other with InvalidNamespace (73); the driver
 * itself checks only the dot. The stand-in accepted every name, so `a b` or `a$b` worked here and
 * failed on a real server, and a dotted name split namespaces wrongly.
 */
const FORBIDDEN = /[/\\. "$\0]/;

/** Why `name` is not a MongoDB database name, or null when it is one. */
export function databaseNameProblem(name: string): string | null {
  if (name.length === 0) return "is empty";
  if (Buffer.byteLength(name, "utf8") >= 64) return "is 64 bytes or longer";
  const bad = FORBIDDEN.exec(name);
  return bad ? `contains ${JSON.stringify(bad[0])}` : null;
}

/** Names already found valid: a command names its database every time, and checks stay off the save path. */
const valid = new Set<string>(["admin", "local", "config"]);
const MAX_REMEMBERED = 1_000;

/** Null when `name` is a valid database name (remembered once checked), else the reason. */
export function checkDatabaseName(name: string): string | null {
  if (valid.has(name)) return null;
  const problem = databaseNameProblem(name);
  if (problem === null) {
    if (valid.size >= MAX_REMEMBERED) valid.clear();
    valid.add(name);
  }
  return problem;
}

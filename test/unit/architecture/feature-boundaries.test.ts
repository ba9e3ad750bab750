import { expect } from "chai";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/**
 * The shape rules of server/ that no type checker sees: features depend on each other without
 * cycles, and routes never write the audit log (services do, inside their change's transaction).
 * "Reached only through index.ts" is enforced by eslint (no-restricted-imports in eslint.config.js).
 */
const SERVER = path.resolve(import.meta.dirname, "../../../server");
/** Shared layers every feature may use; they import no feature themselves. */
const SHARED = new Set(["lib", "contracts", "types"]);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return filesUnder(full);
    return full.endsWith(".ts") ? [full] : [];
  });
}

/** The feature a server file belongs to (its first folder under server/), or null for root files. */
function featureOf(file: string): string | null {
  const [first, ...rest] = path.relative(SERVER, file).split(path.sep);
  return rest.length > 0 && first ? first : null;
}

/** Every static or dynamic import / re-export specifier in a file, type-only ones included. */
function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;
  for (const match of source.matchAll(pattern)) if (match[1]) specifiers.push(match[1]);
  return specifiers;
}

function featureGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of filesUnder(SERVER)) {
    const from = featureOf(file);
    if (!from || SHARED.has(from)) continue;
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const spec of importsOf(readFileSync(file, "utf8"))) {
      if (!spec.startsWith(".")) continue;
      const to = featureOf(path.resolve(path.dirname(file), spec));
      if (to && to !== from && !SHARED.has(to)) edges.add(to);
    }
  }
  return graph;
}

/** Every cycle of the graph, each as the path that closes it (a → b → a). */
function cyclesOf(graph: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

describe("architecture: feature boundaries", () => {
  it("when the cycle finder is given a → b → c → a, then it reports that cycle (the guard can fail)", () => {
    const graph = new Map([
      ["a", new Set(["b"])],
      ["b", new Set(["c"])],
      ["c", new Set(["a"])],
    ]);
    expect(cyclesOf(graph)).to.deep.equal([["a", "b", "c", "a"]]);
  });

  it("when the server's features are read, then no feature depends on itself through others", () => {
    const graph = featureGraph();
    expect(graph.size, "features found").to.be.greaterThan(5);
    const cycles = cyclesOf(graph).map((c) => c.join(" → "));
    expect(cycles, "feature-level import cycles").to.deep.equal([]);
  });

  it("when the shared layers (lib, contracts) are read, then they import no feature", () => {
    const offenders: string[] = [];
    for (const layer of ["lib", "contracts"]) {
      for (const file of filesUnder(path.join(SERVER, layer))) {
        for (const spec of importsOf(readFileSync(file, "utf8"))) {
          const to = spec.startsWith(".") ? featureOf(path.resolve(path.dirname(file), spec)) : null;
          if (to && !SHARED.has(to)) offenders.push(`${path.relative(SERVER, file)} → ${spec}`);
        }
      }
    }
    expect(offenders).to.deep.equal([]);
  });

  it("when route and socket-handler modules are read, then none imports the audit feature or writes an audit entry", () => {
    const offenders: string[] = [];
    const handlers = (f: string) => f.endsWith(".routes.ts") || f.endsWith(".socket.ts");
    for (const file of filesUnder(SERVER).filter(handlers)) {
      const source = readFileSync(file, "utf8");
      const own = featureOf(file) === "audit";
      if (!own && importsOf(source).some((s) => /(^|\/)audit\//.test(s)))
        offenders.push(`${file}: imports audit`);
      if (/\baudit\w*\s*\??\.\s*(record|append|transaction)\s*\(/i.test(source))
        offenders.push(`${file}: writes audit`);
    }
    expect(offenders.map((o) => path.relative(SERVER, o))).to.deep.equal([]);
  });

  it("when the question bank is read, then its changes are audited inside their transaction (append), never recorded after them", () => {
    // An import writes one entry per batch, inside that batch's transaction.
    const offenders: string[] = [];
    for (const file of filesUnder(path.join(SERVER, "question-bank"))) {
      const rel = path.relative(SERVER, file).split(path.sep).join("/");
      if (/\baudit\w*\s*\??\.\s*record\s*\(/i.test(readFileSync(file, "utf8"))) offenders.push(rel);
    }
    expect(offenders).to.deep.equal([]);
  });

  it("when exam delivery and proctoring are read, then only refusals are recorded outside a change's transaction", () => {
    // A refusal changes nothing else, so it is an entry of its own (audit.record); every other
    // action appends its entry inside its unit of work. These two files hold the refusals.
    const allowed = new Set(["proctoring/proctor-desk.ts", "exams/exam.service.ts"]);
    const offenders: string[] = [];
    for (const feature of ["exams", "proctoring"]) {
      for (const file of filesUnder(path.join(SERVER, feature))) {
        const rel = path.relative(SERVER, file).split(path.sep).join("/");
        const source = readFileSync(file, "utf8");
        if (/\baudit\w*\s*\??\.\s*record\s*\(/i.test(source) && !allowed.has(rel))
          offenders.push(`${rel}: record`);
        // Proctoring's refusal helper: audit(user, "<action>", …) names refusals only.
        for (const m of source.matchAll(/\baudit\(\s*\w+,\s*"([^"]+)"/g))
          if (!m[1]?.endsWith("refused")) offenders.push(`${rel}: ${m[1]} recorded outside its change`);
        if (rel === "exams/exam.service.ts")
          for (const m of source.matchAll(/\baction:\s*"([^"]+)"/g))
            if (!m[1]?.endsWith("refused")) offenders.push(`${rel}: ${m[1]} recorded outside its change`);
      }
    }
    expect(offenders).to.deep.equal([]);
  });

  it("when exam delivery's port is read, then every command takes the unit of work its audit entry joins", () => {
    const source = readFileSync(path.join(SERVER, "exams/ports.ts"), "utf8");
    const body = /export interface ExamDeliveryPort \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? "";
    // Method signatures: `name(` at the start of a member, up to the closing `): Promise<`.
    const members = [...body.matchAll(/^ {2}(\w+)\(([\s\S]*?)\): Promise</gm)].map((m) => ({
      name: m[1] ?? "",
      params: m[2] ?? "",
    }));
    const reads = new Set([
      "ownerOf",
      "attemptIds",
      "seatViews",
      "awayIntervals",
      "pendingExtension",
      "isPublished",
    ]);
    expect(members.length, "port members found").to.be.greaterThan(10);
    const commands = members.filter((m) => !reads.has(m.name));
    expect(commands.length, "commands found").to.be.greaterThan(8);
    // `commit: Commit<…>`: the command prepares outside, then writes in the caller's unit of work.
    const joined = /\buow: UnitOfWork\b|\bcommit: Commit</;
    expect(commands.filter((m) => !joined.test(m.params)).map((m) => m.name)).to.deep.equal([]);
  });

  it("when the server is read, then access checks come from the access layer only (no role guards beside it)", () => {
    const offenders: string[] = [];
    for (const file of filesUnder(SERVER)) {
      const source = readFileSync(file, "utf8");
      if (/\brequireRole\s*\(|\brequireAuth\b|auth\/guards/.test(source))
        offenders.push(path.relative(SERVER, file));
    }
    expect(offenders).to.deep.equal([]);
  });
});

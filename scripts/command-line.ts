/**
 * How the project's commands for people (bank:import, bank:validate, cert:demo-trust, dev) refuse a
 * command line: what is wrong (parseArgs' own messages stay in English, as Node words them), then
 * the usage, exit 2, before anything is read or written. The benchmarks refuse the same way in
 * their own one-line form (`benchCommandLine`, scripts/bench/bench-args.ts).
 */
export function readCommandLineOrExit<T>(usage: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    console.error(`参数有误：${err instanceof Error ? err.message : String(err)}\n${usage}`);
    process.exit(2);
  }
}

// Compiled (never run) by types.test.mjs with `tsc --noEmit`: how a
// TypeScript user calls the package. Lines marked @ts-expect-error must stay
// type errors, so the declarations cannot silently loosen to `any`.
import init, { config, defaultConfig, initSync, octets, version } from 'h2lens';
import type { Config, ConfigOverrides, Octets } from 'h2lens';

export async function browserStart(wasmUrl: URL, bytes: Uint8Array): Promise<string> {
  await init();
  await init(wasmUrl);
  await init(bytes);
  await init(fetch(wasmUrl));
  initSync(bytes);
  return version();
}

export function limits(): number {
  const defaults: Config = defaultConfig();
  const overrides: ConfigOverrides = { hpack: { max_table_size: 4096 } };
  const merged: Config = config(overrides);
  config();
  const tableEvents: boolean = merged.output.table_events;
  return defaults.frame.max_continuation_frames + Number(tableEvents);
}

export function show(bytes: Uint8Array): string {
  const o: Octets = octets(bytes);
  return typeof o === 'string' ? o : `${o.text} (${o.hex})`;
}

export function misuse(): void {
  // @ts-expect-error octets takes a Uint8Array, not a string
  octets('abc');
  // @ts-expect-error a limit is a number
  config({ hpack: { max_table_size: 'big' } });
  // @ts-expect-error no such section
  config({ nope: {} });
  // @ts-expect-error version() returns a string
  const n: number = version();
  void n;
  // @ts-expect-error non-UTF-8 octets carry hex, not bytes
  void (octets(new Uint8Array([0xff])) as Exclude<Octets, string>).bytes;
}

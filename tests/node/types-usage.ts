// Compiled (never run) by types.test.mjs with `tsc --noEmit`: how a
// TypeScript user calls the package. Lines marked @ts-expect-error must stay
// type errors, so the declarations cannot silently loosen to `any`.
import init, {
  bytesToHex,
  config,
  decode,
  decodeFile,
  decodeStream,
  Decoder,
  defaultConfig,
  diffHeaders,
  eventTypes,
  groupMetadata,
  grpcCalls,
  hexToBytes,
  hpackDecode,
  HpackDecoder,
  hpackEncode,
  HpackEncoder,
  initSync,
  octets,
  octetsToBytes,
  pairExchanges,
  parseTap,
  version,
} from 'h2lens';
import type {
  CollectedExchange,
  Config,
  ConfigOverrides,
  Event,
  EventType,
  GrpcCallEvent,
  HeaderBlock,
  KeyedBatch,
  Octets,
  Report,
  SafeInt,
  Summary,
} from 'h2lens';

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
  const overrides: ConfigOverrides = { hpack: { max_table_size: 4096 }, output: { data_payloads: 'all' } };
  const merged: Config = config(overrides);
  config();
  const tableEvents: boolean = merged.output.table_events;
  return defaults.frame.max_continuation_frames + Number(tableEvents);
}

export function show(bytes: Uint8Array): string {
  const o: Octets = octets(bytes);
  return typeof o === 'string' ? o : `${o.text} (${o.hex})`;
}

/** Narrowing on the `event` tag gives each event's own fields. */
export function describe(e: Event): string {
  switch (e.event) {
    case 'header_block':
      return `${e.stream_id} ${e.fields.map((f) => `${show(octetsToBytes(f.name))}: ${f.repr}`).join(', ')}`;
    case 'frame':
      return `${e.type} ${e.frame?.type === 'PING' ? e.frame.opaque_data : ''}`;
    case 'grpc_call':
      return `${e.status?.name ?? '-'} ${e.request_metadata.grouped.map((g) => g.values.length).join()}`;
    case 'protocol':
      return e.protocol === 'tls' ? `TLS ${e.version ?? ''}` : e.protocol;
    case 'summary':
      return `${e.header_blocks} blocks`;
    default:
      return e.event;
  }
}

export function whole(bytes: Uint8Array, protoset: Uint8Array): Summary {
  const report: Report = decode(bytes, {
    grpc: true,
    decodeRaw: false,
    protoset,
    har: true,
    config: { output: { frame_bytes: 32 } },
    events: { include: ['header_block', 'grpc_call'], exclude: ['frame'] },
  });
  const calls: GrpcCallEvent[] = grpcCalls(report);
  const nanos: SafeInt | undefined = calls[0]?.duration_ns;
  void nanos;
  const exchanges: CollectedExchange[] = report.exchanges ?? [];
  void exchanges;
  return report.summary;
}

export async function streaming(file: Blob, stream: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<number> {
  const d = new Decoder({ collect: true });
  d.push(new Uint8Array(10));
  const events: Event[] = d.drain(100);
  const text: string = d.drainJson();
  const bytes: Uint8Array = d.drainJsonBytes(10);
  void bytes;
  const shard = new Decoder({ shard: { index: 1, count: 2 } });
  const keyed: KeyedBatch = shard.drainKeyed();
  const firstKey: number | undefined = keyed.keys[0];
  void [keyed.events.length, keyed.position, firstKey];
  shard.free();
  d.finish();
  const finished: boolean = d.finished;
  d.har().log.entries.forEach((e) => e.request.url);
  d.free();
  let n = 0;
  await decodeStream(file, { onEvents: (b) => (n += b.length), onProgress: (read, total) => void [read, total], signal });
  const r = await decodeStream(stream, { chunkSize: 1 << 16, format: 'pcapng' });
  const fromDisk = await decodeFile('/tmp/capture.pcap', { grpc: false, events: { include: ['exchange'] }, signal });
  await decodeFile(new URL('file:///tmp/capture.pcap'), { threads: 2, onEvents: (b) => (n += b.length) });
  // @ts-expect-error threads is a number
  await decodeFile('/tmp/capture.pcap', { threads: 'all' });
  // @ts-expect-error a path, not the bytes as a number array
  await decodeFile([1, 2, 3]);
  n += fromDisk.summary.header_blocks;
  const types: EventType[] = eventTypes();
  return events.length + text.length + Number(finished) + n + r.events.length + types.length;
}

export function hpack(): HeaderBlock {
  const wire = hpackEncode([[':method', 'GET'], { name: 'x-bin', value: { hex: '00ff' }, sensitive: true }], {
    huffman: 'never',
    indexing: 'without',
    tableSize: 256,
    sensitive: ['authorization'],
  });
  const decoder = new HpackDecoder({ tableSize: 256, tableEvents: false });
  decoder.setSettingsTableSize(128);
  const block = hpackDecode(wire, { decoder });
  decoder.table().entries.map((e) => e.index);
  const encoder = new HpackEncoder();
  encoder.setTableSize(0);
  hpackDecode(bytesToHex(encoder.encode(block.fields)));
  hexToBytes('00ff');
  const md = groupMetadata(block.fields, { trueBinary: true });
  diffHeaders(md.grouped.map((g) => ({ name: g.name, value: g.values[0] ?? '' })), []);
  pairExchanges([{ path: '/a', request_headers: block.fields }], [{ path: null }]);
  parseTap('{}').exchanges.map((x) => x.request_headers.map(([name]) => name));
  return block;
}

export function misuse(d: Decoder): void {
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
  // @ts-expect-error not an event type
  decode(new Uint8Array(0), { events: { include: ['frames'] } });
  // @ts-expect-error no such format
  decode(new Uint8Array(0), { format: 'pcapx' });
  // @ts-expect-error push takes bytes
  d.push('text');
  // @ts-expect-error no such policy
  hpackEncode([], { huffman: 'sometimes' });
  // @ts-expect-error a header block event has no `frame`
  void ((decode(new Uint8Array(0)).events[0] as Extract<Event, { event: 'header_block' }>).frame);
  // @ts-expect-error decodeStream wants a Blob or a stream
  void decodeStream(new Uint8Array(0));
}

// Reading an input and running the decoder over it, slice by slice. Used
// in the reader worker (reader.ts), or in the session worker itself when
// a nested worker cannot be started.

import { newDecoder, type DecodeOptions, type StreamDecoder } from '../engine/h2lens';
import type { Source } from '../shared/protocol';

/** Bytes pushed to the decoder at once: small enough to answer messages in between. */
export const SLICE = 1024 * 1024;

/** Events of one slice, as a column batch (columns.ts), and what it cost. */
export interface EventBatch {
  columns: Uint8Array;
  /** Input bytes pushed so far. */
  bytes: number;
  pushMs: number;
  serializeMs: number;
}

export async function* readChunks(source: Source): AsyncGenerator<Uint8Array> {
  if (source.kind === 'bytes') {
    yield source.bytes;
    return;
  }
  const reader = source.blob.stream().getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value && value.length > 0) yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Decodes `source`, yielding each slice's events as a column batch; the
 * last batch follows `finish()`. The decoder stays open (for `har()`)
 * until the caller frees it.
 */
export async function* decodeToColumns(
  source: Source,
  options: DecodeOptions,
  control: { cancelled: boolean },
  onDecoder: (d: StreamDecoder) => void,
): AsyncGenerator<EventBatch> {
  const decoder = newDecoder(options);
  onDecoder(decoder);
  let bytes = 0;
  for await (const chunk of readChunks(source)) {
    for (let off = 0; off < chunk.length && !control.cancelled; off += SLICE) {
      const slice = chunk.subarray(off, Math.min(chunk.length, off + SLICE));
      const t0 = performance.now();
      decoder.push(slice);
      const t1 = performance.now();
      const columns = decoder.drainColumns();
      bytes += slice.length;
      yield { columns, bytes, pushMs: t1 - t0, serializeMs: performance.now() - t1 };
    }
    if (control.cancelled) break;
  }
  const t0 = performance.now();
  decoder.finish();
  const t1 = performance.now();
  const columns = decoder.drainColumns();
  yield { columns, bytes, pushMs: t1 - t0, serializeMs: performance.now() - t1 };
}

/** Lets queued messages (queries, cancel) run between decoding slices. */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

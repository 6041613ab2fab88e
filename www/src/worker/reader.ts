// The reader worker: runs the decoder over one input and streams its events,
// as column batches (columns.ts), to the session worker that keeps them. Decoding
// (here) and keeping (there) then use both cores.
//
// Messages in:  { start: { source, options } } | { ack: true } | { cancel: true } | { har: id }
// Messages out: { started: true } (at once, so the session worker knows this
//               worker runs) | { batch: EventBatch } | { done: { error? } } |
//               { har: id, value?, error? }

/// <reference lib="webworker" />

import { initEngine, type DecodeOptions, type StreamDecoder } from '../engine/h2lens';
import type { Source } from '../shared/protocol';
import { decodeToColumns, yieldToEvents } from './source';

declare const self: DedicatedWorkerGlobalScope;

/** Batches sent but not yet taken in by the session worker. */
const MAX_IN_FLIGHT = 4;

const control = { cancelled: false };
let decoder: StreamDecoder | null = null;
let inFlight = 0;
let wake: (() => void) | null = null;

self.onmessage = (e: MessageEvent) => {
  const m = e.data as {
    start?: { source: Source; options: DecodeOptions };
    ack?: boolean;
    cancel?: boolean;
    har?: number;
  };
  if (m.start) {
    self.postMessage({ started: true });
    void run(m.start.source, m.start.options);
  }
  if (m.ack) {
    inFlight--;
    wake?.();
  }
  if (m.cancel) {
    control.cancelled = true;
    wake?.();
  }
  if (m.har !== undefined) {
    try {
      if (!decoder) throw new Error('no decoder');
      self.postMessage({ har: m.har, value: JSON.stringify(decoder.har()) });
    } catch (err) {
      self.postMessage({ har: m.har, error: err instanceof Error ? err.message : String(err) });
    }
  }
};

async function run(source: Source, options: DecodeOptions): Promise<void> {
  try {
    await initEngine();
    for await (const batch of decodeToColumns(source, options, control, (d) => (decoder = d))) {
      inFlight++;
      // The batch's bytes move to the session worker without a copy.
      self.postMessage({ batch }, [batch.columns.buffer]);
      while (inFlight >= MAX_IN_FLIGHT && !control.cancelled) {
        await new Promise<void>((r) => (wake = r));
        wake = null;
      }
      await yieldToEvents();
    }
    self.postMessage({ done: {} });
  } catch (err) {
    self.postMessage({ done: { error: err instanceof Error ? err.message : String(err) } });
  }
}

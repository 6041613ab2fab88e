// The session worker's side of decoding: a reader worker (reader.ts) when
// this browser can start a worker from a worker, so decoding and keeping
// run on two cores; otherwise the decoder runs here, between messages.
// A reader worker that has not answered within the start timeout (headless
// Firefox once never fetched its script: decoding waited forever) is
// dropped, and the decoder runs here instead.

import type { DecodeOptions, StreamDecoder } from '../engine/h2lens';
import type { Source } from '../shared/protocol';
import { decodeToColumns, yieldToEvents, type EventBatch } from './source';
// The reader worker bundle's URL (Vite builds it from this entry).
import readerUrl from './reader.ts?worker&url';

export interface Reader {
  /** Decoding runs (or ran) in a worker of its own. */
  readonly pipeline: boolean;
  batches(): AsyncGenerator<EventBatch>;
  cancel(): void;
  /** HAR of the collected exchanges (after the last batch). */
  har(): Promise<unknown>;
  close(): void;
}

/** How long a reader worker may take to answer its start message. */
const START_TIMEOUT_MS = 10_000;

export function openReader(
  source: Source,
  options: DecodeOptions,
  { pipeline = true, startTimeoutMs = START_TIMEOUT_MS }: { pipeline?: boolean; startTimeoutMs?: number } = {},
): Reader {
  if (!pipeline) return new LocalReader(source, options);
  try {
    return new RemoteReader(source, options, startTimeoutMs);
  } catch {
    return new LocalReader(source, options);
  }
}

class LocalReader implements Reader {
  readonly pipeline = false;
  private readonly control = { cancelled: false };
  private decoder: StreamDecoder | null = null;
  constructor(
    private readonly source: Source,
    private readonly options: DecodeOptions,
  ) {}

  async *batches(): AsyncGenerator<EventBatch> {
    for await (const batch of decodeToColumns(this.source, this.options, this.control, (d) => (this.decoder = d))) {
      yield batch;
      await yieldToEvents();
    }
  }

  cancel(): void {
    this.control.cancelled = true;
  }

  async har(): Promise<unknown> {
    if (!this.decoder) throw new Error('no decoder');
    return this.decoder.har();
  }

  close(): void {
    this.decoder?.free();
    this.decoder = null;
  }
}

class RemoteReader implements Reader {
  private readonly worker: Worker;
  /** The reader worker has answered (its first message). */
  private started = false;
  /** The start timeout passed before it answered. */
  private stalled = false;
  private readonly startTimer: ReturnType<typeof setTimeout>;
  /** Decoding here, after the reader worker did not start. */
  private fallback: LocalReader | null = null;
  private readonly queue: EventBatch[] = [];
  private finished: { error?: string } | null = null;
  private wake: (() => void) | null = null;
  private nextHar = 1;
  private readonly hars = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly source: Source,
    private readonly options: DecodeOptions,
    startTimeoutMs: number,
  ) {
    this.worker = new Worker(trustedScriptUrl(readerUrl) as URL, { type: 'module', name: 'h2lens-reader' });
    this.startTimer = setTimeout(() => {
      if (this.started) return;
      this.stalled = true;
      this.wake?.();
    }, startTimeoutMs);
    this.worker.onmessage = (e: MessageEvent) => {
      this.started = true;
      clearTimeout(this.startTimer);
      const m = e.data as { batch?: EventBatch; done?: { error?: string }; har?: number; value?: string; error?: string };
      if (m.batch) this.queue.push(m.batch);
      if (m.done) this.finished = m.done;
      if (m.har !== undefined) {
        const p = this.hars.get(m.har);
        this.hars.delete(m.har);
        if (m.error !== undefined) p?.reject(new Error(m.error));
        else p?.resolve(JSON.parse(m.value ?? 'null'));
      }
      this.wake?.();
    };
    this.worker.onerror = (e) => {
      this.finished = { error: `the reader worker failed: ${e.message || 'unknown error'}` };
      this.wake?.();
    };
    this.worker.postMessage({ start: { source, options } });
  }

  get pipeline(): boolean {
    return this.fallback === null;
  }

  async *batches(): AsyncGenerator<EventBatch> {
    for (;;) {
      if (this.stalled && !this.started) {
        // Nothing came from the reader worker, so nothing was decoded
        // there: decode here from the start.
        this.worker.terminate();
        this.fallback = new LocalReader(this.source, this.options);
        yield* this.fallback.batches();
        return;
      }
      const batch = this.queue.shift();
      if (batch) {
        yield batch;
        this.worker.postMessage({ ack: true });
        continue;
      }
      if (this.finished) {
        if (this.finished.error !== undefined) throw new Error(this.finished.error);
        return;
      }
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }

  cancel(): void {
    if (this.fallback) this.fallback.cancel();
    else this.worker.postMessage({ cancel: true });
  }

  har(): Promise<unknown> {
    if (this.fallback) return this.fallback.har();
    const id = this.nextHar++;
    return new Promise((resolve, reject) => {
      this.hars.set(id, { resolve, reject });
      this.worker.postMessage({ har: id });
    });
  }

  close(): void {
    clearTimeout(this.startTimer);
    this.fallback?.close();
    this.worker.terminate();
    this.finished ??= { error: 'decoding was stopped' };
    this.wake?.();
    for (const p of this.hars.values()) p.reject(new Error('the reader worker was closed'));
    this.hars.clear();
  }
}

interface PolicyFactory {
  createPolicy(name: string, rules: { createScriptURL: (url: string) => string }): { createScriptURL(u: string): unknown };
}
let policy: { createScriptURL(u: string): unknown } | null | undefined;

/** A same-origin script URL, as Trusted Types (see the CSP) require. */
function trustedScriptUrl(url: string): unknown {
  const href = new URL(url, self.location.href).href;
  if (policy === undefined) {
    const tt = (globalThis as { trustedTypes?: PolicyFactory }).trustedTypes;
    policy = tt
      ? tt.createPolicy('h2lens-worker', {
          createScriptURL: (u) => {
            if (new URL(u).origin !== self.location.origin) throw new Error(`refusing a script from another origin: ${u}`);
            return u;
          },
        })
      : null;
  }
  return policy ? policy.createScriptURL(href) : href;
}

// The page's side of the decoding worker: requests with replies, and the
// stream of rows and progress notices.

import type { Notice, Reply, Request } from './shared/protocol';
// The worker bundle's URL (Vite builds the worker from this entry).
import decoderUrl from './worker/decoder.ts?worker&url';

export class WorkerClient {
  private readonly worker: Worker;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  onNotice: (n: Notice) => void = () => {};

  constructor() {
    // Trusted Types (see the Content-Security-Policy) guard script URLs too:
    // the one policy admits only same-origin scripts, i.e. this worker.
    const url = new URL(decoderUrl, import.meta.url);
    this.worker = new Worker(scriptUrl(url) as URL, { type: 'module', name: 'h2lens-decoder' });
    this.worker.onmessage = (e: MessageEvent<Reply | Notice>) => {
      const msg = e.data;
      if ('id' in msg) {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.value);
        else p.reject(new Error(msg.error));
      } else {
        this.onNotice(msg);
      }
    };
    this.worker.onerror = (e) => {
      const err = new Error(`the decoding worker failed: ${e.message || 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  call<T>(request: Request, transfer: Transferable[] = []): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, request }, transfer);
    });
  }
}

interface TrustedTypePolicyFactoryLike {
  createPolicy(name: string, rules: { createScriptURL: (url: string) => string }): {
    createScriptURL(url: string): unknown;
  };
}

let policy: { createScriptURL(url: string): unknown } | null | undefined;

function scriptUrl(url: URL): unknown {
  if (policy === undefined) {
    const tt = (globalThis as { trustedTypes?: TrustedTypePolicyFactoryLike }).trustedTypes;
    policy = tt
      ? tt.createPolicy('h2lens-worker', {
          createScriptURL: (u) => {
            if (new URL(u, location.href).origin !== location.origin) {
              throw new Error(`refusing a script from another origin: ${u}`);
            }
            return u;
          },
        })
      : null;
  }
  return policy ? policy.createScriptURL(url.href) : url;
}

// What independent sources say is in tests/fixtures/corpus/grpc_python.pcap,
// for the browser tests (Chromium and Firefox alike).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures } from './paths.mjs';

// The run's calls in stream order (README: streams 1–21; client log: statuses).
export const CALLS = [
  [1, 'GetPayment', 'OK'],
  [3, 'GetPayment', 'OK'],
  [5, 'GetPayment', 'OK'],
  [7, 'ListPayments', 'OK'],
  [9, 'GetPayment', 'PERMISSION_DENIED'],
  [11, 'ListPayments', 'INTERNAL'],
  [13, 'GetPayment', 'OK'],
  [15, 'GetPayment', 'OK'],
  [17, 'ListPayments', 'CANCELLED'],
  [19, 'GetPayment', 'DEADLINE_EXCEEDED'],
  [21, 'GetPayment', 'OK'],
];

/**
 * The status of each call as the gRPC client application saw it, in call
 * (= stream) order, read from its own log of the run
 * (tests/fixtures/grpc/grpc_python_client.log). The cancelled call has no
 * status line: the client cancelled it (RST_STREAM CANCEL), which gRPC
 * over HTTP/2 maps to CANCELLED.
 */
export function clientLogStatuses() {
  const statuses = [];
  for (const line of readFileSync(join(fixtures, 'grpc', 'grpc_python_client.log'), 'utf8').split('\n')) {
    if (!line || line.startsWith('  ')) continue;
    if (line.startsWith('cancel:')) statuses.push('CANCELLED');
    else statuses.push(line.split(' ')[1] === 'OK' ? 'OK' : line.match(/StatusCode\.(\w+)/)[1]);
  }
  return statuses;
}

/** The call list's rows (support/inspector.mjs `rows`) are exactly CALLS. */
export function assertCallRows(list) {
  assert.equal(list.length, CALLS.length, JSON.stringify(list));
  list.forEach((r, i) => {
    const [stream, method, status] = CALLS[i];
    assert.equal(r.where, `0/${stream}`);
    assert.equal(r.path, `/payments.v1.Payments/${method}`);
    assert.match(r.grpc, new RegExp(`^${status} \\(\\d+\\)$`), `stream ${stream}: ${r.grpc}`);
    assert.equal(r.method, 'POST');
  });
}

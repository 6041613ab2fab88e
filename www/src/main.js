// Placeholder: proves the npm package loads in a browser. Replaced by the
// inspector.
import init, { version } from 'h2lens';

const status = document.querySelector('#status');
try {
  const start = performance.now();
  await init();
  const initMs = performance.now() - start;
  status.textContent = `h2lens ${version()} ready (${initMs.toFixed(1)} ms)`;
  globalThis.h2lensInfo = { version: version(), initMs };
  document.body.dataset.h2lens = 'ready';
} catch (err) {
  status.textContent = `failed: ${err}`;
  document.body.dataset.h2lens = 'error';
  throw err;
}

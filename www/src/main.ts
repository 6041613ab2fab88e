// Entry point of the inspector page.
import './style.css';
import { App } from './app';

const root = document.getElementById('app');
if (!root) throw new Error('no #app element');
const app = new App(root);
// Read-only hooks for tests and for measuring: timings of the last decode.
Object.defineProperty(globalThis, 'h2lensInspector', {
  value: Object.freeze({ timings: app.timings }),
});

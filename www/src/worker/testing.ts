// Entry point for Node tests of the worker's stores (tests/browser/store.test.mjs).
export { BlockStore } from './blocks';
export { FrameStore } from './frames';
export { Strings } from './strings';
export { ColumnIngest, readColumns, BLOCK_WIDTH, FRAME_WIDTH, EXCHANGE_WIDTH } from './columns';

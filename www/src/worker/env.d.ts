// Vite's `?worker&url` imports (the worker tsconfig leaves out vite/client,
// whose DOM types clash with the WebWorker library).
declare module '*?worker&url' {
  const url: string;
  export default url;
}

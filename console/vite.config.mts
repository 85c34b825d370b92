// The responder console: `npm run build:console` → console/dist (served by
// Firebase Hosting), `npm run dev:console` for a dev server. Run from the
// repository root (npm scripts do).
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'console',
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: {
    // Firestore's Pipeline regex engine, unused here (see src/stubs/re2js.ts): saves ~146 kB.
    alias: [{ find: /^re2js$/, replacement: '/src/stubs/re2js.ts' }],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
    // The Firebase SDK (Auth + Firestore with live queries) is most of the bundle.
    chunkSizeWarningLimit: 700,
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: false },
});

import { defineConfig } from 'vite';

// The C server serves web/dist as static files under a strict CSP
// (default-src 'self'): no inline scripts or styles, no data: URIs.
export default defineConfig({
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    // Never inline assets as data: URIs; CSP would block them.
    assetsInlineLimit: 0,
    // Modern browsers support modulepreload; skip the polyfill.
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 100,
  },
});

import { defineConfig } from 'vite';

/**
 * The console is a static build (`frontend/dist`): the local stack serves it at `/`, CDK deploys it to
 * S3 + CloudFront. Nothing environment-specific is built in: the console reads `/config.json` at start.
 */
export default defineConfig({
  // Vite 8 compiles TSX with oxc; React's automatic runtime needs no plugin for a production build.
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  resolve: {
    // The preview reads a file's head with the pipeline's own code, which parses with csv-parse: in the
    // browser, through csv-parse's own browser build (the Node one needs Buffer).
    alias: { 'csv-parse/sync': 'csv-parse/browser/esm/sync' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      onwarn(warning, warn) {
        // React Server Components markers ("use client") mean nothing in a browser-only bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        // libphonenumber is Closure-compiled: its debug module loader holds eval calls it never makes here
        // (the console's CSP allows no eval, and the preview's phone numbers are read without one).
        if (warning.code === 'EVAL' && warning.id?.includes('google-libphonenumber')) return;
        warn(warning);
      },
    },
  },
});

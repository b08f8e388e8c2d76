import { defineConfig } from 'vite';

/**
 * The console is a static build (`frontend/dist`): the local stack serves it at `/`, CDK deploys it to
 * S3 + CloudFront. Nothing environment-specific is built in: the console reads `/config.json` at start.
 */
export default defineConfig({
  // Vite 8 compiles TSX with oxc; React's automatic runtime needs no plugin for a production build.
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      onwarn(warning, warn) {
        // React Server Components markers ("use client") mean nothing in a browser-only bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});

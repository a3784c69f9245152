import { defineConfig } from 'vitest/config';

// Plain esbuild JSX settings instead of a framework plugin: Preact needs nothing more.
export default defineConfig({
  base: './',
  clearScreen: false,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  server: { port: 1420, strictPort: true },
  build: { outDir: 'dist', emptyOutDir: true },
  test: {
    environment: 'jsdom',
    setupFiles: ['src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
  },
});

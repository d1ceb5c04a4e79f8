import { defineConfig } from 'vitest/config'

export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
    // The worker bundles tfjs; rolldown's note that its transform is slow is noise on every start.
    rolldownOptions: {
      checks: { pluginTimings: false },
      // node-seal's Emscripten glue imports node's "module" only when it runs in Node; the browser never takes that path.
      onLog(level, log, handler) {
        if (log.message.includes('"module" has been externalized') && log.message.includes('node-seal'))
          return
        handler(level, log)
      },
    },
  },
  worker: { format: 'es' },
  // node-seal finds its .wasm itself (`SEAL({ locateFile: undefined })`); pre-bundling would hide it.
  optimizeDeps: { exclude: ['node-seal'] },
  test: {
    // tfjs' "install tfjs-node" banner stays out of test output (tests/helpers/quiet-tfjs.ts).
    setupFiles: ['tests/helpers/quiet-tfjs.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'tests/shared/**/*.test.ts',
            'tests/coordinator/**/*.test.ts',
            'tests/client/**/*.test.ts',
            'tests/cli/**/*.test.ts',
          ],
          environment: 'node',
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          // Attacks over real sockets (fuzzing, floods): one file at a time, so a flood measures the coordinator,
          // not the neighbouring test file.
          name: 'security',
          include: ['tests/security/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})

import { defineConfig } from 'vitest/config';

// Two projects so `npm run test:unit` stays fast and needs nothing but Node,
// while `test:integration` starts the real local pieces (DynamoDB Local, Kamailio).
export default defineConfig({
  test: {
    env: {
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          // `*.integration.test.ts` elsewhere (the integration kits' contract tests) run the real local pieces too.
          exclude: ['test/integration/**', 'test/**/*.integration.test.ts'],
          testTimeout: 60_000,
          // App and stack tests synthesize in beforeAll, which bundles every function with esbuild.
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/**/*.integration.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // The integration suites share one machine's ports and JVMs; run files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});

import {defineConfig} from 'vitest/config'

// The fault campaign (issue 8): long, so outside `npm test`; run it with `npm run test:faults`.
// No setup-env here: the campaign reads its own LOGPIPE_FAULT_* knobs, and every
// process it starts gets an environment without LOGPIPE_* (test/helpers/cli.ts inheritedEnv).
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 3 * 3600_000,
    hookTimeout: 60_000,
    pool: 'forks',
    poolOptions: {forks: {singleFork: true}},
    // Per-round lines as they happen, not at the end.
    disableConsoleIntercept: true,
  },
})

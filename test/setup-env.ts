/**
 * Tests never depend on the caller's environment: a LOGPIPE_DATA_DIR (or
 * any other LOGPIPE_* setting) exported in the shell that runs `npm test`
 * would reach the code under test and every process it starts. Only the
 * test suite's own knob, LOGPIPE_TEST_SEED, is kept.
 */
for (const key of Object.keys(process.env)) {
  if (key.startsWith('LOGPIPE_') && key !== 'LOGPIPE_TEST_SEED') delete process.env[key]
}
delete process.env.XDG_DATA_HOME

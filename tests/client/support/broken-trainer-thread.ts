/** A trainer thread that cannot start (as one whose tfjs fails to load): for tests/client/trainer-pool.test.ts. */
export {}

throw new Error('tfjs failed to load')

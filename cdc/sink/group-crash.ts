/**
 * What to do when kafkajs's group consumer crashes.
 *
 * kafkajs restarts a crashed consumer only when it deems the error retriable, and a broker outage
 * does not always look like that: with every broker down, looking up the group coordinator fails
 * with KafkaJSGroupCoordinatorNotFound, which kafkajs wraps as non-retriable and then stops the
 * consumer for good (seen in CI: the broker stopped with SIGTERM mid-stream). In ficus the group
 * only hands out partitions (each partition's position is stored with its rows), so joining it
 * again is always safe: the worker starts the consumer again with backoff, and stops only on the
 * errors that no amount of waiting fixes.
 */

// Kafka protocol error types that a retry cannot fix: access denied or a request the broker
// will never accept. Anything else (coordinator moving, broker restarting, timeouts) passes.
const UNFIXABLE_TYPES = new Set([
  'GROUP_AUTHORIZATION_FAILED',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'INVALID_GROUP_ID',
  'INCONSISTENT_GROUP_PROTOCOL',
  'INVALID_SESSION_TIMEOUT',
  'UNSUPPORTED_VERSION',
]);

/** True when the crash (or any error it wraps) is one of the unfixable Kafka errors above. */
export function groupCrashIsUnfixable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 10; depth++) {
    const { type, cause } = e as { type?: unknown; cause?: unknown };
    if (typeof type === 'string' && UNFIXABLE_TYPES.has(type)) return true;
    e = cause;
  }
  return false;
}

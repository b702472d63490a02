/**
 * The Kafka protocol's error codes the fetcher meets, and which of them mean "ask the cluster
 * where the partition lives now and try again" (KIP-based names as in the protocol guide).
 */
import { FicusError } from '../../lib/errors.ts';

export const OFFSET_OUT_OF_RANGE = 1;

const NAMES: Record<number, string> = {
  [-1]: 'UNKNOWN_SERVER_ERROR',
  1: 'OFFSET_OUT_OF_RANGE',
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  5: 'LEADER_NOT_AVAILABLE',
  6: 'NOT_LEADER_OR_FOLLOWER',
  7: 'REQUEST_TIMED_OUT',
  9: 'REPLICA_NOT_AVAILABLE',
  29: 'TOPIC_AUTHORIZATION_FAILED',
  56: 'KAFKA_STORAGE_ERROR',
  74: 'FENCED_LEADER_EPOCH',
  75: 'UNKNOWN_LEADER_EPOCH',
  78: 'OFFSET_NOT_AVAILABLE',
  100: 'UNKNOWN_TOPIC_ID',
};

/** Codes after which the partition's leader is looked up again and the fetch repeated. */
const LEADERSHIP = new Set([-1, 3, 5, 6, 7, 9, 56, 74, 75, 78, 100]);

export const isLeadershipError = (code: number) => LEADERSHIP.has(code);

export function describeErrorCode(code: number): string {
  return NAMES[code] ?? `Kafka error ${code}`;
}

/** A broker refused a request with an error code; retriable where the code says so. */
export class KafkaProtocolError extends FicusError {
  readonly errorCode: number;
  constructor(errorCode: number, doing: string) {
    super(
      'kafka_protocol',
      `${doing}: ${describeErrorCode(errorCode)} (Kafka error ${errorCode})`,
      {
        retriable: isLeadershipError(errorCode),
        details: { errorCode },
      },
    );
    this.errorCode = errorCode;
  }
}

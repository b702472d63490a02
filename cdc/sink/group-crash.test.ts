import {
  KafkaJSConnectionError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
} from 'kafkajs';
import { groupCrashIsUnfixable } from './group-crash.ts';

/** A protocol error as kafkajs builds it from a broker's error code. */
const protocolError = (type: string) =>
  Object.assign(new KafkaJSProtocolError('refused'), { type });

/** As kafkajs's retrier wraps an error it will not retry (its `cause` is not in the typings). */
const wrapped = (cause: Error) => Object.assign(new KafkaJSNonRetriableError(cause), { cause });

describe('groupCrashIsUnfixable', () => {
  test('a coordinator that cannot be found (every broker down) is worth joining again', () => {
    // what kafkajs's retrier throws when it bails out of the coordinator lookup
    // (kafkajs's typings leave out the message its own code passes)
    const NotFound = KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error;
    const notFound = new NotFound('Failed to find group coordinator');
    const crash = wrapped(notFound);
    expect(crash.retriable).toBe(false); // kafkajs itself would not restart the consumer
    expect(groupCrashIsUnfixable(crash)).toBe(false);
  });

  test('connection errors and coordinator moves are worth joining again', () => {
    expect(groupCrashIsUnfixable(new KafkaJSConnectionError('Connection refused'))).toBe(false);
    expect(groupCrashIsUnfixable(protocolError('NOT_COORDINATOR'))).toBe(false);
    expect(groupCrashIsUnfixable(new Error('something else'))).toBe(false);
    expect(groupCrashIsUnfixable(undefined)).toBe(false);
  });

  test('access denied stops the worker, also when wrapped', () => {
    expect(groupCrashIsUnfixable(protocolError('GROUP_AUTHORIZATION_FAILED'))).toBe(true);
    expect(groupCrashIsUnfixable(wrapped(protocolError('TOPIC_AUTHORIZATION_FAILED')))).toBe(true);
  });
});

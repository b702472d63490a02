/**
 * The dead-letter topic of a service, `ficus.dlq.<service>`: poison events go there unchanged
 * (same key and value bytes), with headers saying why and where they came from, so a person can
 * inspect, fix and replay them. The worker goes on.
 */
import type { Admin, PartitionMetadata, Producer } from 'kafkajs';
import { waitFor } from '../../lib/wait.ts';
import type { DeadLetter } from './apply-batch.ts';

export const deadLetterTopic = (service: string) => `ficus.dlq.${service}`;

export const DEAD_LETTER_HEADERS = {
  reason: 'ficus-reason',
  sourceTopic: 'ficus-source-topic',
  sourcePartition: 'ficus-source-partition',
  sourceOffset: 'ficus-source-offset',
} as const;

/**
 * Creates the topic when missing (without `numPartitions` the broker's default applies, as for
 * Debezium's own topics), and returns once a leader serves every partition of it.
 */
export async function ensureTopic(
  admin: Admin,
  topic: string,
  numPartitions?: number,
): Promise<void> {
  const existing = await admin.listTopics();
  if (!existing.includes(topic))
    await admin
      .createTopics({
        topics: [{ topic, ...(numPartitions ? { numPartitions } : {}) }],
        waitForLeaders: true,
      })
      // kafkajs's own wait for leaders gives up on "does not host this topic-partition": the
      // topic exists then, and the wait below is the one that retries
      .catch((error: { type?: string }) => {
        if (error.type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
      });
  // The connector may create the topic at the same moment: createTopics then ends on "already
  // exists" without waiting for leaders, and a metadata request for a partition the broker does
  // not host yet fails in kafkajs without a retry (in CI the group's subscribe failed on it and
  // the worker exited; ensure-topic.e2e.test.ts makes that race).
  await waitFor(
    `topic ${topic} to be served by a leader`,
    async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      return topics.some((t) => t.partitions.length > 0 && t.partitions.every(isServed));
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}

const isServed = (p: PartitionMetadata) => p.partitionErrorCode === 0 && p.leader >= 0;

export function createDeadLetterSender(producer: Producer, topic: string) {
  return async (letters: DeadLetter[]): Promise<void> => {
    await producer.send({
      topic,
      acks: -1,
      messages: letters.map((l) => ({
        key: l.key,
        value: l.value,
        headers: {
          [DEAD_LETTER_HEADERS.reason]: l.reason,
          [DEAD_LETTER_HEADERS.sourceTopic]: l.position.topic,
          [DEAD_LETTER_HEADERS.sourcePartition]: String(l.position.partition),
          [DEAD_LETTER_HEADERS.sourceOffset]: l.position.offset,
        },
      })),
    });
  };
}

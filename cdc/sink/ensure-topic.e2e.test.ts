/**
 * ensureTopic against the stack's real broker: the sink worker subscribes right after it, so it
 * must not return before a leader serves every partition, whether the topic was missing or had
 * just been created by someone else (Debezium's connector) without waiting for leaders.
 */
import { randomBytes } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { stackUrls } from '../../test-support/stack-access.ts';
import { ensureTopic } from './dead-letter.ts';
import { createKafkaClient } from '../kafka/kafka-clients.ts';

const kafka = createKafkaClient({
  brokers: [stackUrls().kafkaBootstrap],
  clientId: 'ensure-topic-test',
});
let admin: Admin;
const topics: string[] = [];
const newName = () => {
  const topic = `ensure-topic-test-${randomBytes(4).toString('hex')}`;
  topics.push(topic);
  return topic;
};

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  if (topics.length) await admin?.deleteTopics({ topics });
  await admin?.disconnect();
});

/** What a consumer's metadata request would see right now, asked of a fresh client. */
async function leadersSeenByANewClient(topic: string): Promise<number[]> {
  const other = kafka.admin();
  await other.connect();
  try {
    const {
      topics: [metadata],
    } = await other.fetchTopicMetadata({ topics: [topic] });
    return metadata.partitions.map((p) => p.leader);
  } finally {
    await other.disconnect();
  }
}

it('creates a missing topic and returns once every partition has a leader', async () => {
  const topic = newName();
  await ensureTopic(admin, topic, 3);
  const leaders = await leadersSeenByANewClient(topic);
  expect(leaders).toHaveLength(3);
  expect(leaders.every((leader) => leader >= 0)).toBe(true);
});

it('returns only once served while the connector creates the same topic at that moment, and the group can subscribe', async () => {
  // As in CI: Debezium's connector and the sink worker create the topic at once, and the worker's
  // createTopics ends on "already exists" without waiting for leaders. Several times over, since
  // the broker hosts a new topic within milliseconds when it is not busy.
  const names = Array.from({ length: 10 }, newName);
  await Promise.all(
    names.map((topic) =>
      Promise.all([
        admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: false }),
        ensureTopic(admin, topic),
      ]),
    ),
  );
  const consumer = kafka.consumer({ groupId: `${names[0]}-group` });
  await consumer.connect();
  try {
    for (const topic of names) {
      expect((await leadersSeenByANewClient(topic)).every((leader) => leader >= 0)).toBe(true);
      await expect(consumer.subscribe({ topics: [topic] })).resolves.toBeUndefined();
    }
  } finally {
    await consumer.disconnect();
  }
});

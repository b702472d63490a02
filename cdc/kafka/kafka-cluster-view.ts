/**
 * What the partition fetcher needs to know about the cluster, asked through a kafkajs admin
 * client: which broker leads each partition, and where a partition's log starts now.
 */
import type { Admin } from 'kafkajs';
import type { ClusterView, Leader } from './partition-fetcher.ts';
import { keyOf } from './partition-fetcher.ts';

export function kafkaClusterView(admin: Admin): ClusterView {
  return {
    async leaders(topics) {
      const [{ topics: metadata }, { brokers }] = await Promise.all([
        admin.fetchTopicMetadata({ topics }),
        admin.describeCluster(),
      ]);
      const byId = new Map(brokers.map((b) => [b.nodeId, b]));
      const leaders = new Map<string, Leader>();
      for (const topic of metadata)
        for (const p of topic.partitions) {
          const broker = byId.get(p.leader);
          if (broker)
            leaders.set(keyOf({ topic: topic.name, partition: p.partitionId }), {
              nodeId: broker.nodeId,
              host: broker.host,
              port: broker.port,
            });
        }
      return leaders;
    },
    async earliestOffset(topic, partition) {
      const offsets = await admin.fetchTopicOffsets(topic);
      const found = offsets.find((o) => o.partition === partition);
      return BigInt(found?.low ?? '0');
    },
  };
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { keyPartitioner, partitionOfKey } from './partitioner.js';

describe('keyPartitioner', () => {
  it("chooses the partition kafkajs' DefaultPartitioner (Java-compatible murmur2) chooses", () => {
    const theirs = kafkajs.Partitioners.DefaultPartitioner();
    const ours = keyPartitioner();
    const keys = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'nœud-é|tcp|::1|1|::2|2', 'ключ', '🙂🙂'];
    for (let i = 0; i < 2000; i++)
      keys.push(`node-${i % 7}|tcp|10.0.${i >> 8}.${i & 255}|${40000 + i}|10.1.0.1|443`);
    for (const key of keys) {
      for (const partitions of [1, 3, 12, 100]) {
        const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
          partitionId,
          leader: 0,
          partitionErrorCode: 0,
          replicas: [0],
          isr: [0],
        }));
        const args = { topic: 't', partitionMetadata, message: { key, value: null } };
        assert.equal(ours(args), theirs(args), `${key} / ${partitions}`);
        assert.equal(partitionOfKey(Buffer.from(key), partitions), theirs(args));
      }
    }
  });

  it('keeps an explicit partition', () => {
    const partitionMetadata = [{ partitionId: 0, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }];
    assert.equal(
      keyPartitioner()({ topic: 't', partitionMetadata, message: { key: 'k', value: null, partition: 7 } }),
      7,
    );
  });
});

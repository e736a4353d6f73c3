/**
 * The benchmark's member clusters, in a process of their own (as members are, beside a gateway):
 * one acknowledging member per cluster, each consuming its real BullMQ dispatch queue and answering
 * on the real report stream. Started by bench/gateway.ts with `fork`. Every placement received is
 * sent to the parent in batches: `{ type: 'placements', list: [name, sentAt, receivedAt][] }`.
 * Messages from the parent: `start`, `cpu` (answered with this process's CPU time so far), `stop`.
 */
import { Redis } from 'ioredis';
import type { NodeInventory } from '../shared/messages/index.js';
import { AcknowledgingMember } from '../test/support/acknowledging-member.js';

export interface MembersStart {
  type: 'start';
  redisUrl: string;
  clusters: number;
  nodesPerCluster: number;
}

export type MembersMessage =
  | { type: 'started' }
  | { type: 'placements'; list: Array<[name: string, sentAt: number, receivedAt: number]> }
  | { type: 'cpu'; ms: number };

/** A member's nodes: 64 cores, 256 GiB, a little system load each. */
export function nodeInventory(count: number): NodeInventory[] {
  const size = { cpu: '64', memory: '256Gi', pods: 250 };
  return Array.from({ length: count }, (_, i) => ({
    name: `node-${i}`, allocatable: size, capacity: size, labels: { 'kubernetes.io/hostname': `node-${i}` },
    taints: [], unschedulable: false, requested: { cpu: '500m', memory: '1Gi' }, podCount: 3, ready: true,
  }));
}

const send = (m: MembersMessage): void => { process.send?.(m); };

async function main(): Promise<void> {
  const members: AcknowledgingMember[] = [];
  const connections: Redis[] = [];
  let outbox: Array<[string, number, number]> = [];
  const flush = setInterval(() => {
    if (outbox.length === 0) return;
    send({ type: 'placements', list: outbox });
    outbox = [];
  }, 5);
  process.on('message', (m: MembersStart | { type: 'cpu' | 'stop' }) => {
    if (m.type === 'start') {
      void (async () => {
        for (let i = 0; i < m.clusters; i++) {
          const connection = new Redis(m.redisUrl, { maxRetriesPerRequest: null });
          connections.push(connection);
          members.push(new AcknowledgingMember({
            cluster: `bench-${i}`, connection, nodes: nodeInventory(m.nodesPerCluster), runJobs: false, keepMessages: false,
            heartbeatMs: 2000, concurrency: 64,
            onPlacement: (p, receivedAt) => { outbox.push([p.name, Number(p.sentAt ?? receivedAt), receivedAt]); },
          }));
        }
        await Promise.all(members.map((x) => x.start()));
        send({ type: 'started' });
      })();
    }
    if (m.type === 'cpu') {
      const c = process.cpuUsage();
      send({ type: 'cpu', ms: (c.user + c.system) / 1000 });
    }
    if (m.type === 'stop') {
      void (async () => {
        clearInterval(flush);
        await Promise.allSettled(members.map((x) => x.stop()));
        for (const c of connections) c.disconnect();
        process.exit(0);
      })();
    }
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`members process failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});

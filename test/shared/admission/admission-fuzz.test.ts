/**
 * Seeded fuzzing of admission: thousands of deterministic mutations of the Volcano fixtures (wrong
 * types, missing fields, huge numbers, deep nesting, prototype-pollution keys, non-JSON values).
 * Admission must never throw, must answer with an accepted object or a well-formed 400/422 Status,
 * and must never pollute Object.prototype.
 */
import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { admitJob } from '../../../shared/admission/admit-job.js';
import { admitQueue } from '../../../shared/admission/admit-queue.js';
import type { Job } from '../../../shared/api/job.js';
import type { Status } from '../../../shared/errors/status.js';
import { parseManifests } from '../../../shared/manifest/parse.js';
import { seededRandom as prng } from '../../support/seeded-random.js';


class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

function nested(depth: number, asArray: boolean): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { x: v };
  return v;
}

const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

function garbage(rng: Rng): unknown {
  switch (rng.int(26)) {
    case 0: return null;
    case 1: return true;
    case 2: return 0;
    case 3: return -1;
    case 4: return 1e308;
    case 5: return -(2 ** 53) - 2;
    case 6: return 2 ** 31;
    case 7: return 1.5;
    case 8: return Number.NaN;
    case 9: return Number.POSITIVE_INFINITY;
    case 10: return '';
    case 11: return rng.pick(['x', '-1', '1e999', '99999999999999999999Ei', 'Ki', '\u0000', '*', 'default', 'root', '-', 'A_B']);
    case 12: return 'z'.repeat(rng.int(5000));
    case 13: return [];
    case 14: return [null, 1, 'a', {}];
    case 15: return {};
    case 16: {
      const o: Record<string, unknown> = {};
      Object.defineProperty(o, '__proto__', { value: { polluted: true }, enumerable: true, writable: true, configurable: true });
      return o;
    }
    case 17: return nested(10 + rng.int(2000), rng.chance(0.5));
    case 18: {
      const o = Object.create(null) as Record<string, unknown>;
      o['name'] = 'x';
      return o;
    }
    case 19: return { constructor: { prototype: { polluted: true } } };
    case 20: return rng.pick([Symbol('s'), () => 1, 10n, new Date(0), new Map()]);
    case 21: return { name: 'default0', replicas: 1 };
    case 22: return Array.from({ length: rng.int(300) }, (_, i) => ({ event: 'PodFailed', action: 'RestartJob', exitCode: i }));
    case 23: return rng.pick(['PodEvicted', 'RestartJob', 'CompleteJob', 'TaskCompleted', 'Never', 'Exists', 'In']);
    case 24: return { cpu: rng.pick(['1', '-1', 'x', 1e20, '0.0000000001']), 'nvidia.com/gpu': rng.pick([1, '0.5', 'x']) };
    default: return rng.int(10);
  }
}

type Container = Record<string | number, unknown>;

/** All containers (objects and arrays) inside `root`, found iteratively. */
function containers(root: unknown): Container[] {
  const out: Container[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0 && out.length < 5000) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (out.includes(v as Container)) continue;
    out.push(v as Container);
    for (const k of Object.keys(v)) stack.push(Object.getOwnPropertyDescriptor(v, k)?.value);
  }
  return out;
}

function mutate(doc: unknown, rng: Rng): unknown {
  if (rng.chance(0.02)) return garbage(rng); // the whole document
  const targets = containers(doc);
  if (targets.length === 0) return garbage(rng);
  const target = rng.pick(targets);
  const keys = Object.keys(target);
  const op = rng.int(6);
  const set = (key: string | number, value: unknown): void => {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  };
  if (op === 0 && keys.length > 0) {
    const k = rng.pick(keys);
    if (Array.isArray(target)) target.splice(Number(k), 1);
    else delete target[k];
  } else if (op === 1) {
    set(rng.pick(POLLUTING_KEYS), rng.chance(0.5) ? { polluted: true } : garbage(rng));
  } else if (op === 2 && keys.length > 0) {
    const k = rng.pick(keys);
    set(k, [target[k]]); // wrap a value in an array
  } else if (op === 3 && Array.isArray(target) && target.length > 0) {
    target.push(structuredClone(target[rng.int(target.length)])); // duplicate an entry
  } else if (keys.length > 0) {
    set(rng.pick(keys), garbage(rng));
  } else {
    set('added', garbage(rng));
  }
  return doc;
}

const FIXTURES = new URL('../../fixtures/volcano/', import.meta.url);
const docs: unknown[] = [
  ...readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).map((f) => `${f}`),
  ...readdirSync(new URL('full/', FIXTURES)).filter((f) => f.endsWith('.yaml')).map((f) => `full/${f}`),
].sort().flatMap((f) => parseManifests(readFileSync(new URL(f, FIXTURES), 'utf8')));
const jobs = docs.filter((d) => (d as { kind?: string }).kind === 'Job');
const queues = docs.filter((d) => (d as { kind?: string }).kind === 'Queue');

const CAUSE_REASONS = new Set([
  'FieldValueRequired', 'FieldValueInvalid', 'FieldValueTypeInvalid', 'FieldValueDuplicate',
  'FieldValueNotSupported', 'FieldValueForbidden', 'FieldValueTooLong', 'FieldValueNotFound', undefined,
]);

/** Why a refusal is malformed, or undefined when it is a proper 400/422 Status. */
function statusProblem(s: Status): string | undefined {
  if (s.kind !== 'Status' || s.apiVersion !== 'v1' || s.status !== 'Failure') return 'not a Status';
  if (s.reason === 'BadRequest') return s.code === 400 ? undefined : 'BadRequest without 400';
  if (s.reason !== 'Invalid') return `unexpected reason ${s.reason}: ${s.message}`;
  if (s.code !== 422) return 'Invalid without 422';
  const causes = s.details?.causes ?? [];
  if (causes.length === 0) return 'Invalid without causes';
  for (const c of causes) {
    if (typeof c.message !== 'string' || !CAUSE_REASONS.has(c.reason)) return `bad cause ${JSON.stringify(c)}`;
    if (c.reason !== undefined && typeof c.field !== 'string') return `cause without field ${JSON.stringify(c)}`;
  }
  if (s.message.length > 200_000) return 'message too long';
  JSON.stringify(s); // must serialise
  return undefined;
}

const SEEDS = [1, 7, 42, 1234, 99991];
const PER_SEED = 700;

t.test(`admission never throws on ${SEEDS.length * PER_SEED} seeded mutations of the fixtures`, async (t) => {
  const failures: string[] = [];
  const tally = { accepted: 0, invalid: 0, badRequest: 0, viaJson: 0 };
  const admittedJobs = jobs.map((j) => {
    const r = admitJob(j, { operation: 'CREATE' });
    if (!r.ok) throw new Error(r.status.message);
    return r.job;
  });

  for (const seed of SEEDS) {
    const rng = new Rng(seed);
    for (let i = 0; i < PER_SEED; i++) {
      const isJob = rng.chance(0.75);
      const base = isJob ? rng.int(jobs.length) : rng.int(queues.length);
      let doc: unknown = structuredClone(isJob ? jobs[base] : queues[base]);
      const rounds = 1 + rng.int(4);
      for (let k = 0; k < rounds; k++) doc = mutate(doc, rng);
      const update = isJob && rng.chance(0.3);
      const where = `seed ${seed} #${i}`;

      // Sometimes take the wire path: serialise and parse back, as the API would.
      if (rng.chance(0.2)) {
        let text: string | undefined;
        try {
          text = JSON.stringify(doc);
        } catch {
          text = undefined;
        }
        if (text !== undefined) {
          try {
            doc = parseManifests(text, { contentType: 'application/json' })[0];
            tally.viaJson++;
          } catch (err) {
            const s = (err as { status?: Status }).status;
            if (!s || s.reason !== 'BadRequest') failures.push(`${where}: parse threw ${String(err)}`);
            continue;
          }
        }
      }

      let result: ReturnType<typeof admitJob> | ReturnType<typeof admitQueue>;
      try {
        result = isJob
          ? admitJob(doc, update ? { operation: 'UPDATE', old: admittedJobs[base] as Job } : { operation: 'CREATE', queueExists: () => true })
          : admitQueue(doc, { operation: 'CREATE', listQueues: () => [] });
      } catch (err) {
        failures.push(`${where}: threw ${err instanceof Error ? err.stack : String(err)}`);
        continue;
      }
      if (result.ok) {
        tally.accepted++;
        const again = isJob
          ? admitJob('job' in result ? result.job : undefined, { operation: 'CREATE', queueExists: () => true })
          : admitQueue('queue' in result ? result.queue : undefined, { operation: 'CREATE', listQueues: () => [] });
        if (!again.ok) failures.push(`${where}: accepted object not accepted again: ${again.status.message}`);
      } else {
        const problem = statusProblem(result.status);
        if (problem) failures.push(`${where}: ${problem}`);
        else if (result.status.reason === 'Invalid') tally.invalid++;
        else tally.badRequest++;
      }
    }
  }
  t.same(failures.slice(0, 5), [], `no failures (${failures.length} in total)`);
  t.equal(({} as Record<string, unknown>)['polluted'], undefined, 'Object.prototype not polluted');
  t.same(Object.keys(Object.prototype), [], 'no enumerable keys added to Object.prototype');
  // The mutations must exercise every outcome, or the fuzzing proves little.
  t.ok(tally.accepted > 50, `some mutations stay valid (${tally.accepted})`);
  t.ok(tally.invalid > 1000, `most are Invalid (${tally.invalid})`);
  t.ok(tally.badRequest > 20, `some are not JSON objects at all (${tally.badRequest})`);
  t.ok(tally.viaJson > 300, `many went through the JSON parser (${tally.viaJson})`);
  t.comment(JSON.stringify(tally));
});

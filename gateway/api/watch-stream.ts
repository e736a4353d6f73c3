/**
 * `?watch=true`: a stream of `{"type": ADDED|MODIFIED|DELETED, "object": ...}` lines taken from the
 * store's change feed. The headers are flushed at once (informers wait for them). Without a
 * resourceVersion (or with "0") the stream opens with an ADDED for every current object, then
 * follows changes after the list; a listed object's older events are skipped, so no client sees
 * an object go back in time. A resourceVersion the feed no longer holds is 410 Gone.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, failure, StatusError, type Status } from '../../shared/errors/status.js';
import type { GatewayStore } from '../store/gateway-store.js';
import type { Change, ChangeKind } from '../store/records.js';
import { sendStatus } from './status-reply.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** ends every open watch stream (the app calls it before it closes) */
    watchStreams: Set<() => void>;
  }
}

/** Lets open watches end when the app closes, instead of holding the server open. */
export function trackWatchStreams(app: FastifyInstance): void {
  app.decorate('watchStreams', new Set<() => void>());
  app.addHook('preClose', async () => {
    for (const end of [...app.watchStreams]) end();
  });
}

export interface WatchOptions<T> {
  store: GatewayStore;
  kind: ChangeKind;
  /** resourceVersion query parameter */
  resourceVersion?: string;
  timeoutSeconds?: string;
  /** the objects that exist now (for watches that start with the current state) */
  list(): Promise<{ items: T[]; resourceVersion: string }>;
  /** keys of listed objects (the change-feed key) */
  keyOf(o: T): string;
  /** which changes this watch sees (namespace, selectors) */
  matches(o: T): boolean;
  /** shapes the object as served (e.g. adds computed status) */
  present?(o: T): T | Promise<T>;
  /**
   * What an event carries instead of the object (kubectl's `get -w` asks for one-row Tables);
   * `first` is true for the first event of the stream.
   */
  render?(o: T, first: boolean): unknown;
}

function parseRv(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '' || rv === '0') return undefined;
  if (!/^\d+$/.test(rv)) throw new StatusError(badRequest(`invalid resourceVersion "${rv}": must be a number from a list or an object`));
  return Number(rv);
}

function line(type: string, object: unknown): string {
  return `${JSON.stringify({ type, object })}\n`;
}

export async function serveWatch<T extends { metadata?: { resourceVersion?: string } }>(
  req: FastifyRequest, reply: FastifyReply, opts: WatchOptions<T>,
): Promise<FastifyReply> {
  const from = parseRv(opts.resourceVersion);
  const timeout = opts.timeoutSeconds !== undefined && /^\d+$/.test(opts.timeoutSeconds) ? Number(opts.timeoutSeconds) : undefined;
  const present = opts.present ?? ((o: T) => o);

  let initial: T[] = [];
  let afterRv = from ?? 0;
  const listedRv = new Map<string, number>();
  if (from === undefined) {
    const page = await opts.list();
    initial = page.items.filter(opts.matches);
    afterRv = Number(page.resourceVersion);
    for (const o of initial) listedRv.set(opts.keyOf(o), Number(o.metadata?.resourceVersion ?? 0));
  }

  // Changes arrive from the subscription's catch-up before the headers are written; they queue
  // here and a small pump writes them in order.
  const queue: Change[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let endError: Status | undefined;
  const finish = (status?: Status) => {
    if (ended) return;
    ended = true;
    endError = status;
    wake?.();
  };

  let subscription;
  try {
    subscription = await opts.store.subscribe({
      afterRv,
      onChange: (c) => {
        if (c.kind !== opts.kind) return;
        queue.push(c);
        wake?.();
      },
      onError: (err) => finish(err instanceof StatusError ? err.status : failure({ reason: 'InternalError', message: err.message })),
    });
  } catch (err) {
    if (err instanceof StatusError) return sendStatus(reply, err.status);
    throw err;
  }

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private', 'transfer-encoding': 'chunked' });
  res.flushHeaders();
  let clientGone = false;
  const hangUp = () => { clientGone = true; finish(); };
  req.raw.on('close', hangUp);
  res.on('close', hangUp);
  res.on('error', hangUp);
  const timer = timeout !== undefined ? setTimeout(() => finish(), timeout * 1000) : undefined;
  const streams = req.server.watchStreams;
  const endOnClose = () => finish();
  streams.add(endOnClose);

  let first = true;
  const shown = (o: T): unknown => {
    const out = opts.render ? opts.render(o, first) : o;
    first = false;
    return out;
  };
  try {
    for (const o of initial) res.write(line('ADDED', shown(await present(o))));
    while (!clientGone) {
      const c = queue.shift();
      if (c === undefined) {
        if (ended) break;
        await new Promise<void>((resolve) => { wake = resolve; });
        wake = undefined;
        continue;
      }
      const object = c.object as unknown as T;
      const seenAt = listedRv.get(c.key);
      if (seenAt !== undefined) {
        if (c.rv <= seenAt) continue;
        listedRv.delete(c.key);
      }
      if (!opts.matches(object)) continue;
      res.write(line(c.type, shown(c.type === 'DELETED' ? object : await present(object))));
    }
    if (endError !== undefined && !clientGone) res.write(line('ERROR', endError));
  } finally {
    if (timer) clearTimeout(timer);
    streams.delete(endOnClose);
    subscription.close();
    if (!res.writableEnded) res.end();
  }
  return reply;
}

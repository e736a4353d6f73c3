/**
 * The watch side of one kind: a bounded history of change events (for resuming a watch from a
 * resourceVersion) and the open watchers. Each event is serialised once; every watcher that sees it
 * unchanged gets the same bytes. A watcher with a selector gets Kubernetes' transitions: an object
 * that starts matching arrives as ADDED, one that stops matching as DELETED (with its previous content
 * and the new resourceVersion).
 */
import type { FieldSelector } from './field-selector.js';
import type { LabelMatcher } from './label-selector.js';
import type { SimObject } from './sim-object.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change. `prev` is the state before a MODIFIED or DELETED. */
export interface ChangeEvent {
  readonly type: WatchEventType;
  readonly object: SimObject;
  /** JSON of `object`, computed once at commit */
  readonly json: string;
  readonly prev: SimObject | undefined;
  readonly rv: number;
}

interface HistoryEntry extends ChangeEvent {
  /** frames by variant, built on first use */
  frames?: Partial<Record<WatchEventType | 'DELETED_PREV', Buffer>>;
}

export interface WatchFilter {
  namespace?: string;
  labels?: LabelMatcher;
  fields?: FieldSelector;
}

/** Where a watcher's frames go (an HTTP response, or a test's array). */
export interface WatchSink {
  write(frame: Buffer | string): void;
  end(): void;
}

/** Renders one event for a watcher that does not take plain JSON (server-side tables). */
export type FrameRenderer = (type: WatchEventType, object: SimObject) => string;

export class Watcher {
  readonly filter: WatchFilter;
  readonly bookmarks: boolean;
  private readonly sink: WatchSink;
  private readonly render: FrameRenderer | undefined;
  private readonly onClose: (w: Watcher) => void;
  closed = false;

  constructor(opts: { filter: WatchFilter; sink: WatchSink; bookmarks: boolean; render?: FrameRenderer; onClose: (w: Watcher) => void }) {
    this.filter = opts.filter;
    this.sink = opts.sink;
    this.bookmarks = opts.bookmarks;
    this.render = opts.render;
    this.onClose = opts.onClose;
  }

  passes(obj: SimObject): boolean {
    const f = this.filter;
    if (f.namespace !== undefined && obj.metadata.namespace !== f.namespace) return false;
    if (f.labels && !f.labels(obj.metadata.labels)) return false;
    if (f.fields && !f.fields.matches(obj)) return false;
    return true;
  }

  private get unfiltered(): boolean {
    return this.filter.namespace === undefined && !this.filter.labels && !this.filter.fields;
  }

  /** Sends `e` as this watcher sees it (possibly not at all). */
  deliver(e: HistoryEntry): void {
    if (this.closed) return;
    let variant: WatchEventType | 'DELETED_PREV' | undefined;
    if (this.unfiltered) {
      variant = e.type;
    } else if (e.type === 'MODIFIED') {
      const now = this.passes(e.object);
      const before = e.prev !== undefined && this.passes(e.prev);
      if (now) variant = before ? 'MODIFIED' : 'ADDED';
      else if (before) variant = 'DELETED_PREV';
    } else if (this.passes(e.object)) {
      variant = e.type;
    }
    if (variant === undefined) return;
    if (this.render) {
      const obj = variant === 'DELETED_PREV' ? withResourceVersion(e.prev as SimObject, e.rv) : e.object;
      this.sink.write(this.render(variant === 'DELETED_PREV' ? 'DELETED' : variant, obj));
      return;
    }
    this.sink.write(frameOf(e, variant));
  }

  /** Sends a synthetic event (initial state, bookmarks, errors). */
  send(frame: Buffer | string): void {
    if (!this.closed) this.sink.write(frame);
  }

  sendObject(type: WatchEventType, obj: SimObject, json: string): void {
    if (this.closed) return;
    this.sink.write(this.render ? this.render(type, obj) : `{"type":"${type}","object":${json}}\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    this.sink.end();
  }
}

function withResourceVersion(obj: SimObject, rv: number): SimObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
}

function frameOf(e: HistoryEntry, variant: WatchEventType | 'DELETED_PREV'): Buffer {
  e.frames ??= {};
  let frame = e.frames[variant];
  if (!frame) {
    const json = variant === 'DELETED_PREV' ? JSON.stringify(withResourceVersion(e.prev as SimObject, e.rv)) : e.json;
    const type = variant === 'DELETED_PREV' ? 'DELETED' : variant;
    frame = Buffer.from(`{"type":"${type}","object":${json}}\n`);
    e.frames[variant] = frame;
  }
  return frame;
}

export class WatchHub {
  private readonly ring: (HistoryEntry | undefined)[];
  private start = 0;
  private count = 0;
  /** every event of this kind after this resourceVersion is still in the history */
  compactedRv: number;
  readonly watchers = new Set<Watcher>();

  constructor(opts: { capacity: number; startRv: number }) {
    this.ring = new Array<HistoryEntry | undefined>(Math.max(1, opts.capacity));
    this.compactedRv = opts.startRv;
  }

  record(e: ChangeEvent): void {
    const entry: HistoryEntry = e;
    const cap = this.ring.length;
    if (this.count === cap) {
      const dropped = this.ring[this.start];
      if (dropped) this.compactedRv = dropped.rv;
      this.ring[this.start] = entry;
      this.start = (this.start + 1) % cap;
    } else {
      this.ring[(this.start + this.count) % cap] = entry;
      this.count++;
    }
    for (const w of this.watchers) w.deliver(entry);
    // Frames are shared by the watchers of this moment; a later replay builds them again.
    entry.frames = undefined;
  }

  /** Events after `rv`, oldest first; `undefined` when some of them were already dropped. */
  since(rv: number): HistoryEntry[] | undefined {
    if (rv < this.compactedRv) return undefined;
    const cap = this.ring.length;
    const at = (i: number) => this.ring[(this.start + i) % cap] as HistoryEntry;
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at(mid).rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    const out: HistoryEntry[] = [];
    for (let i = lo; i < this.count; i++) out.push(at(i));
    return out;
  }

  /** Drops all history, as an etcd compaction would: older resourceVersions answer 410 Gone. */
  compact(rv: number): void {
    this.ring.fill(undefined);
    this.start = 0;
    this.count = 0;
    this.compactedRv = Math.max(this.compactedRv, rv);
  }

  replay(w: Watcher, entries: HistoryEntry[]): void {
    for (const e of entries) w.deliver(e);
  }
}

/**
 * The Queue state machine: Open accepts work, Closing drains (no new jobs, running ones finish) and
 * becomes Closed once it holds no PodGroups; OpenQueue reopens from any state.
 */
import type { QueueState } from '../../../shared/api/queue.js';

export type QueueAction = 'OpenQueue' | 'CloseQueue' | 'SyncQueue';

export function nextQueueState(current: QueueState | '' | undefined, action: QueueAction, podGroups: number): QueueState {
  const state = current || 'Open';
  if (action === 'OpenQueue') return 'Open';
  if (action === 'CloseQueue') {
    if (state === 'Closed') return 'Closed';
    return podGroups === 0 ? 'Closed' : 'Closing';
  }
  if (state === 'Closing' && podGroups === 0) return 'Closed';
  return state;
}

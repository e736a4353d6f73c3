/**
 * Lifecycle-policy rules, for a job's `spec.policies` and each task's `policies`: a policy names
 * events or a non-zero exit code (never both), known events and actions only, no event or exit code
 * twice in one list, and a `*` policy stands alone.
 */
import { USER_JOB_ACTIONS, USER_JOB_EVENTS } from '../api/job.js';
import { type FieldErrors, childPath, indexPath } from './field-errors.js';
import { own } from './json-value.js';
import { checkArray, checkEnum, checkInteger, checkObject, checkString } from './value-checks.js';

/** A Go duration: one or more `<number><unit>` with units ns, us, µs, ms, s, m, h. */
const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^0$/;

export function isGoDuration(s: string): boolean {
  return GO_DURATION.test(s);
}

export function checkPolicies(fe: FieldErrors, path: string, v: unknown): void {
  const policies = checkArray(fe, path, v);
  if (!policies) return;
  const seenEvents = new Set<string>();
  const seenExitCodes = new Set<number>();
  let wildcardAt: string | undefined;
  let eventPolicies = 0;

  policies.forEach((item, i) => {
    const p = indexPath(path, i);
    const policy = checkObject(fe, p, item);
    if (!policy) return;
    checkEnum(fe, childPath(p, 'action'), own(policy, 'action'), USER_JOB_ACTIONS, { required: true });

    const timeoutPath = childPath(p, 'timeout');
    const timeout = checkString(fe, timeoutPath, own(policy, 'timeout'));
    if (timeout !== undefined && !isGoDuration(timeout)) fe.invalid(timeoutPath, timeout, 'must be a duration such as "30s" or "5m"');
    else if (timeout !== undefined && timeout.startsWith('-')) fe.invalid(timeoutPath, timeout, 'must not be negative');

    // `event` and `events` are one list; each entry is reported at its own path.
    const events: { value: string; path: string }[] = [];
    const single = own(policy, 'event');
    if (single !== undefined && single !== null && single !== '') {
      const e = checkEnum(fe, childPath(p, 'event'), single, USER_JOB_EVENTS);
      if (e) events.push({ value: e, path: childPath(p, 'event') });
    }
    const eventsPath = childPath(p, 'events');
    checkArray(fe, eventsPath, own(policy, 'events'))?.forEach((ev, k) => {
      const e = checkEnum(fe, indexPath(eventsPath, k), ev, USER_JOB_EVENTS, { required: true });
      if (e) events.push({ value: e, path: indexPath(eventsPath, k) });
    });
    const rawEvents = own(policy, 'events');
    const hasEvents =
      (single !== undefined && single !== null && single !== '') || (Array.isArray(rawEvents) && rawEvents.length > 0);

    const exitPath = childPath(p, 'exitCode');
    const rawExit = own(policy, 'exitCode');
    const hasExit = rawExit !== undefined && rawExit !== null;

    if (hasEvents && hasExit) {
      fe.invalid(p, '<object>', 'must not specify event and exitCode simultaneously');
      return;
    }
    if (!hasEvents && !hasExit) {
      fe.required(childPath(p, 'event'), 'either event or exitCode must be specified');
      return;
    }
    if (hasExit) {
      const code = checkInteger(fe, exitPath, rawExit);
      if (code === undefined) return;
      if (code === 0) fe.invalid(exitPath, code, '0 is not a valid error code');
      else if (seenExitCodes.has(code)) fe.duplicate(exitPath, code);
      seenExitCodes.add(code);
      return;
    }
    eventPolicies++;
    for (const e of events) {
      if (e.value === '*') {
        wildcardAt ??= e.path;
        if (events.length > 1) fe.invalid(e.path, '*', 'if there is a "*" event, it must be the only event');
      }
      if (seenEvents.has(e.value)) fe.duplicate(e.path, e.value);
      seenEvents.add(e.value);
    }
  });

  if (wildcardAt !== undefined && eventPolicies > 1) {
    fe.invalid(wildcardAt, '*', 'a policy for the "*" event must be the only event policy in its list');
  }
}

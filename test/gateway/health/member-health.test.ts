import t from 'tap';
import { ManualClock } from '../../../shared/clock.js';
import { MemberHealthTracker } from '../../../gateway/health/member-health.js';

const config = { notReadyAfterMs: 1_000, lostAfterMs: 5_000 };

t.test('a silent member goes Ready → NotReady → Lost at the configured times, and only then', async (t) => {
  const clock = new ManualClock(0);
  const h = new MemberHealthTracker({ config, clock });
  t.match(h.observe('east', 'a1'), { from: undefined, to: 'Ready', reason: 'Reporting' });
  clock.advance(999);
  t.same(h.evaluate(), [], 'still Ready just before the timeout');
  t.equal(h.nextDeadline(), 1_000);
  clock.advance(1);
  t.match(h.evaluate(), [{ cluster: 'east', from: 'Ready', to: 'NotReady', reason: 'HeartbeatMissed' }]);
  t.same(h.evaluate(), [], 'a transition is reported once');
  t.equal(h.nextDeadline(), 5_000);
  clock.advance(3_999);
  t.same(h.evaluate(), []);
  t.equal(h.state('east'), 'NotReady');
  clock.advance(1);
  t.match(h.evaluate(), [{ cluster: 'east', from: 'NotReady', to: 'Lost', reason: 'GracePeriodExpired' }]);
  t.equal(h.nextDeadline(), undefined, 'a Lost member has no further deadline');
});

t.test('any report brings a member back to Ready; only a return from Lost is flagged for superseded deletion', async (t) => {
  const clock = new ManualClock(0);
  const h = new MemberHealthTracker({ config, clock });
  h.observe('east');
  clock.advance(2_000);
  h.evaluate();
  t.match(h.observe('east', 'a2'), { from: 'NotReady', to: 'Ready', returned: false, reason: 'Reporting' });
  clock.advance(6_000);
  t.match(h.evaluate(), [{ to: 'Lost' }], 'a member silent past the grace period goes straight to Lost');
  t.match(h.observe('east', 'a3'), { from: 'Lost', to: 'Ready', returned: true, reason: 'Returned' });
  t.equal(h.record('east')!.agentId, 'a3');
  t.equal(h.observe('east'), undefined, 'a report from a Ready member changes nothing');
});

t.test('a slow but steady link never reaches Lost', async (t) => {
  const clock = new ManualClock(0);
  const h = new MemberHealthTracker({ config, clock });
  h.observe('slow');
  const states = new Set<string>();
  for (let i = 0; i < 20; i++) {
    clock.advance(1_500); // reports arrive late, every 1.5 s
    for (const tr of h.evaluate()) states.add(tr.to);
    h.observe('slow');
    states.add(h.state('slow')!);
  }
  t.ok(states.has('NotReady'), 'late reports make it NotReady between them');
  t.notOk(states.has('Lost'), 'but never Lost');
});

t.test('a new leader counts silence from its own start, not from before it took over', async (t) => {
  const clock = new ManualClock(100_000);
  const h = new MemberHealthTracker({ config, clock });
  h.restore([{ cluster: 'east', state: 'Ready', lastSeenAt: 90_000, since: 0 }], clock.now());
  t.same(h.evaluate(), [], 'reports queued while nobody led do not count against the member');
  clock.advance(1_000);
  t.match(h.evaluate(), [{ to: 'NotReady' }]);
  h.restore([{ cluster: 'west', state: 'Lost', lastSeenAt: 0, since: 0 }], clock.now());
  t.equal(h.state('west'), 'Lost', 'a Lost member stays Lost until it reports');
  t.match(h.observe('west'), { returned: true });
});

t.test('the grace period must exceed the NotReady timeout', async (t) => {
  t.throws(() => new MemberHealthTracker({ config: { notReadyAfterMs: 5, lostAfterMs: 5 }, clock: new ManualClock() }), RangeError);
});

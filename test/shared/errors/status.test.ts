import t from 'tap';
import {
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  internalError,
  invalid,
  isStatus,
  notFound,
  StatusError,
  tooLarge,
  tooManyRequests,
  unauthorized,
} from '../../../shared/errors/status.js';

t.test('invalid() lists every cause in the Kubernetes message form with code 422', async (t) => {
  const s = invalid({
    kind: 'Job',
    group: 'batch.volcano.sh',
    name: 'demo',
    causes: [
      { field: 'spec.tasks[0].name', reason: 'FieldValueInvalid', message: 'Invalid value: "A": bad' },
      { field: 'spec.minAvailable', reason: 'FieldValueInvalid', message: 'Invalid value: 9: too big' },
    ],
  });
  t.equal(s.code, 422);
  t.equal(s.reason, 'Invalid');
  t.equal(s.status, 'Failure');
  t.equal(
    s.message,
    'Job.batch.volcano.sh "demo" is invalid: [spec.tasks[0].name: Invalid value: "A": bad, spec.minAvailable: Invalid value: 9: too big]',
  );
  t.same(s.details, {
    name: 'demo',
    kind: 'Job',
    group: 'batch.volcano.sh',
    causes: [
      { field: 'spec.tasks[0].name', reason: 'FieldValueInvalid', message: 'Invalid value: "A": bad' },
      { field: 'spec.minAvailable', reason: 'FieldValueInvalid', message: 'Invalid value: 9: too big' },
    ],
  });
});

t.test('invalid() with one cause prints it without brackets, as Kubernetes does', async (t) => {
  const s = invalid({ kind: 'Queue', group: 'scheduling.volcano.sh', name: 'q', causes: [{ field: 'spec.weight', message: 'Invalid value: 0: must be >= 1' }] });
  t.equal(s.message, 'Queue.scheduling.volcano.sh "q" is invalid: spec.weight: Invalid value: 0: must be >= 1');
});

t.test('each builder returns a Status with the reason and HTTP code Kubernetes uses', async (t) => {
  const cases = [
    [badRequest('bad'), 'BadRequest', 400],
    [notFound('Job', 'x', 'batch.volcano.sh'), 'NotFound', 404],
    [alreadyExists('Queue', 'q', 'scheduling.volcano.sh'), 'AlreadyExists', 409],
    [conflict('Job', 'x', 'the object has been modified', 'batch.volcano.sh'), 'Conflict', 409],
    [unauthorized('no token'), 'Unauthorized', 401],
    [forbidden('no'), 'Forbidden', 403],
    [tooManyRequests('slow down'), 'TooManyRequests', 429],
    [tooLarge('too big'), 'RequestEntityTooLarge', 413],
    [internalError('oops'), 'InternalError', 500],
  ] as const;
  for (const [status, reason, code] of cases) {
    t.equal(status.reason, reason, reason);
    t.equal(status.code, code, `${reason} code`);
    t.equal(status.kind, 'Status');
    t.equal(status.apiVersion, 'v1');
    t.ok(isStatus(status));
  }
  t.equal(notFound('Job', 'x', 'batch.volcano.sh').message, 'Job.batch.volcano.sh "x" not found');
  t.equal(notFound('Pod', 'p').message, 'Pod "p" not found');
  t.equal(alreadyExists('Queue', 'q', 'scheduling.volcano.sh').message, 'Queue.scheduling.volcano.sh "q" already exists');
  t.equal(
    conflict('Job', 'x', 'the object has been modified', 'batch.volcano.sh').message,
    'Operation cannot be fulfilled on Job.batch.volcano.sh "x": the object has been modified',
  );
});

t.test('StatusError carries its Status and message through a throw', async (t) => {
  const status = badRequest('line 3, column 1: nope');
  const err = new StatusError(status);
  t.ok(err instanceof Error);
  t.equal(err.message, status.message);
  t.equal(err.status, status);
  t.equal(badRequest('x').details, undefined, 'no empty details without causes');
  t.notOk(isStatus({ kind: 'Status' }));
});

import t from 'tap';
import type { Container, PodSpec, ResourceList } from '../../../shared/api/core.js';
import { podLimits, podRequest } from '../../../shared/resources/pod-request.js';

const GPU = 'nvidia.com/gpu';
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

interface ContainerShape {
  requests?: ResourceList;
  limits?: ResourceList;
  sidecar?: boolean;
}

function container(name: string, shape: ContainerShape): Container {
  const c: Container = { name, image: 'busybox' };
  if (shape.requests !== undefined || shape.limits !== undefined) {
    c.resources = {};
    if (shape.requests !== undefined) c.resources.requests = shape.requests;
    if (shape.limits !== undefined) c.resources.limits = shape.limits;
  }
  if (shape.sidecar === true) c.restartPolicy = 'Always';
  return c;
}

function pod(opts: { containers: ContainerShape[]; init?: ContainerShape[]; overhead?: ResourceList }): PodSpec {
  const spec: PodSpec = { containers: opts.containers.map((c, i) => container(`app-${i}`, c)) };
  if (opts.init !== undefined) spec.initContainers = opts.init.map((c, i) => container(`init-${i}`, c));
  if (opts.overhead !== undefined) spec.overhead = opts.overhead;
  return spec;
}

interface RequestCase {
  name: string;
  spec: PodSpec;
  wantRequest: Record<string, number>;
  wantLimits?: Record<string, number>;
}

const cases: RequestCase[] = [
  {
    name: 'containers are summed per resource',
    spec: pod({ containers: [{ requests: { cpu: '500m', memory: '1Gi' } }, { requests: { cpu: 1, memory: '512Mi', [GPU]: 2 } }] }),
    wantRequest: { cpu: 1500, memory: GiB + 512 * MiB, [GPU]: 2 },
  },
  {
    name: 'a pod without resources requests nothing',
    spec: pod({ containers: [{}, {}] }),
    wantRequest: {},
    wantLimits: {},
  },
  {
    name: 'an init container larger than the app containers sets the request of that resource only',
    spec: pod({
      init: [{ requests: { cpu: 4, memory: '100Mi' } }],
      containers: [{ requests: { cpu: 1, memory: '1Gi' } }, { requests: { cpu: 1, memory: '1Gi' } }],
    }),
    wantRequest: { cpu: 4000, memory: 2 * GiB },
  },
  {
    name: 'init containers run one at a time, so the largest counts, not their sum',
    spec: pod({
      init: [{ requests: { cpu: 3 } }, { requests: { cpu: 2, [GPU]: 1 } }],
      containers: [{ requests: { cpu: 1 } }],
    }),
    wantRequest: { cpu: 3000, [GPU]: 1 },
  },
  {
    name: 'a sidecar adds to the app containers for the life of the pod',
    spec: pod({
      init: [{ requests: { cpu: '200m', memory: '64Mi' }, sidecar: true }],
      containers: [{ requests: { cpu: 1, memory: '1Gi' } }],
    }),
    wantRequest: { cpu: 1200, memory: GiB + 64 * MiB },
  },
  {
    name: 'a regular init container after a sidecar runs beside it',
    spec: pod({
      init: [{ requests: { cpu: 1 }, sidecar: true }, { requests: { cpu: 3 } }],
      containers: [{ requests: { cpu: 1 } }],
    }),
    wantRequest: { cpu: 4000 },
  },
  {
    name: 'a regular init container before a sidecar runs without it',
    spec: pod({
      init: [{ requests: { cpu: 3 } }, { requests: { cpu: 1 }, sidecar: true }],
      containers: [{ requests: { cpu: 1 } }],
    }),
    wantRequest: { cpu: 3000 },
  },
  {
    name: 'sidecars accumulate during init: the peak includes every sidecar started so far',
    spec: pod({
      init: [{ requests: { memory: '1Gi' }, sidecar: true }, { requests: { memory: '2Gi' }, sidecar: true }, { requests: { memory: '1Gi' } }],
      containers: [{ requests: { memory: '100Mi' } }],
    }),
    wantRequest: { memory: 4 * GiB },
  },
  {
    name: 'an init container with restartPolicy other than Always is not a sidecar',
    spec: {
      containers: [container('app', { requests: { cpu: 1 } })],
      initContainers: [{ ...container('init', { requests: { cpu: 1 } }), restartPolicy: 'OnFailure' }],
    },
    wantRequest: { cpu: 1000 },
  },
  {
    name: 'pod overhead is added after the max',
    spec: pod({
      init: [{ requests: { cpu: 2 } }],
      containers: [{ requests: { cpu: 1, memory: '1Gi' } }],
      overhead: { cpu: '250m', memory: '120Mi' },
    }),
    wantRequest: { cpu: 2250, memory: GiB + 120 * MiB },
  },
  {
    name: 'a limit without a request becomes the request, resource by resource',
    spec: pod({
      containers: [
        { limits: { cpu: 2, memory: '2Gi' } },
        { requests: { cpu: '100m' }, limits: { cpu: 1, memory: '1Gi' } },
      ],
    }),
    wantRequest: { cpu: 2100, memory: 3 * GiB },
    wantLimits: { cpu: 3000, memory: 3 * GiB },
  },
  {
    name: 'gpus are requested through limits alone, as device plugins require',
    spec: pod({ containers: [{ requests: { cpu: 4 }, limits: { [GPU]: 8 } }] }),
    wantRequest: { cpu: 4000, [GPU]: 8 },
    wantLimits: { [GPU]: 8 },
  },
  {
    name: 'limits of init containers default their requests too',
    spec: pod({ init: [{ limits: { cpu: 5 } }], containers: [{ requests: { cpu: 1 } }] }),
    wantRequest: { cpu: 5000 },
    wantLimits: { cpu: 5000 },
  },
  {
    name: 'overhead is added to limits that are set and non-zero, never creating a limit',
    spec: pod({
      containers: [{ requests: { cpu: 1, memory: '1Gi' }, limits: { memory: '2Gi', [GPU]: 0 } }],
      init: [{ limits: { memory: '1Gi' }, sidecar: true }],
      overhead: { cpu: '250m', memory: '128Mi', [GPU]: 1 },
    }),
    wantRequest: { cpu: 1250, memory: 2 * GiB + 128 * MiB, [GPU]: 1 },
    wantLimits: { memory: 3 * GiB + 128 * MiB, [GPU]: 0 },
  },
  {
    name: 'fractional extended resources round up to whole units',
    spec: pod({ containers: [{ requests: { 'example.com/fpga': '500m', cpu: '0.1m' } }] }),
    wantRequest: { 'example.com/fpga': 1, cpu: 1 },
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.same(podRequest(c.spec).toAmounts(), c.wantRequest, 'request');
    if (c.wantLimits !== undefined) t.same(podLimits(c.spec).toAmounts(), c.wantLimits, 'limits');
  });
}

t.test('sidecar limits count like sidecar requests', async (t) => {
  const spec = pod({
    init: [{ limits: { cpu: 1 }, sidecar: true }, { limits: { cpu: 2 } }],
    containers: [{ limits: { cpu: 1 } }],
  });
  t.same(podLimits(spec).toAmounts(), { cpu: 3000 }, 'init peak: sidecar 1 + init 2 = 3 over steady 2');
  t.same(podRequest(spec).toAmounts(), { cpu: 3000 });
});

t.test('an invalid quantity in a container is reported, not ignored', async (t) => {
  const spec = pod({ containers: [{ requests: { cpu: '1 core' } }] });
  t.throws(() => podRequest(spec), { name: 'QuantityError', message: /"1 core"/ });
});

/**
 * What Kubernetes API access the member agent's code needs, found statically with the TypeScript
 * checker, so the chart's ClusterRole and Role can be compared with it rule by rule.
 *
 * Three kinds of call site count:
 *   1. typed client-node APIs (`CoreV1Api.createNamespacedPodBinding`, `CoordinationV1Api.readNamespacedLease`,
 *      `CustomObjectsApi.patchNamespacedCustomObjectStatus({ group, plural, ... })`), mapped by
 *      TYPED_API_TABLE below;
 *   2. client-node's informers and watches (`makeInformer`, `new ListWatch`: list + watch; `Watch.watch`:
 *      watch), mapped from their API path;
 *   3. the agent's generic client (`KubeClient.list(POD, …)`, `.create(VC_JOB, …)`, …), mapped by
 *      GENERIC_CLIENT_METHODS; its kind argument is followed to kind constants (objects with `apiVersion`
 *      and `plural`) through variables, parameters (to every call site), option-object properties (to
 *      every object literal typed with them) and, for a helper such as `ownedKind(obj)`, the string-literal
 *      union type of its argument's `kind` field.
 * The generic client's own bodies (`KubernetesObjectApi`, `CustomObjectsApi` and `Watch` used with a kind
 * variable) are its implementation and are accounted at its call sites instead. A call the scanner
 * cannot pin down is reported as unresolved rather than guessed.
 *
 * Run it again whenever the agent changes: `npx tap test/helm/member-agent-rbac.test.ts` prints the
 * rules the code needs when they differ from the chart's.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export type RbacScope =
  | 'cluster' // any namespace or cluster-scoped: the ClusterRole
  | 'namespace'; // the agent's own namespace only (its Lease): the Role

export interface ApiNeed {
  group: string;
  /** plural, with `/subresource` when there is one */
  resource: string;
  verb: string;
  scope: RbacScope;
  /** `file:line` of the call, and what was called */
  where: string;
  via: string;
}

export interface Unresolved {
  where: string;
  call: string;
  reason: string;
}

export interface ScanResult {
  needs: ApiNeed[];
  unresolved: Unresolved[];
  files: string[];
}

export interface ScanOptions {
  /** repository root (the folder holding `member-agent/`) */
  root: string;
  /** folder scanned, relative to root */
  include?: string;
  /** folders left out, relative to root */
  exclude?: readonly string[];
  /** the agent's generic client class, and the file that declares it (relative to root) */
  genericClient?: { file: string; className: string };
}

// ---- mapping tables -------------------------------------------------------------------------------

interface TypedKind {
  api: string;
  kind: string;
  group: string;
  plural: string;
  namespaced: boolean;
  /** method-name suffix → subresource, with the verbs that exist for it */
  subresources?: Record<string, { sub: string; verbs: readonly MethodVerb[] }>;
}

type MethodVerb = 'create' | 'read' | 'list' | 'patch' | 'replace' | 'delete' | 'deleteCollection';

const RBAC_VERB: Record<MethodVerb | 'get', string> = {
  create: 'create', read: 'get', get: 'get', list: 'list', patch: 'patch', replace: 'update', delete: 'delete', deleteCollection: 'deletecollection',
};

const STATUS = { Status: { sub: 'status', verbs: ['read', 'patch', 'replace'] as const } };

/** Typed client-node APIs by kind; every CRUD method name is derived from a row. */
export const TYPED_API_KINDS: readonly TypedKind[] = [
  {
    api: 'CoreV1Api', kind: 'Pod', group: '', plural: 'pods', namespaced: true,
    subresources: {
      ...STATUS,
      Binding: { sub: 'binding', verbs: ['create'] },
      Eviction: { sub: 'eviction', verbs: ['create'] },
      Log: { sub: 'log', verbs: ['read'] },
    },
  },
  { api: 'CoreV1Api', kind: 'Binding', group: '', plural: 'bindings', namespaced: true },
  { api: 'CoreV1Api', kind: 'Node', group: '', plural: 'nodes', namespaced: false, subresources: STATUS },
  { api: 'CoreV1Api', kind: 'Namespace', group: '', plural: 'namespaces', namespaced: false },
  { api: 'CoreV1Api', kind: 'Service', group: '', plural: 'services', namespaced: true },
  { api: 'CoreV1Api', kind: 'ConfigMap', group: '', plural: 'configmaps', namespaced: true },
  { api: 'CoreV1Api', kind: 'Secret', group: '', plural: 'secrets', namespaced: true },
  { api: 'CoreV1Api', kind: 'PersistentVolumeClaim', group: '', plural: 'persistentvolumeclaims', namespaced: true },
  { api: 'CoreV1Api', kind: 'Event', group: '', plural: 'events', namespaced: true },
  { api: 'CoreV1Api', kind: 'Endpoints', group: '', plural: 'endpoints', namespaced: true },
  { api: 'EventsV1Api', kind: 'Event', group: 'events.k8s.io', plural: 'events', namespaced: true },
  { api: 'CoordinationV1Api', kind: 'Lease', group: 'coordination.k8s.io', plural: 'leases', namespaced: true },
  { api: 'NetworkingV1Api', kind: 'NetworkPolicy', group: 'networking.k8s.io', plural: 'networkpolicies', namespaced: true },
  { api: 'SchedulingV1Api', kind: 'PriorityClass', group: 'scheduling.k8s.io', plural: 'priorityclasses', namespaced: false },
  { api: 'PolicyV1Api', kind: 'PodDisruptionBudget', group: 'policy', plural: 'poddisruptionbudgets', namespaced: true },
  { api: 'StorageV1Api', kind: 'StorageClass', group: 'storage.k8s.io', plural: 'storageclasses', namespaced: false },
];

interface MethodNeed {
  group: string;
  resource: string;
  verb: string;
}

/** `Api.method` → what it needs, e.g. `CoreV1Api.createNamespacedPodBinding` → pods/binding create. */
export const TYPED_API_TABLE: ReadonlyMap<string, MethodNeed> = (() => {
  const out = new Map<string, MethodNeed>();
  const verbs: MethodVerb[] = ['create', 'read', 'list', 'patch', 'replace', 'delete', 'deleteCollection'];
  for (const k of TYPED_API_KINDS) {
    const ns = k.namespaced ? 'Namespaced' : '';
    for (const v of verbs) out.set(`${k.api}.${v}${ns}${k.kind}`, { group: k.group, resource: k.plural, verb: RBAC_VERB[v] });
    if (k.namespaced) out.set(`${k.api}.list${k.kind}ForAllNamespaces`, { group: k.group, resource: k.plural, verb: 'list' });
    for (const [suffix, s] of Object.entries(k.subresources ?? {})) {
      for (const v of s.verbs) out.set(`${k.api}.${v}${ns}${k.kind}${suffix}`, { group: k.group, resource: `${k.plural}/${s.sub}`, verb: RBAC_VERB[v] });
    }
  }
  return out;
})();

/** CustomObjectsApi method → verb and subresource; group and plural come from the call's argument. */
const CUSTOM_OBJECT_METHOD = /^(create|get|list|patch|replace|delete|deleteCollection)(Namespaced|Cluster)?CustomObject(Status|Scale)?(ForAllNamespaces)?$/;

/** The agent's generic client: method → verb and subresource; the kind is its first argument. */
export const GENERIC_CLIENT_METHODS: Readonly<Record<string, { verb: string; sub?: string }>> = {
  list: { verb: 'list' },
  get: { verb: 'get' },
  create: { verb: 'create' },
  replace: { verb: 'update' },
  replaceStatus: { verb: 'update', sub: 'status' },
  patchStatus: { verb: 'patch', sub: 'status' },
  mergePatch: { verb: 'patch' },
  delete: { verb: 'delete' },
  watch: { verb: 'watch' },
};

/**
 * Methods of the generic client whose need does not depend on a kind argument (they speak to one
 * fixed subresource over the client's own JSON transport).
 */
export const FIXED_CLIENT_METHODS: Readonly<Record<string, { group: string; resource: string; verb: string }>> = {
  bindPod: { group: '', resource: 'pods/binding', verb: 'create' },
};

/** Resources the agent may touch only in its own namespace (the Role); everything else is cluster-wide. */
export function scopeOf(group: string, resource: string): RbacScope {
  return group === 'coordination.k8s.io' && resource === 'leases' ? 'namespace' : 'cluster';
}

// ---- scanner ----------------------------------------------------------------------------------------

interface KindRef {
  group: string;
  plural: string;
  kind: string;
}

function listTs(dir: string, excluded: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (excluded.some((e) => p === e || p.startsWith(e + sep))) continue;
    if (statSync(p).isDirectory()) out.push(...listTs(p, excluded));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function compilerOptions(root: string): ts.CompilerOptions {
  const configPath = ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json');
  if (!configPath) return { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, skipLibCheck: true, noEmit: true };
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, resolve(configPath, '..'));
  return { ...parsed.options, noEmit: true };
}

/** Callee names that can be a client-node call: CRUD method names, informers and watches. */
const INTERESTING_CALLEE = /^((create|read|list|patch|replace|delete|deleteCollection|connect|get)([A-Z]\w*)?|makeInformer|watch|ListWatch)$/;

/** The last name of a callee expression: `a.b.c(...)` → `c`, `new k8s.ListWatch(...)` → `ListWatch`. */
function calleeName(e: ts.Expression): string {
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return '';
}

/** Declaration files parsed once per process: every scan reads client-node's large typings. */
const declarationCache = new Map<string, ts.SourceFile>();

function cachingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!fileName.endsWith('.d.ts')) return read(fileName, languageVersion, onError, shouldCreate);
    let sf = declarationCache.get(fileName);
    if (!sf) {
      sf = read(fileName, languageVersion, onError, shouldCreate);
      if (sf) declarationCache.set(fileName, sf);
    }
    return sf;
  };
  return host;
}

export function scanAgentApiCalls(opts: ScanOptions): ScanResult {
  const root = resolve(opts.root);
  const include = resolve(root, opts.include ?? 'member-agent');
  const excluded = (opts.exclude ?? ['member-agent/sim']).map((e) => resolve(root, e));
  const generic = opts.genericClient ?? { file: 'member-agent/kube/kube-client.ts', className: 'KubeClient' };
  const genericFile = resolve(root, generic.file);
  const files = listTs(include, excluded);
  const options = compilerOptions(root);
  const program = ts.createProgram({ rootNames: files, options, host: cachingHost(options) });
  const checker = program.getTypeChecker();
  const sources = files.map((f) => program.getSourceFile(f)).filter((s): s is ts.SourceFile => s !== undefined);
  const needs: ApiNeed[] = [];
  const unresolved: Unresolved[] = [];

  const where = (node: ts.Node): string => {
    const sf = node.getSourceFile();
    return `${relative(root, sf.fileName)}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  };
  const callText = (node: ts.Node): string => node.getText().replace(/\s+/g, ' ').slice(0, 120);
  const add = (node: ts.Node, via: string, n: MethodNeed): void => {
    needs.push({ ...n, scope: scopeOf(n.group, n.resource.split('/')[0] ?? n.resource), where: where(node), via });
  };
  const fail = (node: ts.Node, reason: string): void => {
    unresolved.push({ where: where(node), call: callText(node), reason });
  };

  // every call and `new` in the scanned files; the declaration each resolves to is looked up on demand
  // (signature resolution is the expensive part of a scan)
  const calls: { node: ts.CallExpression | ts.NewExpression; callee: string }[] = [];
  const resolved = new Map<ts.Node, ts.Declaration | undefined>();
  const declOfCall = (node: ts.CallExpression | ts.NewExpression): ts.Declaration | undefined => {
    if (!resolved.has(node)) resolved.set(node, checker.getResolvedSignature(node)?.declaration ?? undefined);
    return resolved.get(node);
  };
  const objectLiterals: ts.ObjectLiteralExpression[] = [];
  const kindConstants: KindRef[] = [];
  for (const sf of sources) {
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) || ts.isNewExpression(node)) calls.push({ node, callee: calleeName(node.expression) });
      if (ts.isObjectLiteralExpression(node)) objectLiterals.push(node);
      if (ts.isVariableDeclaration(node) && node.initializer) {
        const k = kindFromLiteral(node.initializer);
        if (k) kindConstants.push(k);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }

  function unwrap(e: ts.Expression): ts.Expression {
    let x = e;
    while (ts.isParenthesizedExpression(x) || ts.isAsExpression(x) || ts.isNonNullExpression(x) || ts.isSatisfiesExpression(x) || ts.isTypeAssertionExpression(x)) x = x.expression;
    return x;
  }

  /** `{ apiVersion: 'g/v', kind: 'K', plural: 'ks', ... }` → KindRef */
  function kindFromLiteral(e: ts.Expression): KindRef | undefined {
    const lit = unwrap(e);
    if (!ts.isObjectLiteralExpression(lit)) return undefined;
    const prop = (name: string): string | undefined => {
      for (const p of lit.properties) {
        if (ts.isPropertyAssignment(p) && p.name.getText() === name && ts.isStringLiteralLike(p.initializer)) return p.initializer.text;
      }
      return undefined;
    };
    const apiVersion = prop('apiVersion');
    const plural = prop('plural');
    if (apiVersion === undefined || plural === undefined) return undefined;
    return { group: apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '', plural, kind: prop('kind') ?? '' };
  }

  function declOf(e: ts.Node): ts.Declaration | undefined {
    let sym = checker.getSymbolAtLocation(e);
    if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
    return sym?.valueDeclaration ?? sym?.declarations?.[0];
  }

  function insideGenericClient(node: ts.Node): boolean {
    if (resolve(node.getSourceFile().fileName) !== genericFile) return false;
    for (let p: ts.Node | undefined = node.parent; p; p = p.parent) {
      if (ts.isClassDeclaration(p) && p.name?.text === generic.className) return true;
    }
    return false;
  }

  /** The kinds an expression can hold, or a reason it cannot be told. */
  function kindsOf(expr: ts.Expression, seen: Set<ts.Node>): KindRef[] | string {
    const e = unwrap(expr);
    if (seen.has(e)) return [];
    seen.add(e);
    const literal = kindFromLiteral(e);
    if (literal) return [literal];
    if (ts.isConditionalExpression(e)) return merge([kindsOf(e.whenTrue, seen), kindsOf(e.whenFalse, seen)]);
    if (ts.isCallExpression(e)) return kindsFromArgumentType(e);
    if (!ts.isIdentifier(e) && !ts.isPropertyAccessExpression(e)) return `cannot follow ${ts.SyntaxKind[e.kind]} \`${callText(e)}\``;
    const decl = ts.isShorthandPropertyAssignment(e.parent) ? checker.getShorthandAssignmentValueSymbol(e.parent)?.valueDeclaration : declOf(e);
    if (!decl) return `no declaration for \`${e.getText()}\``;
    if (ts.isVariableDeclaration(decl)) return decl.initializer ? kindsOf(decl.initializer, seen) : `\`${e.getText()}\` has no initializer`;
    if (ts.isParameter(decl)) return kindsOfParameter(decl, seen);
    if (ts.isPropertySignature(decl) || ts.isPropertyDeclaration(decl)) return kindsOfProperty(decl, seen);
    return `cannot follow the declaration of \`${e.getText()}\` (${ts.SyntaxKind[decl.kind]})`;
  }

  function merge(parts: (KindRef[] | string)[]): KindRef[] | string {
    const out: KindRef[] = [];
    for (const p of parts) {
      if (typeof p === 'string') return p;
      out.push(...p);
    }
    return out;
  }

  /** A parameter: the kinds passed in that position at every call of its function. */
  function kindsOfParameter(param: ts.ParameterDeclaration, seen: Set<ts.Node>): KindRef[] | string {
    const fn = param.parent;
    const index = fn.parameters.indexOf(param);
    const parts: (KindRef[] | string)[] = [];
    const fnName = ts.isConstructorDeclaration(fn) ? fn.parent.name?.text : ts.getNameOfDeclaration(fn)?.getText();
    for (const c of calls) {
      if (fnName !== undefined && c.callee !== fnName) continue;
      if (declOfCall(c.node) !== fn) continue;
      const arg = c.node.arguments?.[index];
      if (arg) parts.push(kindsOf(arg, seen));
    }
    return merge(parts);
  }

  /** A property of an options type or class: every object literal typed with it, and its initializer. */
  function kindsOfProperty(prop: ts.PropertySignature | ts.PropertyDeclaration, seen: Set<ts.Node>): KindRef[] | string {
    const name = prop.name.getText();
    const parts: (KindRef[] | string)[] = [];
    if (ts.isPropertyDeclaration(prop) && prop.initializer) parts.push(kindsOf(prop.initializer, seen));
    for (const lit of objectLiterals) {
      const member = lit.properties.find((p) => p.name?.getText() === name);
      if (!member) continue;
      const sym = checker.getContextualType(lit)?.getProperty(name);
      if (!sym?.declarations?.includes(prop)) continue;
      if (ts.isPropertyAssignment(member)) parts.push(kindsOf(member.initializer, seen));
      else if (ts.isShorthandPropertyAssignment(member)) parts.push(kindsOf(member.name, seen));
      else parts.push(`cannot follow \`${callText(member)}\``);
    }
    return merge(parts);
  }

  /** A helper like `ownedKind(obj)`: the kinds named by the string-literal union of `obj.kind`. */
  function kindsFromArgumentType(call: ts.CallExpression): KindRef[] | string {
    const arg = call.arguments[0];
    if (!arg) return `cannot tell the kind returned by \`${callText(call)}\``;
    const kindProp = checker.getTypeAtLocation(arg).getProperty('kind');
    const kindType = kindProp ? checker.getTypeOfSymbolAtLocation(kindProp, arg) : undefined;
    const members = kindType ? (kindType.isUnion() ? kindType.types : [kindType]) : [];
    const names = members.filter((m): m is ts.StringLiteralType => m.isStringLiteral()).map((m) => m.value);
    if (names.length === 0 || names.length !== members.length) return `\`${callText(call)}\`: its argument's \`kind\` is not a union of string literals`;
    const out: KindRef[] = [];
    for (const n of names) {
      const found = kindConstants.filter((k) => k.kind === n);
      if (found.length === 0) return `\`${callText(call)}\`: no kind constant for ${n}`;
      out.push(...found);
    }
    return out;
  }

  /** Evaluates a string expression; unknown parts become `\0`. */
  function stringOf(expr: ts.Expression, depth = 0): string | undefined {
    const e = unwrap(expr);
    if (ts.isStringLiteralLike(e)) return e.text;
    if (ts.isTemplateExpression(e)) {
      let s = e.head.text;
      for (const span of e.templateSpans) s += (stringOf(span.expression, depth + 1) ?? '\0') + span.literal.text;
      return s;
    }
    if (depth < 5 && (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e))) {
      const d = declOf(e);
      if (d && ts.isVariableDeclaration(d) && d.initializer) return stringOf(d.initializer, depth + 1);
    }
    return undefined;
  }

  /** `/api/v1/[namespaces/x/]pods` or `/apis/g/v/[namespaces/x/]plural` → group and plural */
  function pathNeed(path: string): { group: string; resource: string } | string {
    const segs = path.split('?')[0]!.split('/').filter(Boolean);
    let rest: string[];
    let group: string;
    if (segs[0] === 'api') {
      group = '';
      rest = segs.slice(2);
    } else if (segs[0] === 'apis') {
      group = segs[1] ?? '\0';
      rest = segs.slice(3);
    } else return `not an API path: ${path}`;
    if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
    const resource = rest[0] ?? '';
    if (group.includes('\0') || resource === '' || resource.includes('\0')) return `cannot tell group and resource of ${JSON.stringify(path.replace(/\0/g, '${…}'))}`;
    return { group, resource };
  }

  for (const { node, callee } of calls) {
    if (!INTERESTING_CALLEE.test(callee) && !(callee in GENERIC_CLIENT_METHODS) && !(callee in FIXED_CLIENT_METHODS)) continue;
    const decl = declOfCall(node);
    if (!decl) continue;
    const declFile = decl.getSourceFile().fileName;
    const owner = decl.parent && ts.isClassDeclaration(decl.parent) ? (decl.parent.name?.text ?? '') : '';
    const declName = ts.getNameOfDeclaration(decl);
    const name = ts.isConstructorDeclaration(decl) ? 'constructor' : declName && ts.isIdentifier(declName) ? declName.text : '';

    if (declFile.includes(`${sep}@kubernetes${sep}client-node${sep}`)) {
      const api = owner.replace(/^Object(?=\w+Api$)/, '');
      const method = name.replace(/WithHttpInfo$/, '');
      const inGeneric = insideGenericClient(node);
      if (api === 'KubernetesObjectApi') {
        if (!inGeneric && ['create', 'read', 'list', 'patch', 'replace', 'delete'].includes(method)) {
          fail(node, 'KubernetesObjectApi outside the generic client: its kind is known only at run time');
        }
        continue;
      }
      if (api === 'CustomObjectsApi') {
        const m = CUSTOM_OBJECT_METHOD.exec(method);
        if (!m) continue;
        if (inGeneric) continue;
        const verb = RBAC_VERB[m[1] as MethodVerb | 'get'];
        const arg = node.arguments?.[0];
        const fields = arg ? customObjectFields(arg) : undefined;
        if (!fields) {
          fail(node, 'group and plural of a CustomObjectsApi call must be string literals or constants');
          continue;
        }
        const sub = m[3] ? `/${m[3].toLowerCase()}` : '';
        add(node, `${api}.${method}`, { group: fields.group, resource: fields.plural + sub, verb });
        continue;
      }
      if (owner === 'Watch' && name === 'watch') {
        if (inGeneric) continue;
        const path = node.arguments?.[0] ? stringOf(node.arguments[0]) : undefined;
        const p = path === undefined ? 'the watch path is not a string the scanner can evaluate' : pathNeed(path);
        if (typeof p === 'string') fail(node, p);
        else add(node, 'Watch.watch', { ...p, verb: 'watch' });
        continue;
      }
      if ((name === 'makeInformer' && !owner) || (owner === 'ListWatch' && name === 'constructor')) {
        const pathArg = node.arguments?.[name === 'makeInformer' ? 1 : 0];
        const path = pathArg ? stringOf(pathArg) : undefined;
        const p = path === undefined ? 'the informer path is not a string the scanner can evaluate' : pathNeed(path);
        if (typeof p === 'string') fail(node, p);
        else for (const verb of ['list', 'watch']) add(node, name === 'makeInformer' ? 'makeInformer' : 'ListWatch', { ...p, verb });
        continue;
      }
      if (/Api$/.test(api)) {
        const n = TYPED_API_TABLE.get(`${api}.${method}`);
        if (n) add(node, `${api}.${method}`, n);
        else if (/^(create|read|list|patch|replace|delete|deleteCollection|connect)[A-Z]/.test(method)) fail(node, `${api}.${method} is not in TYPED_API_KINDS`);
      }
      continue;
    }

    if (resolve(declFile) === genericFile && owner === generic.className) {
      const fixed = FIXED_CLIENT_METHODS[name];
      if (fixed) {
        add(node, `${generic.className}.${name}`, fixed);
        continue;
      }
      const m = GENERIC_CLIENT_METHODS[name];
      if (!m) continue;
      const arg = node.arguments?.[0];
      const kinds = arg ? kindsOf(arg, new Set()) : 'no kind argument';
      if (typeof kinds === 'string') {
        fail(node, kinds);
        continue;
      }
      for (const k of kinds) add(node, `${generic.className}.${name}`, { group: k.group, resource: k.plural + (m.sub ? `/${m.sub}` : ''), verb: m.verb });
    }
  }

  function customObjectFields(arg: ts.Expression): { group: string; plural: string } | undefined {
    const lit = unwrap(arg);
    if (!ts.isObjectLiteralExpression(lit)) return undefined;
    let group: string | undefined;
    let plural: string | undefined;
    const read = (props: ts.NodeArray<ts.ObjectLiteralElementLike>, depth: number): void => {
      for (const p of props) {
        if (ts.isPropertyAssignment(p) && (p.name.getText() === 'group' || p.name.getText() === 'plural')) {
          const v = stringOf(p.initializer);
          if (v !== undefined && !v.includes('\0')) {
            if (p.name.getText() === 'group') group = v;
            else plural = v;
          }
        } else if (ts.isSpreadAssignment(p) && depth < 3) {
          const d = declOf(unwrap(p.expression));
          const init = d && ts.isVariableDeclaration(d) ? d.initializer : undefined;
          if (init && ts.isObjectLiteralExpression(unwrap(init))) read((unwrap(init) as ts.ObjectLiteralExpression).properties, depth + 1);
        }
      }
    };
    read(lit.properties, 0);
    return group !== undefined && plural !== undefined ? { group, plural } : undefined;
  }

  return { needs, unresolved, files: files.map((f) => relative(root, f)) };
}

// ---- RBAC rules ---------------------------------------------------------------------------------------

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** `group|resource|verb` for every combination a rule grants (wildcards kept as `*`). */
export function grantsOf(rules: readonly PolicyRule[]): Set<string> {
  const out = new Set<string>();
  for (const r of rules) {
    for (const g of r.apiGroups ?? []) for (const res of r.resources ?? []) for (const v of r.verbs ?? []) out.add(`${g}|${res}|${v}`);
  }
  return out;
}

export function needKeys(needs: readonly ApiNeed[], scope: RbacScope): Set<string> {
  return new Set(needs.filter((n) => n.scope === scope).map((n) => `${n.group}|${n.resource}|${n.verb}`));
}

/** Compact rules for a set of needs: one rule per group and verb set, as a chart would write them. */
export function rulesFor(keys: Iterable<string>): PolicyRule[] {
  const byGroupResource = new Map<string, Set<string>>();
  for (const k of keys) {
    const [g, res, v] = k.split('|') as [string, string, string];
    const key = `${g}|${res}`;
    if (!byGroupResource.has(key)) byGroupResource.set(key, new Set());
    byGroupResource.get(key)!.add(v);
  }
  const byGroupVerbs = new Map<string, PolicyRule>();
  for (const [key, verbs] of [...byGroupResource].sort(([a], [b]) => a.localeCompare(b))) {
    const [g, res] = key.split('|') as [string, string];
    const vs = [...verbs].sort();
    const id = `${g}|${vs.join(',')}`;
    const rule = byGroupVerbs.get(id) ?? { apiGroups: [g], resources: [], verbs: vs };
    rule.resources!.push(res);
    byGroupVerbs.set(id, rule);
  }
  return [...byGroupVerbs.values()];
}

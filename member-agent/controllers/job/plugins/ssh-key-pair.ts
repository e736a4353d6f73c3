/** RSA-2048 key pairs for the ssh plugin: PKCS#1 PEM private key, OpenSSH public key. */
import { generateKeyPairSync } from 'node:crypto';
import type { SshKeyPair } from './job-plugin.js';

export function generateSshKeyPair(comment = 'caldera'): SshKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') throw new Error('RSA public key without modulus or exponent');
  const blob = Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    sshString(mpint(Buffer.from(jwk.e, 'base64url'))),
    sshString(mpint(Buffer.from(jwk.n, 'base64url'))),
  ]);
  return {
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey: `ssh-rsa ${blob.toString('base64')} ${comment}`,
  };
}

/** SSH wire string: 4-byte big-endian length, then the bytes. */
function sshString(bytes: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

/** SSH mpint of an unsigned big-endian integer: a leading zero byte keeps the sign bit clear. */
function mpint(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
}

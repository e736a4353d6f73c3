/**
 * A thin HTTP client for the gateway's Kubernetes-style API. Errors come back from the server as
 * `kind: Status`; they are turned into a CliError whose message is the Status message plus its causes.
 */
import { CliError } from './cli-error.js';

export interface GatewayClientOptions {
  server: string;
  token?: string;
  /** per-request timeout in milliseconds */
  timeoutMs?: number;
}

export interface StatusLike {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { field?: string; message?: string }[] };
}

export class GatewayClient {
  readonly server: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;

  constructor(opts: GatewayClientOptions) {
    this.server = opts.server.replace(/\/+$/, '');
    this.token = opts.token;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  async request<T = unknown>(method: string, path: string, body?: { text: string; contentType: string }): Promise<T> {
    const res = await this.send(method, path, body);
    const text = await res.text();
    const parsed = text.length > 0 ? safeJson(text) : undefined;
    if (!res.ok) throw new CliError(describeFailure(res.status, parsed, text));
    return parsed as T;
  }

  /** Opens a watch stream and calls `onEvent` for each line until the server closes it or `signal` aborts. */
  async watch(path: string, onEvent: (ev: { type: string; object: Record<string, unknown> }) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.send('GET', path, undefined, signal, false);
    if (!res.ok || !res.body) {
      const text = await res.text();
      throw new CliError(describeFailure(res.status, safeJson(text), text));
    }
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const ev = safeJson(line) as { type?: string; object?: Record<string, unknown> } | undefined;
          if (ev?.type && ev.object) onEvent({ type: ev.type, object: ev.object });
        }
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
  }

  private async send(method: string, path: string, body?: { text: string; contentType: string }, signal?: AbortSignal, timeout = true): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body) headers['content-type'] = body.contentType;
    const signals = [signal, timeout ? AbortSignal.timeout(this.timeoutMs) : undefined].filter((s): s is AbortSignal => !!s);
    try {
      return await fetch(`${this.server}${path}`, {
        method,
        headers,
        body: body?.text,
        signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      if (err instanceof Error && err.name === 'TimeoutError') {
        throw new CliError(`the gateway at ${this.server} did not answer within ${this.timeoutMs / 1000}s`);
      }
      throw new CliError(`cannot reach the gateway at ${this.server}${cause ? ` (${cause})` : ''}: is it running? (set --server or CALDERA_SERVER)`);
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describeFailure(code: number, parsed: unknown, text: string): string {
  const st = parsed as StatusLike | undefined;
  if (st && st.kind === 'Status') {
    const causes = (st.details?.causes ?? []).map((c) => `  - ${c.field ? `${c.field}: ` : ''}${c.message ?? ''}`);
    return [`${st.reason ?? 'Error'} (${code}): ${st.message ?? ''}`, ...causes].join('\n');
  }
  return `HTTP ${code}: ${text.slice(0, 500)}`;
}

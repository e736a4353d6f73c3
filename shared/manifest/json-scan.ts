/**
 * A strict JSON scanner that finds where a value ends or where its first syntax error is.
 * `JSON.parse` does the real parsing; this exists because V8's messages do not reliably carry a
 * position, and because a body may hold several concatenated JSON documents. Iterative, so deep
 * nesting cannot overflow the stack.
 */

export type JsonScanResult = { ok: true; end: number } | { ok: false; offset: number; message: string };

const WS = new Set([' ', '\t', '\n', '\r']);

export function skipJsonWhitespace(text: string, pos: number): number {
  let p = pos;
  while (p < text.length && WS.has(text[p] ?? '')) p++;
  return p;
}

function describe(text: string, pos: number): string {
  if (pos >= text.length) return 'unexpected end of JSON input';
  return `unexpected character ${JSON.stringify(text[pos])}`;
}

/** Scans one JSON value starting at `start` (after whitespace). */
export function scanJsonValue(text: string, start: number, opts: { maxDepth?: number } = {}): JsonScanResult {
  const maxDepth = opts.maxDepth ?? Infinity;
  // Stack of open containers: '{' or '['. `expect` is what the grammar needs next.
  const stack: string[] = [];
  type Expect = 'value' | 'key' | 'colon' | 'commaOrClose' | 'keyOrClose' | 'valueOrClose';
  let expect: Expect = 'value';
  let p = skipJsonWhitespace(text, start);
  const fail = (offset: number, message?: string): JsonScanResult => ({
    ok: false,
    offset,
    message: message ?? describe(text, offset),
  });

  for (;;) {
    p = skipJsonWhitespace(text, p);
    if (p >= text.length) return fail(p);
    const c = text[p] ?? '';

    if (expect === 'colon') {
      if (c !== ':') return fail(p, `expected ':' after object key, found ${JSON.stringify(c)}`);
      p++;
      expect = 'value';
      continue;
    }
    if (expect === 'commaOrClose') {
      const top = stack[stack.length - 1];
      if (c === ',') {
        p++;
        expect = top === '{' ? 'key' : 'value';
        continue;
      }
      if ((c === '}' && top === '{') || (c === ']' && top === '[')) {
        p++;
        stack.pop();
        if (stack.length === 0) return { ok: true, end: p };
        continue;
      }
      return fail(p, `expected ',' or '${top === '{' ? '}' : ']'}', found ${JSON.stringify(c)}`);
    }
    if (expect === 'key' || expect === 'keyOrClose') {
      if (c === '}' && expect === 'keyOrClose') {
        p++;
        stack.pop();
        if (stack.length === 0) return { ok: true, end: p };
        expect = 'commaOrClose';
        continue;
      }
      if (c !== '"') return fail(p, `expected a double-quoted object key, found ${JSON.stringify(c)}`);
      const r = scanString(text, p);
      if (!r.ok) return r;
      p = r.end;
      expect = 'colon';
      continue;
    }
    // expect is 'value' or 'valueOrClose'
    if (c === ']' && expect === 'valueOrClose') {
      p++;
      stack.pop();
      if (stack.length === 0) return { ok: true, end: p };
      expect = 'commaOrClose';
      continue;
    }
    if ((c === '{' || c === '[') && stack.length >= maxDepth) {
      return fail(p, `collections are nested more than ${maxDepth} levels deep`);
    }
    if (c === '{') {
      stack.push('{');
      p++;
      expect = 'keyOrClose';
      continue;
    }
    if (c === '[') {
      stack.push('[');
      p++;
      expect = 'valueOrClose';
      continue;
    }
    const r = c === '"' ? scanString(text, p) : scanScalar(text, p);
    if (!r.ok) return r;
    p = r.end;
    if (stack.length === 0) return { ok: true, end: p };
    expect = 'commaOrClose';
  }
}

function scanString(text: string, start: number): JsonScanResult {
  let p = start + 1;
  while (p < text.length) {
    const c = text.charCodeAt(p);
    if (c === 0x22) return { ok: true, end: p + 1 };
    if (c < 0x20) return { ok: false, offset: p, message: 'control character in string' };
    if (c === 0x5c) {
      const e = text[p + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(p + 2, p + 6))) {
          return { ok: false, offset: p, message: 'bad unicode escape in string' };
        }
        p += 6;
        continue;
      }
      if (e === undefined || !'"\\/bfnrt'.includes(e)) {
        return { ok: false, offset: p, message: 'bad escape in string' };
      }
      p += 2;
      continue;
    }
    p++;
  }
  return { ok: false, offset: text.length, message: 'unterminated string' };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function scanScalar(text: string, start: number): JsonScanResult {
  for (const word of ['true', 'false', 'null']) {
    if (text.startsWith(word, start)) return { ok: true, end: start + word.length };
  }
  NUMBER.lastIndex = start;
  const m = NUMBER.exec(text);
  if (m && m[0].length > 0) return { ok: true, end: start + m[0].length };
  return { ok: false, offset: start, message: describe(text, start) };
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

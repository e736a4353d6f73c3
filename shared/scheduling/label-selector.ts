// Kubernetes label selector strings (`env=prod,tier!=web,region in (eu,us),!legacy,gpu`).

export interface LabelRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: readonly string[];
}

export class LabelSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelSelectorError';
  }
}

const KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Parses a selector string; throws LabelSelectorError with the offending part. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  for (const part of splitTopLevel(text)) {
    const p = part.trim();
    if (p === '') continue;
    let m: RegExpExecArray | null;
    if ((m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(p)) !== null) {
      const values = (m[3] as string).split(',').map((v) => v.trim());
      out.push(requirement(m[1] as string, m[2] === 'in' ? 'In' : 'NotIn', values, p));
    } else if ((m = /^(\S+?)\s*(==|!=|=)\s*(\S*)$/.exec(p)) !== null) {
      out.push(requirement(m[1] as string, m[2] === '!=' ? 'NotIn' : 'In', [m[3] as string], p));
    } else if ((m = /^!\s*(\S+)$/.exec(p)) !== null) {
      out.push(requirement(m[1] as string, 'DoesNotExist', [], p));
    } else if (KEY.test(p)) {
      out.push(requirement(p, 'Exists', [], p));
    } else {
      throw new LabelSelectorError(`cannot parse "${p}"`);
    }
  }
  return out;
}

export function matchesLabels(reqs: readonly LabelRequirement[], labels: Readonly<Record<string, string>>): boolean {
  for (const r of reqs) {
    const v = labels[r.key];
    switch (r.operator) {
      case 'In':
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case 'NotIn':
        if (v !== undefined && r.values.includes(v)) return false;
        break;
      case 'Exists':
        if (v === undefined) return false;
        break;
      case 'DoesNotExist':
        if (v !== undefined) return false;
        break;
    }
  }
  return true;
}

function requirement(key: string, operator: LabelRequirement['operator'], values: string[], part: string): LabelRequirement {
  if (!KEY.test(key)) throw new LabelSelectorError(`invalid label key "${key}" in "${part}"`);
  for (const v of values) if (!VALUE.test(v)) throw new LabelSelectorError(`invalid label value "${v}" in "${part}"`);
  return { key, operator, values };
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

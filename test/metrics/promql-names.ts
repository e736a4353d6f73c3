/**
 * Pulls the metric names out of a PromQL expression (as Grafana stores it, `$variables` included)
 * with a small tokenizer: it skips strings, label matchers (reading only `__name__="..."`), range
 * and subquery brackets, numbers and durations, Grafana variables, keywords and aggregation
 * operators, and the label lists after `by`, `without`, `on`, `ignoring`, `group_left`, `group_right`.
 * An identifier followed by `(` is a function; any other identifier is a metric name.
 */

const AGGREGATIONS = new Set([
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk',
  'quantile', 'limitk', 'limit_ratio',
]);
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const OTHER_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan', 'start', 'end']);

/** PromQL's functions (Prometheus 2.x and 3.x). */
export const PROMQL_FUNCTIONS = new Set([
  'abs', 'absent', 'absent_over_time', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'avg_over_time', 'ceil',
  'changes', 'clamp', 'clamp_max', 'clamp_min', 'cos', 'cosh', 'count_over_time', 'day_of_month', 'day_of_week',
  'day_of_year', 'days_in_month', 'deg', 'delta', 'deriv', 'exp', 'floor', 'histogram_avg', 'histogram_count',
  'histogram_fraction', 'histogram_quantile', 'histogram_stddev', 'histogram_stdvar', 'histogram_sum', 'holt_winters',
  'double_exponential_smoothing', 'hour', 'idelta', 'increase', 'irate', 'label_join', 'label_replace', 'last_over_time',
  'ln', 'log10', 'log2', 'mad_over_time', 'max_over_time', 'min_over_time', 'minute', 'month', 'pi', 'predict_linear',
  'present_over_time', 'quantile_over_time', 'rad', 'rate', 'resets', 'round', 'scalar', 'sgn', 'sin', 'sinh', 'sort',
  'sort_by_label', 'sort_by_label_desc', 'sort_desc', 'sqrt', 'stddev_over_time', 'stdvar_over_time', 'sum_over_time',
  'tan', 'tanh', 'time', 'timestamp', 'vector', 'year',
]);

export interface PromqlNames {
  metrics: string[];
  functions: string[];
}

export function namesInPromql(expr: string): PromqlNames {
  const metrics: string[] = [];
  const functions: string[] = [];
  let i = 0;
  const n = expr.length;
  const isIdentStart = (c: string): boolean => /[A-Za-z_:]/.test(c);
  const isIdent = (c: string): boolean => /[A-Za-z0-9_:]/.test(c);
  const skipSpace = (): void => {
    while (i < n && /\s/.test(expr[i]!)) i++;
  };
  /** skips a quoted string starting at i and returns its content */
  const readString = (): string => {
    const quote = expr[i]!;
    let out = '';
    i++;
    while (i < n && expr[i] !== quote) {
      if (expr[i] === '\\' && quote !== '`') {
        out += expr[i + 1] ?? '';
        i += 2;
      } else {
        out += expr[i];
        i++;
      }
    }
    if (i >= n) throw new SyntaxError(`unterminated string in ${JSON.stringify(expr)}`);
    i++;
    return out;
  };
  /** skips from an opening bracket to its match, strings respected; returns the label matchers' __name__ values */
  const skipBalanced = (open: string, close: string): string[] => {
    const names: string[] = [];
    let depth = 0;
    let lastIdent = '';
    while (i < n) {
      const c = expr[i]!;
      if (c === '"' || c === "'" || c === '`') {
        const s = readString();
        if (open === '{' && lastIdent === '__name__') names.push(s);
        lastIdent = '';
        continue;
      }
      if (c === open) depth++;
      else if (c === close) {
        depth--;
        if (depth === 0) {
          i++;
          return names;
        }
      }
      if (isIdentStart(c)) {
        let j = i;
        while (j < n && isIdent(expr[j]!)) j++;
        lastIdent = expr.slice(i, j);
        i = j;
        continue;
      }
      if (!/[\s=~!]/.test(c)) lastIdent = '';
      i++;
    }
    throw new SyntaxError(`unbalanced ${open}${close} in ${JSON.stringify(expr)}`);
  };

  while (i < n) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'" || c === '`') {
      readString();
    } else if (c === '{') {
      metrics.push(...skipBalanced('{', '}'));
    } else if (c === '[') {
      skipBalanced('[', ']');
    } else if (c === '$') {
      i++;
      if (expr[i] === '{') skipBalanced('{', '}');
      else while (i < n && isIdent(expr[i]!)) i++;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(expr[i + 1] ?? ''))) {
      while (i < n && /[0-9A-Za-z_.]/.test(expr[i]!)) i++;
    } else if (isIdentStart(c)) {
      let j = i;
      while (j < n && isIdent(expr[j]!)) j++;
      const word = expr.slice(i, j);
      i = j;
      skipSpace();
      const next = expr[i];
      if (LABEL_LIST_KEYWORDS.has(word)) {
        if (next === '(') skipBalanced('(', ')');
      } else if (AGGREGATIONS.has(word) || OTHER_KEYWORDS.has(word)) {
        // operator or modifier: its operands follow
      } else if (next === '(') {
        functions.push(word);
      } else {
        metrics.push(word);
      }
    } else {
      i++;
    }
  }
  return { metrics, functions };
}

/**
 * Metric names in a Grafana variable query: `label_values(<expr>, label)`, `label_values(label)`,
 * `query_result(<expr>)`; `label_names()` and `metrics(regex)` name none.
 */
export function namesInVariableQuery(query: string): PromqlNames {
  const q = query.trim();
  const labelValues = /^label_values\(\s*([\s\S]*?)\s*,\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$/.exec(q);
  if (labelValues) return namesInPromql(labelValues[1]!);
  if (/^label_values\(\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$/.test(q) || /^label_names\(/.test(q) || /^metrics\(/.test(q)) return { metrics: [], functions: [] };
  const queryResult = /^query_result\(([\s\S]*)\)$/.exec(q);
  if (queryResult) return namesInPromql(queryResult[1]!);
  return namesInPromql(q);
}

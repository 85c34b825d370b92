// The `match` grammar: which alerts a severity rule, a silence, a maintenance
// window, an inhibition rule or a heartbeat's watchdog applies to.
//
// A match block looks at `source`, `service`, `environment`, `severity` (the
// source's own word), `alertname` and `labels.<name>`; every key it names must
// fit (AND). A value is a word, a list of words (any of), or a condition
// `{in, notIn, present, regex}` whose parts must all hold. Words compare
// without regard to case; a regex is tested unanchored, ignoring case. A
// missing value and an empty one are the same thing: neither equals a word,
// both are `present: false`, both are outside any `notIn`.
//
// The compact text form (Slack, `/incident silence service=checkout 2h …`) is
// Alertmanager's matcher syntax: `name=value`, `name!=value`, `name=~"regex"`,
// separated by spaces or commas, optionally inside `{ }`; see parseMatchText.
import { z } from 'zod';
import { MATCH_FIELDS, type MatchField } from './matchText';

export { MATCH_FIELDS, type MatchField } from './matchText';
export { anchorRegex, formatMatch, type MatchTextPrefix, type ParsedMatch, parseMatchPrefix, parseMatchText } from './matchText';

/** A word to compare; kept lower-case, since every comparison ignores case. */
const scalar = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v).toLowerCase());

const condition = z
  .object({
    in: z.array(scalar).min(1).optional(),
    notIn: z.array(scalar).min(1).optional(),
    present: z.boolean().optional(),
    regex: z
      .string()
      .refine((s) => {
        try {
          new RegExp(s, 'i');
          return true;
        } catch {
          return false;
        }
      }, 'not a valid regular expression')
      .optional(),
  })
  .strict()
  .refine((c) => Object.keys(c).length > 0, 'an empty condition matches nothing; use in, notIn, present or regex');

/** A value to match: one word, a list of words (any of), or a condition. */
export const matcherSchema = z.union([scalar, z.array(scalar).min(1), condition]);
export type Matcher = z.infer<typeof matcherSchema>;


/** A match block: every key it names must fit. `{}` matches every alert. */
export const matchBlockSchema = z
  .object({
    source: matcherSchema.optional(),
    service: matcherSchema.optional(),
    environment: matcherSchema.optional(),
    severity: matcherSchema.optional(),
    alertname: matcherSchema.optional(),
    labels: z.record(z.string(), matcherSchema).optional(),
  })
  .strict();
export type MatchBlock = z.output<typeof matchBlockSchema>;

/** A match block that must say something: silences and windows never hold every alert by accident. */
export const nonEmptyMatchBlockSchema = (what: string) =>
  matchBlockSchema.refine(
    (m) => !isEmptyMatch(m),
    `${what} is empty, which would hold every alert; name what it covers (to cover every alert on purpose, write { source: { present: true } })`,
  );

/** What a match block looks at: a NormalizedAlert, a SeverityInput or an AlertRecord-like object. */
export interface MatchSubject {
  source: string | null;
  service: string | null;
  environment: string | null;
  /** The source's own severity word (`critical`, `P2`), not the SEV. */
  severity: string | null;
  alertName: string | null;
  labels: Record<string, string>;
}

/** Whether `value` is one of `words` (already lower-case: see `scalar`). */
function oneOf(words: readonly string[], v: string | null): boolean {
  if (v === null) return false;
  for (const w of words) if (w === v) return true;
  return false;
}

const regexes = new Map<string, RegExp>();

/** Whether one value fits one matcher (a missing or empty value is "not present"). */
export function valueMatches(m: Matcher, value: string | null | undefined): boolean {
  const v = value === null || value === undefined || value === '' ? null : value.toLowerCase();
  if (typeof m === 'string') return v !== null && m === v;
  if (Array.isArray(m)) return oneOf(m, v);
  if (m.present !== undefined && (v !== null) !== m.present) return false;
  if (m.in && !oneOf(m.in, v)) return false;
  if (m.notIn && oneOf(m.notIn, v)) return false;
  if (m.regex !== undefined) {
    let re = regexes.get(m.regex);
    if (!re) regexes.set(m.regex, (re = new RegExp(m.regex, 'i')));
    if (v === null || !re.test(value ?? '')) return false;
  }
  return true;
}

/** The value of a field of the subject (`alertname` is the subject's `alertName`). */
export function fieldValue(subject: MatchSubject, field: MatchField): string | null {
  return field === 'alertname' ? subject.alertName : subject[field];
}

/** Whether every key of the block fits the subject. */
export function matches(block: MatchBlock, subject: MatchSubject): boolean {
  for (const field of MATCH_FIELDS) {
    const m = block[field];
    if (m !== undefined && !valueMatches(m, fieldValue(subject, field))) return false;
  }
  for (const [label, m] of Object.entries(block.labels ?? {})) {
    if (!valueMatches(m, subject.labels[label])) return false;
  }
  return true;
}

/** A block that names nothing (it matches every alert). */
export function isEmptyMatch(block: MatchBlock): boolean {
  return MATCH_FIELDS.every((f) => block[f] === undefined) && Object.keys(block.labels ?? {}).length === 0;
}

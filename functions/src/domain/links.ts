// Links on an incident: the alert source's own links, then the link templates
// of config/links.yaml filled in with the incident's service, environment,
// project and labels.
//
// Placeholder syntax (in `url` and `title`): `{service}`, `{environment}`,
// `{project}`, `{source}` and `{labels.NAME}` (the label NAME of the alert).
// In a url every value is URL-encoded (encodeURIComponent); in a title it is
// used as it is. A template with a placeholder that has no value (absent or
// blank) is skipped. Any other `{...}` is a config error.
import { z } from 'zod';
import type { Link } from './types';

/** At most this many links are kept on an incident. */
export const MAX_LINKS = 12;

const PLACEHOLDER = /\{([^{}]*)\}/g;
const FIELDS = ['service', 'environment', 'project', 'source'] as const;
type Field = (typeof FIELDS)[number];

/** Why a placeholder (the text between braces) is not one we know, or null when it is. */
function placeholderProblem(name: string): string | null {
  if ((FIELDS as readonly string[]).includes(name)) return null;
  if (/^labels\.[^\s{}]+$/.test(name)) return null;
  return `unknown placeholder {${name}}: use {service}, {environment}, {project}, {source} or {labels.NAME}`;
}

function checkPlaceholders(text: string, ctx: z.RefinementCtx): void {
  for (const m of text.matchAll(PLACEHOLDER)) {
    const problem = placeholderProblem(m[1] ?? '');
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }
  const stray = text.replace(PLACEHOLDER, '');
  if (/[{}]/.test(stray)) ctx.addIssue({ code: 'custom', message: 'unbalanced { or }' });
}

const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

export const linkTemplateSchema = z
  .object({
    title: z.string().trim().min(1).superRefine(checkPlaceholders),
    url: z
      .string()
      .trim()
      .refine((u) => /^https?:\/\//i.test(u), 'url must start with http:// or https://')
      .superRefine(checkPlaceholders),
    when: z
      .object({
        /** Only for these alert sources (one or a list). */
        source: oneOrMany.optional(),
        /** Only for these environments (one or a list, case-insensitive). */
        environment: oneOrMany.optional(),
        /** Only when every one of these labels is present (and not blank). */
        labels: z.array(z.string().min(1)).optional(),
        /** true: only when the incident has a service; false: only when it has none. */
        service: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const linksConfigSchema = z
  .object({
    links: z.array(linkTemplateSchema).default([]),
  })
  .strict();

export type LinkTemplate = z.output<typeof linkTemplateSchema>;
export type LinksConfig = z.output<typeof linksConfigSchema>;

export interface LinkContext {
  service: string | null;
  environment: string | null;
  /** The Google Cloud project id (GCLOUD_PROJECT), given by the shell. */
  project: string | null;
  source?: string | null;
  labels: Record<string, string>;
}

function valueOf(name: string, ctx: LinkContext): string | null {
  let v: string | null | undefined;
  if (name.startsWith('labels.')) v = ctx.labels[name.slice('labels.'.length)];
  else if ((FIELDS as readonly string[]).includes(name)) v = ctx[name as Field];
  if (v === undefined || v === null || v.trim() === '') return null;
  return v.trim();
}

/** Fills the placeholders of `text`; null when one has no value. */
function fill(text: string, ctx: LinkContext, encode: boolean): string | null {
  let missing = false;
  const out = text.replace(PLACEHOLDER, (_all, name: string) => {
    const v = valueOf(name, ctx);
    if (v === null) {
      missing = true;
      return '';
    }
    return encode ? encodeURIComponent(v) : v;
  });
  return missing ? null : out;
}

function applies(t: LinkTemplate, ctx: LinkContext): boolean {
  const w = t.when;
  if (!w) return true;
  const lower = (s: string | null | undefined) => (s ?? '').trim().toLowerCase();
  if (w.source && !w.source.some((s) => lower(s) === lower(ctx.source))) return false;
  if (w.environment && !w.environment.some((e) => lower(e) === lower(ctx.environment))) return false;
  if (w.labels && !w.labels.every((l) => (ctx.labels[l] ?? '').trim() !== '')) return false;
  if (w.service !== undefined && w.service !== (lower(ctx.service) !== '')) return false;
  return true;
}

/** One template filled in, or null when it does not apply or a placeholder has no value. */
export function renderTemplate(t: LinkTemplate, ctx: LinkContext): Link | null {
  if (!applies(t, ctx)) return null;
  const url = fill(t.url, ctx, true);
  const title = fill(t.title, ctx, false);
  return url === null || title === null ? null : { title, url };
}

/**
 * The incident's links: the source's own links first (generatorURL,
 * dashboardURL, url...), then the templates that apply; only http(s) links,
 * one per URL, at most 12.
 */
export function renderLinks(templates: readonly LinkTemplate[], ctx: LinkContext, sourceLinks: readonly Link[] = []): Link[] {
  const out: Link[] = [];
  const seen = new Set<string>();
  const add = (l: Link | null) => {
    if (!l || out.length >= MAX_LINKS || seen.has(l.url) || !/^https?:\/\//i.test(l.url)) return;
    seen.add(l.url);
    out.push(l);
  };
  sourceLinks.forEach(add);
  for (const t of templates) add(renderTemplate(t, ctx));
  return out;
}

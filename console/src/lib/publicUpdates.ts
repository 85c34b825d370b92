// The console's side of publishing to the status page: what the incident
// document says about its public side (incidents/{id}.statusPage), the form's
// starting values and the update it writes (publish_status, approve_status,
// a resolve's closing message). Pure, so test/unit/console.test.ts checks it.
import { toDate } from './format';

export const COMPONENT_STATUS_OPTIONS = [
  { value: 'operational', label: 'Operational' },
  { value: 'maintenance', label: 'Under maintenance' },
  { value: 'degraded', label: 'Degraded performance' },
  { value: 'partial_outage', label: 'Partial outage' },
  { value: 'major_outage', label: 'Major outage' },
] as const;

export const PHASE_OPTIONS = [
  { value: 'investigating', label: 'Investigating' },
  { value: 'identified', label: 'Identified' },
  { value: 'monitoring', label: 'Monitoring' },
  { value: 'resolved', label: 'Resolved' },
] as const;

export interface ConsoleComponent {
  id: string;
  name: string;
  services: string[];
}

export interface DraftDoc {
  id?: string;
  by?: string;
  at?: unknown;
  message?: string;
  title?: string | null;
  phase?: string;
  componentStatus?: Record<string, string>;
}

/** incidents/{id}.statusPage as the console reads it (every field may be missing on an old document). */
export interface StatusPageDoc {
  firstPublishedAt?: unknown;
  lastPublishedAt?: unknown;
  published?: number;
  title?: string | null;
  message?: string | null;
  phase?: string | null;
  componentStatus?: Record<string, string>;
  nextUpdateDueAt?: unknown;
  draft?: DraftDoc | null;
}

export const isPublished = (s: StatusPageDoc | null | undefined) => (s?.published ?? 0) > 0;

/** The status each component starts with in the form: as last published; for a first update, degraded for the components of the incident's service. */
export function initialStatuses(components: ConsoleComponent[], service: string | null | undefined, s: StatusPageDoc | null | undefined): Record<string, string> {
  if (isPublished(s) || Object.keys(s?.componentStatus ?? {}).length) return { ...(s?.componentStatus ?? {}) };
  const svc = (service ?? '').trim().toLowerCase();
  return Object.fromEntries(components.filter((c) => svc && c.services.some((x) => x.toLowerCase() === svc)).map((c) => [c.id, 'degraded']));
}

/** The phase the form starts with: the current one, or investigating (a new one after a public resolve). */
export const initialPhase = (s: StatusPageDoc | null | undefined) => (s?.phase && s.phase !== 'resolved' ? s.phase : 'investigating');

/** The arguments of the publish_status update: only the components with a status ('' = not affected). */
export function publishArgs(form: { message: string; title: string; phase: string; statuses: Record<string, string> }): { message: string; title?: string; phase: string; componentStatus?: Record<string, string> } {
  const statuses = Object.fromEntries(Object.entries(form.statuses).filter(([, v]) => v));
  return {
    message: form.message.trim(),
    ...(form.title.trim() ? { title: form.title.trim() } : {}),
    phase: form.phase,
    ...(Object.keys(statuses).length ? { componentStatus: statuses } : {}),
  };
}

/** Whether the resolve offers the closing public message: the incident is on the page and not publicly resolved yet. */
export const offersClosingMessage = (s: StatusPageDoc | null | undefined) => isPublished(s) && s?.phase !== 'resolved';

/** Why `me` cannot approve the draft, or null when they can. */
export function approvalBlocked(draft: DraftDoc | null | undefined, me: string, canRespond: boolean): string | null {
  if (!draft) return 'There is no draft.';
  if (!canRespond) return 'Only responders approve drafts.';
  if (draft.by === me) return 'You wrote this draft: another responder approves it.';
  return null;
}

export const statusLabel = (v: string | undefined | null) => COMPONENT_STATUS_OPTIONS.find((o) => o.value === v)?.label ?? v ?? '-';
export const phaseLabel = (v: string | undefined | null) => PHASE_OPTIONS.find((o) => o.value === v)?.label ?? v ?? '-';
export const dueAt = (s: StatusPageDoc | null | undefined) => toDate(s?.nextUpdateDueAt);

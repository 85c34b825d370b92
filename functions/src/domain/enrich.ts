// What an experienced responder looks for first, found for a new incident:
// the runbook and its checklist, the deploys that preceded it, and links to
// its logs, traces and dashboards. The state machine's `open` command
// carries what this finds.
import { deploysBefore } from './deploys';
import { type LinkTemplate, renderLinks } from './links';
import type { Policy } from './policy';
import { checklistFromRunbook, matchRunbook, type Runbook, type RunbookChecklistItem } from './runbooks';
import type { AlertSource, DeployRef, Link, Severity } from './types';

export interface EnrichContext {
  runbooks: readonly Runbook[];
  linkTemplates: readonly LinkTemplate[];
  project: string | null;
  policy: Policy;
}

export interface EnrichSubject {
  source: AlertSource;
  service: string | null;
  environment: string | null;
  severity: Severity;
  alertName: string;
  labels: Record<string, string>;
  links: Link[];
  createdAt: Date;
}

export interface Enrichment {
  runbook: { id: string; title: string } | null;
  checklist: RunbookChecklistItem[];
  deploys: DeployRef[];
  links: Link[];
}

/** The runbook, checklist, preceding deploys (from `deployCandidates`, which the shell queried) and links of a new incident. */
export function enrich(subject: EnrichSubject, deployCandidates: DeployRef[], ctx: EnrichContext): Enrichment {
  const runbook = matchRunbook(ctx.runbooks, {
    service: subject.service,
    environment: subject.environment,
    source: subject.source,
    alertName: subject.alertName,
    severity: subject.severity,
    labels: subject.labels,
  });
  return {
    runbook: runbook ? { id: runbook.id, title: runbook.title } : null,
    checklist: runbook ? checklistFromRunbook(runbook) : [],
    deploys: deploysBefore(subject, deployCandidates, ctx.policy),
    links: renderLinks(ctx.linkTemplates, { service: subject.service, environment: subject.environment, project: ctx.project, source: subject.source, labels: subject.labels }, subject.links),
  };
}

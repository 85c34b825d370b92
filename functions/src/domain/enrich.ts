// What an experienced responder looks for first, attached to a new incident:
// the runbook and its checklist, the deploys that preceded it, and links to
// its logs, traces and dashboards.
import { deploysBefore, deployTimelineMessage } from './deploys';
import { type LinkTemplate, renderLinks } from './links';
import type { Policy } from './policy';
import { checklistFromRunbook, matchRunbook, type Runbook, type RunbookChecklistItem } from './runbooks';
import { type AlertRecord, type DeployRef, type Incident, SYSTEM, type TimelineEntry } from './types';

export interface EnrichContext {
  runbooks: readonly Runbook[];
  linkTemplates: readonly LinkTemplate[];
  project: string | null;
  /** Deploys of the incident's service from the correlation window (the shell queries them). */
  deployCandidates: DeployRef[];
  policy: Policy;
}

export interface Enriched {
  incident: Incident;
  checklist: RunbookChecklistItem[];
  timeline: TimelineEntry[];
}

export function enrichNewIncident(incident: Incident, firstAlert: AlertRecord, ctx: EnrichContext): Enriched {
  const timeline: TimelineEntry[] = [];
  const runbook = matchRunbook(ctx.runbooks, {
    service: incident.service,
    environment: incident.environment,
    source: incident.source,
    alertName: firstAlert.alertName,
    severity: incident.severity,
    labels: firstAlert.labels,
  });
  const checklist = runbook ? checklistFromRunbook(runbook) : [];
  if (runbook) {
    timeline.push({
      at: incident.createdAt,
      type: 'runbook_attached',
      actor: SYSTEM,
      message: `runbook "${runbook.title}" attached (${checklist.length} steps)`,
      data: { runbook: runbook.id },
    });
  }
  const deploys = deploysBefore(incident, ctx.deployCandidates, ctx.policy);
  for (const d of [...deploys].reverse()) {
    timeline.push({
      at: incident.createdAt,
      type: 'deploy_linked',
      actor: SYSTEM,
      message: deployTimelineMessage(d, incident.createdAt),
      data: { deployId: d.id, version: d.version, service: d.service },
    });
  }
  const links = renderLinks(
    ctx.linkTemplates,
    { service: incident.service, environment: incident.environment, project: ctx.project, source: incident.source, labels: firstAlert.labels },
    incident.links,
  );
  return { incident: { ...incident, runbook: runbook?.id ?? null, deploys, links }, checklist, timeline };
}

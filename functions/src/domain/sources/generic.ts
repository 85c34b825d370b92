// The generic JSON shape (contract §3), for senders with no format of their own.
import { parseInstant } from '../instant';
import { z } from 'zod';
import { canonicalJson, stableId } from '../hash';
import { defineSource, labelMap, nonEmpty } from './common';

const schema = z.object({
  title: z.string().trim().min(1, 'title is required'),
  status: z.enum(['firing', 'resolved']).default('firing'),
  service: z.string().nullish(),
  environment: z.string().nullish(),
  severity: z.union([z.string(), z.number().transform(String)]).nullish(),
  description: z.string().nullish(),
  labels: labelMap.default({}),
  links: z.array(z.object({ title: z.string().min(1), url: z.url() })).default([]),
  fingerprint: z.string().min(1).nullish(),
  startsAt: z.union([z.string(), z.number()]).nullish(),
  endsAt: z.union([z.string(), z.number()]).nullish(),
});

export const generic = defineSource({
  name: 'generic',
  schema,
  normalize(p) {
    const service = nonEmpty(p.service);
    const environment = nonEmpty(p.environment);
    const fingerprint =
      p.fingerprint ?? stableId(canonicalJson({ title: p.title, service, environment, labels: p.labels }), 16);
    return [
      {
        source: 'generic',
        fingerprint,
        status: p.status,
        title: p.title,
        service,
        environment,
        severity: nonEmpty(p.severity),
        alertName: p.labels.alertname ?? p.title,
        labels: p.labels,
        startsAt: parseInstant(p.startsAt),
        endsAt: parseInstant(p.endsAt),
        links: p.links,
        description: nonEmpty(p.description),
      },
    ];
  },
});

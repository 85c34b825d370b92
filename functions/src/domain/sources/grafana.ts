// Grafana unified alerting webhook (contract §3): the Alertmanager shape, one
// alert per `alerts[]` entry, plus Grafana's URLs and values.
// https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
//
// Per-alert rules are Alertmanager's (see normalizePromAlert). Fingerprint:
// Grafana's own alert fingerprint (a hash of the labels if an old Grafana
// leaves it out). Links: dashboard, panel, the alert rule (generatorURL),
// silence, and a `runbook_url` annotation, each where present.
import { z } from 'zod';
import { defineSource, links } from './common';
import { normalizePromAlert, promAlertFields } from './alertmanager';

const grafanaAlert = z.object({
  ...promAlertFields,
  silenceURL: z.string().nullish(),
  dashboardURL: z.string().nullish(),
  panelURL: z.string().nullish(),
  imageURL: z.string().nullish(),
  valueString: z.string().nullish(),
});

const schema = z.object({
  version: z.string().nullish(),
  orgId: z.union([z.number(), z.string()]).nullish(),
  state: z.string().nullish(),
  title: z.string().nullish(),
  message: z.string().nullish(),
  externalURL: z.string().nullish(),
  alerts: z.array(grafanaAlert),
});

export const grafana = defineSource({
  name: 'grafana',
  schema,
  normalize(p) {
    return p.alerts.map((a) =>
      normalizePromAlert(
        'grafana',
        a,
        links([
          ['Grafana dashboard', a.dashboardURL],
          ['Grafana panel', a.panelURL],
          ['Grafana alert rule', a.generatorURL],
          ['Silence in Grafana', a.silenceURL],
          ['Runbook', a.annotations.runbook_url],
        ]),
      ),
    );
  },
});

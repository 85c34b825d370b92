// needs: prometheus, alertmanager
// A real sender: Debian's Prometheus fires a rule, Debian's Alertmanager posts
// it to the webhook (HTTP Basic with the token as password, send_resolved),
// and the incident opens and then resolves itself when the rule stops firing.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/lib/run.mjs';
import { afterAll, describe, expect, it } from 'vitest';
import { requireTool } from '../support/tools.mjs';
import { FUNCTIONS, SECRETS, timelineOf, unique, waitFor, waitForIncident } from '../support/emulator';


const children: ChildProcess[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-'));
/** Stops a child and resolves once it has exited (SIGKILL after 10 s): Alertmanager writes its state into `dir` as it stops. */
function stop(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => c.kill('SIGKILL'), 10_000);
    c.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    c.kill('SIGTERM');
  });
}

afterAll(async () => {
  // Removing the directory while they still write to it failed once with ENOTEMPTY.
  await Promise.all(children.map(stop));
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}, 30_000);

function start(bin: string, args: string[], name: string): ChildProcess {
  const log = fs.openSync(path.join(dir, `${name}.log`), 'a');
  const child = spawn(bin, args, { stdio: ['ignore', log, log] });
  children.push(child);
  return child;
}

async function ready(url: string, what: string) {
  await waitFor(async () => (await fetch(url).catch(() => null))?.ok, what, 30_000, 250);
}

const rules = (service: string, firing: boolean) => `groups:
  - name: pipeline-test
    rules:
      - alert: PipelineTestDiskFull
        expr: ${firing ? 'vector(1)' : 'vector(1) unless vector(1)'}
        labels: { severity: critical, service: ${service}, env: production }
        annotations: { summary: "Disk almost full on ${service}", description: "fired by the pipeline's Alertmanager test" }
`;

describe('a real Prometheus and Alertmanager', () => {
  it('fires a rule at the webhook: the incident opens, and resolves itself when the rule stops', { timeout: 240_000 }, async () => {
    const promBin = requireTool('prometheus');
    const amBin = requireTool('alertmanager');
    const [promPort, amPort] = [await freePort(), await freePort()];
    const service = unique('disk');
    fs.writeFileSync(path.join(dir, 'rules.yml'), rules(service, true));
    fs.writeFileSync(path.join(dir, 'alertmanager.yml'), `route:
  receiver: pipeline
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: pipeline
    webhook_configs:
      - url: ${FUNCTIONS}/alertWebhook/alertmanager
        send_resolved: true
        http_config:
          basic_auth: { username: alertmanager, password: ${SECRETS.ALERT_WEBHOOK_TOKEN} }
`);
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), `global: { evaluation_interval: 1s, scrape_interval: 15s }
rule_files: [${path.join(dir, 'rules.yml')}]
alerting:
  alertmanagers: [{ static_configs: [{ targets: ['127.0.0.1:${amPort}'] }] }]
`);
    start(amBin, [`--config.file=${path.join(dir, 'alertmanager.yml')}`, `--storage.path=${path.join(dir, 'am')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address='], 'alertmanager');
    await ready(`http://127.0.0.1:${amPort}/-/ready`, 'Alertmanager');
    start(promBin, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--web.enable-lifecycle', '--rules.alert.resend-delay=2s'], 'prometheus');
    await ready(`http://127.0.0.1:${promPort}/-/ready`, 'Prometheus');

    const incident = await waitForIncident(service, () => true, 90_000);
    expect(incident).toMatchObject({ source: 'alertmanager', status: 'triggered', severity: 'SEV1', environment: 'production', title: `Disk almost full on ${service}` });

    // The rule stops firing: Prometheus resolves the alert, Alertmanager sends the resolved notification.
    fs.writeFileSync(path.join(dir, 'rules.yml'), rules(service, false));
    const reload = await fetch(`http://127.0.0.1:${promPort}/-/reload`, { method: 'POST' });
    expect(reload.ok).toBe(true);
    const resolved = await waitForIncident(service, (i) => i.status === 'resolved', 120_000);
    expect(resolved.id).toBe(incident.id);
    expect(resolved.firingCount).toBe(0);
    const timeline = await timelineOf(incident.id);
    expect(timeline.some((e) => e.type === 'auto_resolved')).toBe(true);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LinkContext, linksConfigSchema, type LinkTemplate, MAX_LINKS, renderLinks, renderTemplate } from '../../functions/src/domain/links';
import { parseYaml, parseYamlOrThrow } from '../../functions/src/domain/yamlConfig';
import { ROOT } from '../support/config';

const shipped = parseYamlOrThrow(fs.readFileSync(path.join(ROOT, 'config', 'links.yaml'), 'utf8'), linksConfigSchema, 'config/links.yaml').links;

const ctx = (extra: Partial<LinkContext> = {}): LinkContext => ({
  service: 'checkout',
  environment: 'prod',
  project: 'acme-prod',
  source: 'alertmanager',
  labels: {},
  ...extra,
});

const tpl = (url: string, extra: Partial<LinkTemplate> = {}): LinkTemplate => ({ title: 't', url, ...extra });

describe('config/links.yaml', () => {
  it('parses, and ships Cloud Logging, Cloud Trace, Datadog APM and Cloud Run templates', () => {
    expect(shipped.map((t) => t.url)).toEqual([
      'https://console.cloud.google.com/logs/query;query=resource.labels.service_name%3D%22{service}%22?project={project}',
      'https://console.cloud.google.com/traces/list?project={project}&tid={labels.trace_id}',
      'https://app.datadoghq.com/apm/services/{service}',
      'https://console.cloud.google.com/run/detail/{labels.location}/{service}/metrics?project={project}',
    ]);
  });

  it('without a trace_id label: logs and APM only (the trace and Cloud Run templates are skipped)', () => {
    expect(renderLinks(shipped, ctx(), [])).toEqual([
      {
        title: 'Logs: checkout',
        url: 'https://console.cloud.google.com/logs/query;query=resource.labels.service_name%3D%22checkout%22?project=acme-prod',
      },
      { title: 'Datadog APM: checkout', url: 'https://app.datadoghq.com/apm/services/checkout' },
    ]);
  });

  it('with trace_id and location labels: all four', () => {
    const links = renderLinks(shipped, ctx({ labels: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', location: 'us-central1' } }), []);
    expect(links.map((l) => l.url)).toEqual([
      'https://console.cloud.google.com/logs/query;query=resource.labels.service_name%3D%22checkout%22?project=acme-prod',
      'https://console.cloud.google.com/traces/list?project=acme-prod&tid=4bf92f3577b34da6a3ce929d0e0e4736',
      'https://app.datadoghq.com/apm/services/checkout',
      'https://console.cloud.google.com/run/detail/us-central1/checkout/metrics?project=acme-prod',
    ]);
    expect(links[1]?.title).toBe('Trace 4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('without a service or a project, the templates that need them are skipped', () => {
    expect(renderLinks(shipped, ctx({ service: null, labels: { trace_id: 'abc' } }), []).map((l) => l.title)).toEqual(['Trace abc']);
    expect(renderLinks(shipped, ctx({ project: null, labels: { trace_id: 'abc' } }), []).map((l) => l.title)).toEqual(['Datadog APM: checkout']);
  });
});

describe('renderTemplate', () => {
  it('URL-encodes values in the url, keeps them as they are in the title', () => {
    const t: LinkTemplate = { title: 'Logs of {service} ({labels.query})', url: 'https://logs.example.com/{service}?q={labels.query}&env={environment}' };
    expect(renderTemplate(t, ctx({ service: 'checkout api/v2', labels: { query: 'a&b=c #1' }, environment: 'prod eu' }))).toEqual({
      title: 'Logs of checkout api/v2 (a&b=c #1)',
      url: 'https://logs.example.com/checkout%20api%2Fv2?q=a%26b%3Dc%20%231&env=prod%20eu',
    });
  });

  it('skips a template whose placeholder has no value, or only blanks', () => {
    expect(renderTemplate(tpl('https://x.example/{labels.trace_id}'), ctx())).toBeNull();
    expect(renderTemplate(tpl('https://x.example/{labels.trace_id}'), ctx({ labels: { trace_id: '  ' } }))).toBeNull();
    expect(renderTemplate(tpl('https://x.example/{environment}'), ctx({ environment: null }))).toBeNull();
    expect(renderTemplate(tpl('https://x.example/{source}'), ctx())).toEqual({ title: 't', url: 'https://x.example/alertmanager' });
  });

  it('when: source, environment, labels, service', () => {
    const onlyDatadog = tpl('https://x.example/a', { when: { source: ['datadog'] } });
    expect(renderTemplate(onlyDatadog, ctx())).toBeNull();
    expect(renderTemplate(onlyDatadog, ctx({ source: 'datadog' }))).not.toBeNull();

    const onlyProd = tpl('https://x.example/b', { when: { environment: ['prod', 'production'] } });
    expect(renderTemplate(onlyProd, ctx({ environment: 'Production' }))).not.toBeNull();
    expect(renderTemplate(onlyProd, ctx({ environment: 'staging' }))).toBeNull();

    const needsLabels = tpl('https://x.example/c', { when: { labels: ['pod', 'namespace'] } });
    expect(renderTemplate(needsLabels, ctx({ labels: { pod: 'p' } }))).toBeNull();
    expect(renderTemplate(needsLabels, ctx({ labels: { pod: 'p', namespace: 'n' } }))).not.toBeNull();

    const withService = tpl('https://x.example/d', { when: { service: true } });
    const withoutService = tpl('https://x.example/e', { when: { service: false } });
    expect(renderTemplate(withService, ctx({ service: null }))).toBeNull();
    expect(renderTemplate(withoutService, ctx({ service: null }))).not.toBeNull();
    expect(renderTemplate(withoutService, ctx())).toBeNull();
  });
});

describe('renderLinks', () => {
  const source = [
    { title: 'Alertmanager', url: 'http://alertmanager.example/#/alerts?receiver=x' },
    { title: 'Grafana dashboard', url: 'https://grafana.example/d/abc' },
  ];

  it("puts the source's own links first, then the templates", () => {
    const links = renderLinks([tpl('https://app.datadoghq.com/apm/services/{service}', { title: 'APM' })], ctx(), source);
    expect(links).toEqual([...source, { title: 'APM', url: 'https://app.datadoghq.com/apm/services/checkout' }]);
  });

  it('one link per URL: the first one wins', () => {
    const links = renderLinks([tpl('https://grafana.example/d/abc', { title: 'Again' }), tpl('https://x.example/{service}'), tpl('https://x.example/checkout')], ctx(), [
      ...source,
      { title: 'dup', url: 'https://grafana.example/d/abc' },
    ]);
    expect(links.map((l) => l.title)).toEqual(['Alertmanager', 'Grafana dashboard', 't']);
  });

  it('at most 12', () => {
    const many = Array.from({ length: 20 }, (_, i) => tpl(`https://x.example/${i}/{service}`));
    const links = renderLinks(many, ctx(), source);
    expect(links).toHaveLength(MAX_LINKS);
    expect(links[0]).toEqual(source[0]);
    expect(links[11]?.url).toBe('https://x.example/9/checkout');
  });

  it('drops source links that are not http(s)', () => {
    expect(renderLinks([], ctx(), [{ title: 'bad', url: 'javascript:alert(1)' }])).toEqual([]);
  });
});

describe('links config validation', () => {
  it('rejects an unknown placeholder, with the file and line', () => {
    const r = parseYaml('links:\n  - title: Logs\n    url: "https://x.example/{servce}"\n', linksConfigSchema, 'config/links.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]).toMatchObject({ file: 'config/links.yaml', line: 3, path: 'links.0.url' });
    expect(r.issues[0]?.message).toContain('{servce}');
  });

  it('rejects a url that is not http(s), an unbalanced brace and an unknown key', () => {
    const bad = (yaml: string) => {
      const r = parseYaml(yaml, linksConfigSchema, 'links.yaml');
      return r.ok ? [] : r.issues.map((i) => i.path);
    };
    expect(bad('links:\n  - {title: a, url: "ftp://x/{service}"}\n')).toEqual(['links.0.url']);
    expect(bad('links:\n  - {title: a, url: "https://x/{service"}\n')).toEqual(['links.0.url']);
    expect(bad('links:\n  - {title: a, url: "https://x/", when: {label: [a]}}\n')).toEqual(['links.0.when']);
  });

  it('an empty file is no templates', () => {
    expect(parseYamlOrThrow('', linksConfigSchema, 'links.yaml')).toEqual({ links: [] });
  });
});

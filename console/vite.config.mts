// The responder console and the public status page: `npm run build:console` →
// console/dist (served by Firebase Hosting; index.html is the console,
// status.html the page at /status), `npm run dev:console` for a dev server.
// Run from the repository root (npm scripts do).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { parse } from 'yaml';
import { createRequire } from 'node:module';
import type { OncallConfig } from '../functions/src/domain/oncall';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The names in config/status.yaml, for the page to show before anything is
 * published. `npm run build` validates the file (the functions' zod schema,
 * errors with file:line) before it builds the console; this only reads it.
 */
function statusConfig(): { title: string; components: { id: string; name: string; description: string | null; services: string[] }[] } {
  const file = path.join(here, '..', 'config', 'status.yaml');
  const doc = (fs.existsSync(file) ? parse(fs.readFileSync(file, 'utf8')) : null) as { title?: unknown; components?: unknown } | null;
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  const components = (Array.isArray(doc?.components) ? doc.components : []) as Record<string, unknown>[];
  return {
    title: text(doc?.title) ?? 'System status',
    components: components.flatMap((c) =>
      text(c?.id)
        ? [{ id: String(c.id), name: text(c.name) ?? String(c.id), description: text(c.description), services: (Array.isArray(c.services) ? c.services : []).flatMap((x) => (text(x) ? [String(x).trim()] : [])) }]
        : [],
    ),
  };
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Writes the page title and the component names into status.html, so the first paint shows them before any script runs. */
function statusPageShell(config: ReturnType<typeof statusConfig>): Plugin {
  return {
    name: 'status-page-shell',
    transformIndexHtml(html, ctx) {
      if (!ctx.filename.endsWith('status.html')) return html;
      const items = config.components
        .map((c) => `<li class="component" data-component="${escapeHtml(c.id)}"><div class="component-head"><h3>${escapeHtml(c.name)}</h3></div>${c.description ? `<p class="description">${escapeHtml(c.description)}</p>` : ''}</li>`)
        .join('');
      return html.replaceAll('<!--status-title-->', escapeHtml(config.title)).replace('<!--status-components-->', items);
    },
  };
}

const status = statusConfig();
const oncall = await oncallConfig();

/**
 * config/oncall.yaml parsed with the functions' own schema (npm run build has
 * validated it with file:line errors before it builds the console): the
 * console computes who is on call, and the next shifts, in the browser.
 */
async function oncallConfig(): Promise<OncallConfig> {
  const file = path.join(here, '..', 'config', 'oncall.yaml');
  // The compiled functions (npm run build compiles them first); from source when they are not built (npm run dev:console).
  const lib = path.join(here, '..', 'lib', 'functions', 'src', 'domain');
  const load = async <T,>(name: string): Promise<T> =>
    fs.existsSync(path.join(lib, `${name}.js`)) ? (createRequire(import.meta.url)(path.join(lib, `${name}.js`)) as T) : ((await import(/* @vite-ignore */ path.join(here, '..', 'functions', 'src', 'domain', `${name}.ts`))) as T);
  const { NO_ONCALL, oncallConfigSchema } = await load<typeof import('../functions/src/domain/oncall')>('oncall');
  const { parseYamlOrThrow } = await load<typeof import('../functions/src/domain/yamlConfig')>('yamlConfig');
  return fs.existsSync(file) ? parseYamlOrThrow(fs.readFileSync(file, 'utf8'), oncallConfigSchema, 'config/oncall.yaml') : NO_ONCALL;
}

export default defineConfig({
  root: 'console',
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  define: {
    // The public page gets names only: the services each component covers are internal, so only the console's bundle has them.
    __STATUS_CONFIG__: JSON.stringify({ title: status.title, components: status.components.map(({ services: _services, ...c }) => c) }),
    __STATUS_COMPONENTS__: JSON.stringify(status.components.map(({ id, name, services }) => ({ id, name, services }))),
    __ONCALL_CONFIG__: JSON.stringify(oncall),
  },
  plugins: [statusPageShell(status)],
  resolve: {
    // Firestore's Pipeline regex engine, unused here (see src/stubs/re2js.ts): saves ~146 kB.
    alias: [{ find: /^re2js$/, replacement: '/src/stubs/re2js.ts' }],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
    // The Firebase SDK (Auth + Firestore with live queries) is most of the console's bundle.
    chunkSizeWarningLimit: 700,
    // Two pages: the console, and the status page, which shares no code with it but the emulator helpers.
    rolldownOptions: { input: { main: path.join(here, 'index.html'), status: path.join(here, 'status.html') } },
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: false },
});

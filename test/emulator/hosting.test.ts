// The console on the Hosting emulator carries the security headers of
// firebase.json (the same file Hosting serves in production).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const HOSTING = `http://127.0.0.1:${process.env.HOSTING_PORT ?? '5000'}`;

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((p) => p[0]).map(([name, ...values]) => [name as string, values]));
}

describe('Hosting security headers', () => {
  const asset = () => {
    const dir = path.join(ROOT, 'console', 'dist', 'assets');
    const js = fs.readdirSync(dir).find((f) => f.endsWith('.js'));
    if (!js) throw new Error('console/dist has no built script: npm run build:console');
    return `/assets/${js}`;
  };

  for (const route of ['/', '/incidents/some-id', '/status', 'asset']) {
    it(`${route === 'asset' ? 'a built script' : route} is served with a CSP that forbids framing, nosniff and a referrer policy`, async () => {
      const res = await fetch(`${HOSTING}${route === 'asset' ? asset() : route}`);
      expect(res.status).toBe(200);
      const csp = directives(res.headers.get('content-security-policy') ?? '');
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('default-src')).toEqual(["'self'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('script-src')?.includes("'unsafe-inline'")).toBe(false);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    });
  }
});

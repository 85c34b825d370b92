// What a real secret looks like. A secret left at a value published in this
// repository (the local defaults `local-…` in .secret.local.example, the test
// values `test-…`) or too short to be a real token must not guard production.

export const PUBLISHED_PREFIXES = ['local-', 'test-'] as const;

/** Why `value` cannot be the production value of secret `name`, or null when it can. */
export function secretProblem(name: string, value: string, minLength: number): string | null {
  const v = value.trim();
  const prefix = PUBLISHED_PREFIXES.find((p) => v.toLowerCase().startsWith(p));
  if (prefix) return `${name} is still a published local default (it starts with "${prefix}"): set a real value with \`firebase functions:secrets:set ${name}\``;
  if (v.length < minLength) return `${name} is ${v.length} characters long, too short to be a real secret (at least ${minLength}): set a real value with \`firebase functions:secrets:set ${name}\``;
  return null;
}

/** Whether a URL points at this machine (fine on the emulator, wrong in production). */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1' || host === '0.0.0.0';
  } catch {
    return false;
  }
}

// Hash routes: #/incidents, #/incidents/<id>, #/postmortems/<id>, #/insights, #/oncall, #/profile, #/drills, #/silences (?incident=<id> prefills the form).

export type Route =
  | { page: 'incidents'; query: Record<string, string> }
  | { page: 'incident'; id: string }
  | { page: 'postmortem'; id: string }
  | { page: 'insights'; query: Record<string, string> }
  | { page: 'oncall' }
  | { page: 'profile' }
  | { page: 'drills'; query: Record<string, string> }
  | { page: 'silences'; query: Record<string, string> }
  | { page: 'notFound'; path: string };

function queryOf(qs: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(qs)) out[k] = v;
  return out;
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [pathPart = '', qs = ''] = raw.split('?', 2);
  const parts = pathPart.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const query = queryOf(qs);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'incidents')) return { page: 'incidents', query };
  if (parts.length === 2 && parts[0] === 'incidents' && parts[1]) return { page: 'incident', id: parts[1] };
  if (parts.length === 2 && parts[0] === 'postmortems' && parts[1]) return { page: 'postmortem', id: parts[1] };
  if (parts.length === 1 && parts[0] === 'insights') return { page: 'insights', query };
  if (parts.length === 1 && parts[0] === 'oncall') return { page: 'oncall' };
  if (parts.length === 1 && parts[0] === 'profile') return { page: 'profile' };
  if (parts.length === 1 && parts[0] === 'drills') return { page: 'drills', query };
  if (parts.length === 1 && parts[0] === 'silences') return { page: 'silences', query };
  return { page: 'notFound', path: pathPart };
}

/** The hash of a route, query keys with empty values left out. */
export function hrefOf(route: Route): string {
  const qs = (q: Record<string, string>) => {
    const p = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== ''));
    const s = p.toString();
    return s ? `?${s}` : '';
  };
  switch (route.page) {
    case 'incidents':
      return `#/incidents${qs(route.query)}`;
    case 'incident':
      return `#/incidents/${encodeURIComponent(route.id)}`;
    case 'postmortem':
      return `#/postmortems/${encodeURIComponent(route.id)}`;
    case 'insights':
      return `#/insights${qs(route.query)}`;
    case 'oncall':
      return '#/oncall';
    case 'profile':
      return '#/profile';
    case 'drills':
      return `#/drills${qs(route.query)}`;
    case 'silences':
      return `#/silences${qs(route.query)}`;
    case 'notFound':
      return `#/${route.path}`;
  }
}

import { useMemo } from 'preact/hooks';
import { collection, limit, orderBy, query } from 'firebase/firestore';
import { SEVERITIES } from '../../../functions/src/domain/types';
import { Empty, ErrorNote, SevBadge, StatusBadge } from '../components/ui';
import { useNow, useQuery, useSession } from '../hooks';
import { actorLabel, formatAge, formatDateTime, toDate } from '../lib/format';
import { filterFromQuery, filterIncidents, filterToQuery, type IncidentFilter, type IncidentRow, servicesOf, STATUS_FILTERS } from '../lib/incidents';
import { hrefOf } from '../lib/route';

/** How many of the newest incidents the list follows live. */
const LIMIT = 500;

export function IncidentList({ query: q }: { query: Record<string, string> }) {
  const session = useSession();
  const now = useNow(5000);
  const filter = filterFromQuery(q);
  const live = useQuery<IncidentRow>(query(collection(session.db, 'incidents'), orderBy('createdAt', 'desc'), limit(LIMIT)), 'incidents');
  const services = useMemo(() => servicesOf(live.data), [live.data]);
  const { incidents, drills } = useMemo(() => filterIncidents(live.data, filter), [live.data, filter.status, filter.severity, filter.service]);

  const setFilter = (patch: Partial<IncidentFilter>) => {
    location.hash = hrefOf({ page: 'incidents', query: filterToQuery({ ...filter, ...patch }) });
  };

  return (
    <>
      <div class="pagehead">
        <h1>Incidents</h1>
        <span class="muted" aria-live="polite">
          {live.loading ? 'Loading…' : `${incidents.length} shown of ${live.data.filter((i) => !i.drill).length} (live)`}
        </span>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <div class="field">
          <label for="filter-status">Status</label>
          <select id="filter-status" value={filter.status} onChange={(e) => setFilter({ status: e.currentTarget.value as IncidentFilter['status'] })}>
            {STATUS_FILTERS.map((s) => (
              <option key={s} value={s}>
                {s === 'open' ? 'open (triggered, acknowledged, mitigated)' : s}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-sev">SEV</label>
          <select id="filter-sev" value={filter.severity} onChange={(e) => setFilter({ severity: e.currentTarget.value as IncidentFilter['severity'] })}>
            <option value="all">all</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-service">Service</label>
          <select id="filter-service" value={filter.service} onChange={(e) => setFilter({ service: e.currentTarget.value })}>
            <option value="">all</option>
            {[...new Set([...services, ...(filter.service ? [filter.service] : [])])].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
      </form>
      <ErrorNote error={live.error} />
      <section class="card" aria-labelledby="h-incidents">
        <h2 id="h-incidents" class="sr-only">
          Incidents
        </h2>
        {!live.loading && incidents.length === 0 ? (
          <Empty>No incident matches these filters{filter.status === 'open' ? ': nothing is open right now' : ''}.</Empty>
        ) : (
          <IncidentTable rows={incidents} now={now} me={session.user.uid} label="Incidents" />
        )}
      </section>
      <section class="card drills" aria-labelledby="h-drills">
        <h2 id="h-drills">Drills</h2>
        <p class="muted">Practice incidents from game days: they page nobody and count in no insight.</p>
        {drills.length === 0 ? <Empty>No drill matches these filters.</Empty> : <IncidentTable rows={drills} now={now} me={session.user.uid} label="Drills" />}
      </section>
    </>
  );
}

function IncidentTable({ rows, now, me, label }: { rows: IncidentRow[]; now: number; me: string; label: string }) {
  return (
    <table class="list" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">SEV</th>
          <th scope="col">Status</th>
          <th scope="col">Title</th>
          <th scope="col">Service</th>
          <th scope="col">Env</th>
          <th scope="col">Age</th>
          <th scope="col">Last change</th>
          <th scope="col">Commander</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((i) => {
          const created = toDate(i.createdAt);
          const updated = toDate(i.updatedAt);
          return (
            <tr key={i.id} class={`row-${i.status ?? ''}`}>
              <td>
                <SevBadge sev={i.severity} />
              </td>
              <td>
                <StatusBadge status={i.status} />
              </td>
              <td>
                <a href={hrefOf({ page: 'incident', id: i.id })}>{i.title || i.id}</a>
              </td>
              <td>{i.service ?? '-'}</td>
              <td>{i.environment ?? '-'}</td>
              <td title={created ? `opened ${formatDateTime(created)}` : undefined}>{created ? formatAge(now - created.getTime()) : '-'}</td>
              <td title={updated ? `last change ${formatDateTime(updated)}` : undefined}>{updated ? `${formatAge(now - updated.getTime())} ago` : '-'}</td>
              <td>{i.commander ? actorLabel(i.commander, me) : '-'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

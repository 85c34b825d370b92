import type { ComponentChildren } from 'preact';
import { describeUpdate, type UpdateState } from '../updates';

/** The answer to an update, next to the control that sent it (read out by screen readers). */
export function Result({ state, id }: { state: UpdateState | undefined; id?: string }) {
  const cls = state ? `result result-${state.state}` : 'result';
  return (
    <span class={cls} role="status" aria-live="polite" id={id}>
      {describeUpdate(state)}
    </span>
  );
}

export function SevBadge({ sev }: { sev: string | undefined }) {
  return <span class={`badge sev sev-${(sev ?? '').toLowerCase()}`}>{sev ?? '?'}</span>;
}

export function StatusBadge({ status, testId }: { status: string | undefined; testId?: string }) {
  return (
    <span class={`badge status status-${status ?? 'unknown'}`} data-testid={testId}>
      {status ?? 'unknown'}
    </span>
  );
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  const headingId = `h-${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section class="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {children}
    </section>
  );
}

export function ErrorNote({ error }: { error: string | null }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** The tooltip of a control a viewer cannot use. */
export const VIEWER_TITLE = 'Your role is viewer: you can read incidents but not change them. Ask an admin for the responder role.';

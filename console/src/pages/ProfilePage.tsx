import { useEffect, useState } from 'preact/hooks';
import { doc, serverTimestamp, setDoc } from 'firebase/firestore';
import { durationText } from '../../../functions/src/domain/duration';
import { CHANNELS, MAX_NOTIFY_STEPS, parseUserProfile, type ProfileIssue } from '../../../functions/src/domain/notificationRules';
import { ErrorNote, Section } from '../components/ui';
import { useDoc, useSession } from '../hooks';
import { explainError } from '../lib/format';
import type { UserRow } from '../lib/people';

interface Step {
  channel: string;
  after: string;
}

const CHANNEL_WORDS: Record<string, string> = { slack: 'Slack DM', email: 'Email', sms: 'SMS', voice: 'Voice call', push: 'Web push (not available yet)' };

/**
 * users/{uid}: how the pipeline reaches you when you are paged. Validated with
 * the pipeline's own schema before it is written (the rules check it too).
 */
export function ProfilePage() {
  const session = useSession();
  const uid = session.user.uid;
  const live = useDoc<Omit<UserRow, 'id'>>(doc(session.db, 'users', uid), `users/${uid}`);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [phone, setPhone] = useState('');
  const [slackUserId, setSlackUserId] = useState('');
  const [steps, setSteps] = useState<Step[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [issues, setIssues] = useState<ProfileIssue[]>([]);
  const [state, setState] = useState<{ kind: 'idle' | 'saving' | 'saved' | 'error'; text?: string }>({ kind: 'idle' });

  // The fields stay disabled until the stored profile is in them: typing earlier would be overwritten.
  useEffect(() => {
    if (live.loading || loaded) return;
    const d = live.data;
    setName(d?.name ?? session.user.displayName ?? '');
    setEmail(d?.email ?? session.user.email ?? '');
    setPhone(d?.phone ?? '');
    setSlackUserId(d?.slackUserId ?? '');
    setSteps((d?.notify ?? [{ channel: 'slack', after: '0m' }, { channel: 'email', after: '0m' }]).map((s) => ({ channel: s.channel ?? 'email', after: s.after ?? '0m' })));
    setLoaded(true);
  }, [live.loading]);

  const setStep = (i: number, patch: Partial<Step>) => setSteps(steps.map((s, n) => (n === i ? { ...s, ...patch } : s)));

  async function save(e: Event) {
    e.preventDefault();
    const draft = { name, email, phone, slackUserId, notify: steps.map((s) => ({ channel: s.channel, after: s.after.trim() || '0m' })) };
    const parsed = parseUserProfile(uid, draft);
    if (!parsed.ok) {
      setIssues(parsed.issues);
      setState({ kind: 'error', text: 'Not saved: fix the fields marked below.' });
      return;
    }
    setIssues([]);
    setState({ kind: 'saving' });
    const u = parsed.user;
    try {
      // The whole document: a field left empty is removed.
      await setDoc(doc(session.db, 'users', uid), {
        ...(u.name ? { name: u.name } : {}),
        ...(u.email ? { email: u.email } : {}),
        ...(u.phone ? { phone: u.phone } : {}),
        ...(u.slackUserId ? { slackUserId: u.slackUserId } : {}),
        ...(steps.length ? { notify: u.notify.map((r) => ({ channel: r.channel, after: durationText(r.afterSeconds) })) } : {}),
        updatedAt: serverTimestamp(),
      });
      setPhone(u.phone ?? '');
      setEmail(u.email ?? '');
      setState({ kind: 'saved', text: 'Saved' });
    } catch (err) {
      setState({ kind: 'error', text: explainError(err) });
    }
  }

  const issue = (path: string) => issues.filter((i) => i.path === path || i.path.startsWith(`${path}.`)).map((i) => i.message).join('; ');
  const field = (id: string, label: string, value: string, set: (v: string) => void, type: 'text' | 'email' | 'tel', hint: string, path: string) => (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type={type as 'text'} value={value} disabled={!loaded} onInput={(e) => set(e.currentTarget.value)} aria-describedby={`${id}-hint`} aria-invalid={issue(path) ? 'true' : undefined} />
      <span id={`${id}-hint`} class={issue(path) ? 'error small' : 'muted small'}>
        {issue(path) || hint}
      </span>
    </div>
  );

  return (
    <>
      <div class="pagehead">
        <h1>Your profile</h1>
        <span class="muted">How you are reached when you are paged</span>
      </div>
      <ErrorNote error={live.error} />
      <form onSubmit={(e) => void save(e)} class="stack" aria-label="Profile">
        <Section title="Contact methods" id="contact">
          <div class="stack">
            {field('profile-name', 'Name', name, setName, 'text', 'Shown to your team (commander, on-call pages)', 'name')}
            {field('profile-email', 'Email', email, setEmail, 'email', 'Email pages, and Slack finds you by it', 'email')}
            {field('profile-phone', 'Phone', phone, setPhone, 'tel', 'E.164: + then the country code and number, e.g. +33612345678', 'phone')}
            {field('profile-slack', 'Slack user id', slackUserId, setSlackUserId, 'text', 'U0123ABC (Slack: your profile, ⋮, Copy member ID); empty: found by email', 'slackUserId')}
          </div>
        </Section>
        <Section title="Notification rules" id="notify">
          <p class="muted">When you are paged, each step goes out after its delay; steps with the same delay go together. If every channel of a step fails, the next step goes at once. Until someone acknowledges.</p>
          <ol class="steps" aria-label="Notification steps">
            {steps.map((s, i) => (
              <li key={i} class="inline">
                <div class="field">
                  <label for={`step-${i}-channel`}>Channel</label>
                  <select id={`step-${i}-channel`} value={s.channel} disabled={!loaded} onChange={(e) => setStep(i, { channel: e.currentTarget.value })}>
                    {CHANNELS.map((c) => (
                      <option key={c} value={c}>
                        {CHANNEL_WORDS[c] ?? c}
                      </option>
                    ))}
                  </select>
                </div>
                <div class="field">
                  <label for={`step-${i}-after`}>After</label>
                  <input id={`step-${i}-after`} type="text" size={6} value={s.after} disabled={!loaded} onInput={(e) => setStep(i, { after: e.currentTarget.value })} aria-invalid={issue(`notify.${i}`) ? 'true' : undefined} />
                </div>
                <button type="button" onClick={() => setSteps(steps.filter((_, n) => n !== i))} aria-label={`Remove step ${i + 1}`}>
                  Remove
                </button>
                {issue(`notify.${i}`) && <span class="error small">{issue(`notify.${i}`)}</span>}
              </li>
            ))}
          </ol>
          <button type="button" disabled={!loaded || steps.length >= MAX_NOTIFY_STEPS} onClick={() => setSteps([...steps, { channel: 'sms', after: '5m' }])}>
            Add step
          </button>
          <p class="muted small">Delays: 0m, 30s, 5m, 1h… (at most 24h). No steps: Slack and email at once.</p>
        </Section>
        <div class="inline">
          <button type="submit" class="primary" disabled={!loaded || state.kind === 'saving'}>
            Save profile
          </button>
          <span class={`result ${state.kind === 'error' ? 'result-error' : state.kind === 'saved' ? 'result-ok' : ''}`} role="status" aria-live="polite">
            {state.text ?? ''}
          </span>
        </div>
      </form>
    </>
  );
}

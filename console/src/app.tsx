import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  browserPopupRedirectResolver,
  GoogleAuthProvider,
  onIdTokenChanged,
  signInWithEmailAndPassword,
  signInWithPopup,
  signOut,
  type User,
} from 'firebase/auth';
import type { Services } from './firebase';
import { ROLES, type Role, type Session, SessionContext, useRoute } from './hooks';
import { explainError } from './lib/format';
import { hrefOf, type Route } from './lib/route';
import { IncidentList } from './pages/IncidentList';
import { IncidentPage } from './pages/IncidentPage';
import { DrillsPage } from './pages/DrillsPage';
import { InsightsPage } from './pages/InsightsPage';

import { PostmortemPage } from './pages/PostmortemPage';
import { SilencesPage } from './pages/SilencesPage';

type AuthState = { phase: 'loading' } | { phase: 'signedOut' } | { phase: 'signedIn'; user: User; role: Role | null; claim: unknown };

async function roleOf(user: User, refresh = false): Promise<{ role: Role | null; claim: unknown }> {
  const token = await user.getIdTokenResult(refresh);
  const claim = token.claims.role;
  return { role: ROLES.includes(claim as Role) ? (claim as Role) : null, claim };
}

export function App({ services }: { services: Services }) {
  const [auth, setAuth] = useState<AuthState>({ phase: 'loading' });
  const route = useRoute();

  useEffect(
    () =>
      onIdTokenChanged(services.auth, async (user) => {
        if (!user) return setAuth({ phase: 'signedOut' });
        try {
          const { role, claim } = await roleOf(user);
          setAuth({ phase: 'signedIn', user, role, claim });
        } catch {
          setAuth({ phase: 'signedIn', user, role: null, claim: undefined });
        }
      }),
    [],
  );

  const header = (
    <Header
      services={services}
      route={route}
      user={auth.phase === 'signedIn' ? auth.user : null}
      role={auth.phase === 'signedIn' ? auth.role : null}
    />
  );

  if (auth.phase === 'loading') {
    return (
      <>
        {header}
        <main>
          <p class="empty">Loading…</p>
        </main>
      </>
    );
  }
  if (auth.phase === 'signedOut') {
    return (
      <>
        {header}
        <main>
          <SignIn services={services} />
        </main>
      </>
    );
  }
  if (!auth.role) {
    return (
      <>
        {header}
        <main>
          <NoRole services={services} user={auth.user} claim={auth.claim} onRole={(r) => setAuth({ ...auth, role: r.role, claim: r.claim })} />
        </main>
      </>
    );
  }
  const session: Session = { ...services, user: auth.user, role: auth.role, canRespond: auth.role === 'responder' || auth.role === 'admin' };
  return (
    <SessionContext.Provider value={session}>
      {header}
      <main>
        <Page route={route} />
      </main>
    </SessionContext.Provider>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'incidents':
      return <IncidentList query={route.query} />;
    case 'incident':
      return <IncidentPage key={route.id} id={route.id} />;
    case 'postmortem':
      return <PostmortemPage key={route.id} id={route.id} />;
    case 'insights':
      return <InsightsPage query={route.query} />;
    case 'oncall':
    case 'profile':
      return <LazyPage name={route.page} />;
    case 'drills':
      return <DrillsPage query={route.query} />;
    case 'silences':
      return <SilencesPage query={route.query} />;
    case 'notFound':
      return (
        <section class="card">
          <h1>Not found</h1>
          <p>
            There is no page at <code>#/{route.path}</code>. <a href="#/incidents">Go to the incidents</a>.
          </p>
        </section>
      );
  }
}

/** Pages loaded on first use: on call and the profile carry the schedule logic and the profile schema, which the other pages do not need. */
const LAZY: Record<'oncall' | 'profile', () => Promise<ComponentType>> = {
  oncall: () => import('./pages/OncallPage').then((m) => m.OncallPage),
  profile: () => import('./pages/ProfilePage').then((m) => m.ProfilePage),
};

function LazyPage({ name }: { name: keyof typeof LAZY }) {
  const [page, setPage] = useState<{ name: string; C: ComponentType } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    LAZY[name]().then(
      (C) => live && setPage({ name, C }),
      (e: unknown) => live && setError(explainError(e)),
    );
    return () => {
      live = false;
    };
  }, [name]);
  if (error) return <p class="error" role="alert">Could not load this page: {error}</p>;
  if (!page || page.name !== name) return <p class="empty">Loading…</p>;
  const C = page.C;
  return <C />;
}

function Header({ services, route, user, role }: { services: Services; route: Route; user: User | null; role: Role | null }) {
  const current = (page: string) => (route.page === page || (page === 'incidents' && route.page === 'incident') ? 'page' : undefined);
  return (
    <header class="topbar">
      <a class="brand" href="#/incidents">
        Incident console
      </a>
      {user && role && (
        <nav aria-label="Main">
          <a href={hrefOf({ page: 'incidents', query: {} })} aria-current={current('incidents')}>
            Incidents
          </a>
          <a href={hrefOf({ page: 'insights', query: {} })} aria-current={current('insights')}>
            Insights
          </a>
          <a href={hrefOf({ page: 'oncall' })} aria-current={current('oncall')}>
            On call
          </a>
          <a href={hrefOf({ page: 'profile' })} aria-current={current('profile')}>
            Profile
          </a>
          <a href={hrefOf({ page: 'drills', query: {} })} aria-current={current('drills')}>
            Drills
          </a>
          <a href={hrefOf({ page: 'silences', query: {} })} aria-current={current('silences')}>
            Silences
          </a>
        </nav>
      )}
      <span class="spacer" />
      {services.emulators && (
        <span class="badge env" title={`Firestore 127.0.0.1:${services.emulators.firestore}, Auth 127.0.0.1:${services.emulators.auth}`}>
          emulators · {services.projectId}
        </span>
      )}
      {user && (
        <span class="who">
          <span data-testid="user-email">{user.email ?? user.uid}</span>{' '}
          <span class={`badge role role-${role ?? 'none'}`} data-testid="user-role" title="Your role (the `role` custom claim)">
            {role ?? 'no role'}
          </span>{' '}
          <button type="button" class="link" onClick={() => void signOut(services.auth)}>
            Sign out
          </button>
        </span>
      )}
    </header>
  );
}

function SignIn({ services }: { services: Services }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const local = services.emulators !== null;

  async function withPassword(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signInWithEmailAndPassword(services.auth, email.trim(), password);
    } catch (err) {
      setError(explainError(err));
    } finally {
      setBusy(false);
    }
  }
  async function withGoogle() {
    setBusy(true);
    setError(null);
    try {
      // The popup resolver is passed here rather than at start-up, so the emulator path never loads it.
      await signInWithPopup(services.auth, new GoogleAuthProvider(), browserPopupRedirectResolver);
    } catch (err) {
      setError(explainError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card narrow" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in</h1>
      {local ? (
        <form onSubmit={withPassword} class="stack">
          <p class="hint">
            On the emulators, sign in with an Auth emulator user. <code>npm run role -- you@example.com responder</code> creates one (password{' '}
            <code>password</code>).
          </p>
          <div class="field">
            <label for="signin-email">Email</label>
            <input id="signin-email" type="email" name="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="signin-password">Password</label>
            <input id="signin-password"
              type="password"
              name="password"
              autocomplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </div>
          <button type="submit" class="primary" disabled={busy}>
            Sign in
          </button>
        </form>
      ) : (
        <div class="stack">
          <p class="hint">Sign in with your Google account. An admin then gives you a role.</p>
          <button type="button" class="primary" disabled={busy} onClick={() => void withGoogle()}>
            Sign in with Google
          </button>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          Could not sign in: {error}
        </p>
      )}
    </section>
  );
}

function NoRole({ services, user, claim, onRole }: { services: Services; user: User; claim: unknown; onRole: (r: { role: Role | null; claim: unknown }) => void }) {
  const [checking, setChecking] = useState(false);
  const [checked, setChecked] = useState(false);
  const email = user.email ?? '<your email>';
  async function check() {
    setChecking(true);
    try {
      onRole(await roleOf(user, true));
    } finally {
      setChecking(false);
      setChecked(true);
    }
  }
  return (
    <section class="card narrow" aria-labelledby="norole-title">
      <h1 id="norole-title">You have no role yet</h1>
      <p>
        You are signed in as <strong>{email}</strong>, but your account has {claim === undefined ? 'no' : `an unknown (${JSON.stringify(claim)})`} role, so the
        security rules let it read nothing: there is nothing to show you.
      </p>
      <p>
        Roles are the <code>role</code> custom claim: <strong>viewer</strong> reads, <strong>responder</strong> also acknowledges, resolves and writes
        postmortems, <strong>admin</strong> also manages config. An admin grants one with:
      </p>
      <pre>
        {services.emulators
          ? `npm run role -- ${email} responder`
          : `npm run role -- ${email} responder --project ${services.projectId || '<project id>'}`}
      </pre>
      <p>Then check again (or sign out and in).</p>
      <button type="button" class="primary" disabled={checking} onClick={() => void check()}>
        Check again
      </button>
      {checked && !checking && <span class="result">Still no role.</span>}
    </section>
  );
}

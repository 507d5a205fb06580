/* Your account: profile and password, sessions, API keys. */
import { useState } from 'preact/hooks';
import { del, get, messageOf, patch, post, put, seg, setCsrfToken } from '../../api';
import type { ApiKey, Items, SessionInfo, User } from '../../api';
import { Page } from '../../components/Layout';
import {
  CheckboxField,
  ConfirmButton,
  CopyField,
  EmptyState,
  ErrorBox,
  FormError,
  Loading,
  SubmitButton,
  TextField,
  TimeZoneField,
  check,
  fieldError,
  useAction,
  useLoad,
} from '../../components/ui';
import { navigate } from '../../router';
import { signedOut, updateUser, useSession } from '../../session';
import type { SignedIn } from '../../session';
import { browserName, formatTime, relativeTime, timeZones } from '../../util';
import { SettingsLayout } from './SettingsLayout';

const MIN_PASSWORD = 10;

function ProfileForm({ user }: { user: User }) {
  const [name, setName] = useState(user.name);
  const [email, setEmail] = useState(user.email);
  const [timezone, setTimezone] = useState(user.timezone);
  const [saved, setSaved] = useState(false);
  const { busy, error, submit, formRef } = useAction();

  const onSubmit = submit(async () => {
    setSaved(false);
    check([
      ['name', name.trim() !== '', 'Enter your name.'],
      ['email', /^[^\s@]+@[^\s@]+$/.test(email.trim()), 'Enter an email address, like name@example.com.'],
    ]);
    const changes: Partial<Pick<User, 'name' | 'email' | 'timezone'>> = {};
    if (name.trim() !== user.name) changes.name = name.trim();
    if (email.trim() !== user.email) changes.email = email.trim();
    if (timezone !== user.timezone) changes.timezone = timezone;
    if (Object.keys(changes).length > 0) {
      const res = await patch<{ user: User; csrf_token?: string }>('/me', changes);
      if (res.csrf_token) setCsrfToken(res.csrf_token);
      updateUser(res.user);
    }
    setSaved(true);
  });

  return (
    <form class="card form" ref={formRef} onSubmit={onSubmit} noValidate>
      <h2>Your details</h2>
      <FormError error={error} fields={['name', 'email', 'timezone']} />
      <TextField
        id="profile-name"
        name="name"
        label="Name"
        autoComplete="name"
        required
        maxLength={200}
        value={name}
        onInput={(e) => setName(e.currentTarget.value)}
        error={error}
      />
      <TextField
        id="profile-email"
        name="email"
        type="email"
        label="Email"
        autoComplete="email"
        required
        value={email}
        onInput={(e) => setEmail(e.currentTarget.value)}
        error={error}
      />
      <TimeZoneField
        id="profile-timezone"
        name="timezone"
        label="Time zone"
        hint="Times on your screens are shown in this time zone."
        value={timezone}
        zones={timeZones(timezone)}
        onChange={(e) => setTimezone(e.currentTarget.value)}
        error={error}
      />
      <div class="form-actions">
        <SubmitButton busy={busy} busyText="Saving…">
          Save changes
        </SubmitButton>
        <p class="form-status" role="status">
          {saved ? 'Saved.' : ''}
        </p>
      </div>
    </form>
  );
}

function PasswordForm({ email }: { email: string }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, submit, formRef } = useAction();

  const onSubmit = submit(async () => {
    setDone(false);
    check([
      ['current_password', current !== '', 'Enter your current password.'],
      ['new_password', next.length >= MIN_PASSWORD, `Use at least ${MIN_PASSWORD} characters.`],
    ]);
    const res = await put<{ user?: User; csrf_token: string }>('/me/password', {
      current_password: current,
      new_password: next,
    });
    setCsrfToken(res.csrf_token);
    if (res.user) updateUser(res.user);
    setCurrent('');
    setNext('');
    setDone(true);
  });

  return (
    <form class="card form" ref={formRef} onSubmit={onSubmit} noValidate>
      <h2>Change password</h2>
      <p class="muted">Changing it signs you out everywhere else; this browser stays signed in.</p>
      <FormError error={error} fields={['current_password', 'new_password']} />
      {/* Lets password managers tie the new password to the account. */}
      <input type="email" name="username" autoComplete="username" value={email} hidden readOnly />
      <TextField
        id="password-current"
        name="current_password"
        type="password"
        label="Current password"
        autoComplete="current-password"
        required
        value={current}
        onInput={(e) => setCurrent(e.currentTarget.value)}
        error={error}
      />
      <TextField
        id="password-new"
        name="new_password"
        type="password"
        label="New password"
        hint={`At least ${MIN_PASSWORD} characters.`}
        autoComplete="new-password"
        required
        minLength={MIN_PASSWORD}
        value={next}
        onInput={(e) => setNext(e.currentTarget.value)}
        error={error}
      />
      <div class="form-actions">
        <SubmitButton busy={busy} busyText="Changing…">
          Change password
        </SubmitButton>
        <p class="form-status" role="status">
          {done ? 'Password changed. Your other sessions were ended.' : ''}
        </p>
      </div>
    </form>
  );
}

export function Profile() {
  const session = useSession() as SignedIn;
  return (
    <SettingsLayout>
      <Page title="Profile" heading="Profile">
        <ProfileForm user={session.user} />
        <PasswordForm email={session.user.email} />
      </Page>
    </SettingsLayout>
  );
}

export function Sessions() {
  const { data, setData, error, loading, reload } = useLoad(
    () => get<Items<SessionInfo>>('/me/sessions').then((r) => r.items),
    [],
  );
  const [rowError, setRowError] = useState<string | null>(null);

  let body;
  if (loading && !data) body = <Loading label="Loading sessions…" />;
  else if (error) body = <ErrorBox error={error} onRetry={reload} />;
  else {
    const items = [...(data ?? [])].sort((a, b) => Number(b.current) - Number(a.current));
    body = (
      <>
        {rowError && (
          <p class="form-error" role="alert">
            {rowError}
          </p>
        )}
        <ul class="rows" aria-label="Sessions">
          {items.map((s) => (
            <li class="row" key={s.id}>
              <div class="row-main">
                <p class="row-title">
                  {browserName(s.user_agent)}
                  {s.current && <span class="badge badge-success">This device</span>}
                </p>
                <p class="row-meta">
                  <span class="mono">{s.ip || 'unknown IP'}</span> · last seen{' '}
                  <span title={formatTime(s.last_seen_at)}>{relativeTime(s.last_seen_at)}</span> · signed in{' '}
                  {formatTime(s.created_at)}
                </p>
              </div>
              <div class="row-actions">
                <ConfirmButton
                  label={s.current ? 'End (sign out)' : 'End'}
                  accessibleName={s.current ? 'End this session and sign out' : `End the session of ${browserName(s.user_agent)}, ${s.ip ?? ''}`}
                  confirmLabel="Yes, end it"
                  question={s.current ? 'Sign out here?' : 'End this session?'}
                  onConfirm={async () => {
                    setRowError(null);
                    try {
                      await del(`/me/sessions/${seg(s.id)}`);
                      if (s.current) {
                        signedOut();
                        navigate('/signin');
                        return;
                      }
                      setData((data ?? []).filter((x) => x.id !== s.id));
                    } catch (err) {
                      setRowError(messageOf(err));
                    }
                  }}
                />
              </div>
            </li>
          ))}
        </ul>
      </>
    );
  }
  return (
    <SettingsLayout>
      <Page
        title="Sessions"
        heading="Sessions"
        intro="Browsers signed in to your account. End any you do not recognise, then change your password."
      >
        {body}
      </Page>
    </SettingsLayout>
  );
}

function CreateKey({ session, onCreated }: { session: SignedIn; onCreated: () => void }) {
  const workspaces = session.workspaces ?? [];
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<number[]>([]);
  const [created, setCreated] = useState<{ key: string; name: string } | null>(null);
  const { busy, error, submit, formRef } = useAction();
  const wsError = fieldError(error, 'workspace_ids');

  const onSubmit = submit(async () => {
    check([
      ['name', name.trim() !== '', 'Give the key a name, like “Reporting script”.'],
      ['workspace_ids', chosen.length > 0, 'Choose at least one workspace.'],
    ]);
    const res = await post<{ api_key: ApiKey; key: string }>('/me/api-keys', {
      name: name.trim(),
      workspace_ids: chosen,
    });
    setCreated({ key: res.key, name: res.api_key?.name ?? name.trim() });
    setName('');
    setChosen([]);
    onCreated();
  });

  return (
    <form class="card form" ref={formRef} onSubmit={onSubmit} noValidate>
      <h2>Create a key</h2>
      <p class="muted">
        A key lets a script use the API as you, with your role, in the workspaces you choose. Send it as{' '}
        <code>Authorization: Bearer …</code>.
      </p>
      <FormError error={error} fields={['name', 'workspace_ids']} />
      <TextField
        id="key-name"
        name="name"
        label="Name"
        required
        maxLength={100}
        autoComplete="off"
        value={name}
        onInput={(e) => setName(e.currentTarget.value)}
        error={error}
      />
      <fieldset
        class={wsError ? 'field fieldset field-invalid' : 'field fieldset'}
        aria-describedby={wsError ? 'key-ws-error' : undefined}
      >
        <legend>Workspaces</legend>
        {workspaces.length === 0 && <p class="muted">You are not in any workspace yet.</p>}
        {workspaces.map((w, i) => (
          <CheckboxField
            key={w.id}
            id={`key-ws-${w.id}`}
            name={i === 0 ? 'workspace_ids' : `workspace_ids_${w.id}`}
            label={w.name}
            checked={chosen.includes(w.id)}
            onChange={(e) =>
              setChosen(e.currentTarget.checked ? [...chosen, w.id] : chosen.filter((x) => x !== w.id))
            }
          />
        ))}
        {wsError && (
          <p class="field-error" id="key-ws-error">
            {wsError}
          </p>
        )}
      </fieldset>
      <SubmitButton busy={busy} busyText="Creating…">
        Create key
      </SubmitButton>
      {created && (
        <CopyField
          id="new-key"
          label={`Your new key “${created.name}”`}
          value={created.key}
          warning="This is the only time the key is shown. Store it somewhere safe; if you lose it, revoke it and create another."
        />
      )}
    </form>
  );
}

function KeyList({ session, version }: { session: SignedIn; version: number }) {
  const { data, setData, error, loading, reload } = useLoad(
    () => get<Items<ApiKey>>('/me/api-keys').then((r) => r.items),
    [version],
  );
  const [rowError, setRowError] = useState<string | null>(null);
  const names = new Map((session.workspaces ?? []).map((w) => [w.id, w.name]));

  if (loading && !data) return <Loading label="Loading keys…" />;
  if (error) return <ErrorBox error={error} onRetry={reload} />;
  const items = data ?? [];
  return (
    <section aria-labelledby="keys-heading">
      <h2 id="keys-heading">Your keys</h2>
      {rowError && (
        <p class="form-error" role="alert">
          {rowError}
        </p>
      )}
      {items.length === 0 ? (
        <EmptyState title="No API keys">
          <p>Keys you create are listed here with when they were last used.</p>
        </EmptyState>
      ) : (
        <ul class="rows" aria-labelledby="keys-heading">
          {items.map((k) => (
            <li class="row" key={k.id}>
              <div class="row-main">
                <p class="row-title">
                  {k.name} <span class="mono key-prefix">{k.prefix}…</span>
                </p>
                <p class="row-meta">
                  {k.workspace_ids.length === 0
                    ? 'No workspaces'
                    : k.workspace_ids.map((id) => names.get(id) ?? `workspace ${id}`).join(', ')}{' '}
                  · created {formatTime(k.created_at)} · last used{' '}
                  {k.last_used_at ? relativeTime(k.last_used_at) : 'never'}
                </p>
              </div>
              <div class="row-actions">
                <ConfirmButton
                  label="Revoke"
                  accessibleName={`Revoke the key ${k.name}`}
                  confirmLabel="Yes, revoke"
                  question="Revoke this key?"
                  onConfirm={async () => {
                    setRowError(null);
                    try {
                      await del(`/me/api-keys/${seg(k.id)}`);
                      setData(items.filter((x) => x.id !== k.id));
                    } catch (err) {
                      setRowError(messageOf(err));
                    }
                  }}
                />
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function ApiKeys() {
  const session = useSession() as SignedIn;
  const [version, setVersion] = useState(0);
  return (
    <SettingsLayout>
      <Page title="API keys" heading="API keys">
        <CreateKey session={session} onCreated={() => setVersion((v) => v + 1)} />
        <KeyList session={session} version={version} />
      </Page>
    </SettingsLayout>
  );
}

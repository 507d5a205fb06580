/* Create a workspace, and accept an invitation to one. */
import { useState } from 'preact/hooks';
import { ApiError, get, messageOf, post, seg } from '../api';
import type { InvitationPreview, Workspace } from '../api';
import { Page, setFlash } from '../components/Layout';
import { ErrorBox, FormError, Loading, SubmitButton, TextField, TimeZoneField, invalid, useAction, useLoad } from '../components/ui';
import { Link, navigate } from '../router';
import { loadWorkspaces, signOut, useSession } from '../session';
import { ROLE_HINT, browserTimeZone, formatTime, invitedByName, relativeTime, roleLabel, timeZones } from '../util';

export function NewWorkspace() {
  const [name, setName] = useState('');
  const [timezone, setTimezone] = useState(browserTimeZone);
  const { busy, error, submit, formRef } = useAction();

  const onSubmit = submit(async () => {
    if (!name.trim()) throw invalid('name', 'Enter a name for the workspace.');
    const res = await post<{ workspace: Workspace }>('/workspaces', { name: name.trim(), timezone });
    await loadWorkspaces(res.workspace.id);
    setFlash(`The workspace ${res.workspace.name} is ready. Invite your team from Settings.`, '/calendar');
    navigate('/calendar');
  });

  return (
    <div class="narrow">
      <Page
        title="New workspace"
        heading="New workspace"
        intro="A workspace holds a team, its connected accounts and its posts. You will be its owner."
      >
        <form class="card form" ref={formRef} onSubmit={onSubmit} noValidate>
          <FormError error={error} fields={['name', 'timezone']} />
          <TextField
            id="new-ws-name"
            name="name"
            label="Name"
            hint="Your brand, client or team, for example."
            required
            maxLength={200}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            error={error}
          />
          <TimeZoneField
            id="new-ws-timezone"
            name="timezone"
            label="Time zone"
            hint="Posts are scheduled in this time zone. Your browser’s is chosen to start with."
            value={timezone}
            zones={timeZones(timezone)}
            onChange={(e) => setTimezone(e.currentTarget.value)}
            error={error}
          />
          <SubmitButton busy={busy} busyText="Creating…">
            Create workspace
          </SubmitButton>
        </form>
      </Page>
    </div>
  );
}

function AcceptButton({ token, preview }: { token: string; preview: InvitationPreview }) {
  const { busy, error, submit, formRef } = useAction();
  const onSubmit = submit(async () => {
    const res = await post<{ workspace: Workspace }>(`/invitations/${seg(token)}/accept`);
    await loadWorkspaces(res.workspace.id);
    setFlash(
      `You joined ${res.workspace.name} as ${roleLabel(res.workspace.role ?? preview.role).toLowerCase()}.`,
      '/calendar',
    );
    navigate('/calendar', { replace: true });
  });
  return (
    <form ref={formRef} onSubmit={onSubmit}>
      <FormError error={error} />
      <SubmitButton busy={busy} busyText="Joining…">
        Accept and join {preview.workspace_name}
      </SubmitButton>
    </form>
  );
}

const GONE: Record<string, string> = {
  invitation_used: 'This invitation link has been used already: each link works once.',
  invitation_revoked: 'This invitation was withdrawn by the workspace.',
  invitation_expired: 'This invitation has expired: links work for 7 days.',
};

function InvitationProblem({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 410)) {
    return <ErrorBox error={error} onRetry={onRetry} />;
  }
  return (
    <div class="card">
      <p>
        {GONE[error.code] ??
          'This invitation link does not work. Check that you copied all of it.'}{' '}
        Ask whoever sent it for a new one.
      </p>
      <p>
        <Link href="/">Go to the home page</Link>
      </p>
    </div>
  );
}

const sameEmail = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export function AcceptInvitation({ token }: { token: string }) {
  const session = useSession();
  const { data, error, loading, reload } = useLoad(
    () =>
      get<{ invitation: InvitationPreview }>(`/invitations/${seg(token)}`, { authRedirect: false }).then(
        (r) => r.invitation,
      ),
    [token],
  );
  const [signOutError, setSignOutError] = useState<string | null>(null);
  const here = `/invite/${encodeURIComponent(token)}`;
  const authQuery = (email: string | null | undefined) =>
    `?next=${encodeURIComponent(here)}` + (email ? `&email=${encodeURIComponent(email)}` : '');

  let body;
  if (loading && !data) body = <Loading label="Looking up the invitation…" />;
  else if (error) body = <InvitationProblem error={error} onRetry={reload} />;
  else if (data) {
    const inviter = invitedByName(data.invited_by);
    const forEmail = data.email || null;
    const wrongAccount = session.status === 'signed-in' && forEmail !== null && !sameEmail(forEmail, session.user.email);
    body = (
      <div class="card invite-card">
        <p class="invite-lead">
          {inviter !== '—' ? `${inviter} invited you` : 'You are invited'} to join{' '}
          <strong>{data.workspace_name}</strong> as <strong>{roleLabel(data.role).toLowerCase()}</strong>.
        </p>
        <p class="muted">
          {ROLE_HINT[data.role]} The invitation expires{' '}
          <span title={formatTime(data.expires_at)}>{relativeTime(data.expires_at)}</span>.
          {forEmail && ` It is for ${forEmail} only.`}
        </p>
        {session.status === 'signed-in' ? (
          wrongAccount ? (
            <>
              <p class="notice">
                You are signed in as {session.user.email}, but this invitation is for {forEmail}. Sign out, then
                sign in or create an account with {forEmail} to accept it.
              </p>
              <button
                type="button"
                class="button button-secondary"
                onClick={async () => {
                  setSignOutError(null);
                  try {
                    await signOut(here);
                  } catch (err) {
                    setSignOutError(messageOf(err));
                  }
                }}
              >
                Sign out
              </button>
              {signOutError && (
                <p class="field-error" role="alert">
                  {signOutError}
                </p>
              )}
            </>
          ) : (
            <>
              <p class="muted">You are signed in as {session.user.email}.</p>
              <AcceptButton token={token} preview={data} />
            </>
          )
        ) : (
          <>
            <p>Sign in or create an account to accept. You come back here afterwards.</p>
            <div class="actions">
              <Link class="button button-primary" href={`/signup${authQuery(forEmail)}`}>
                Create an account
              </Link>
              <Link class="button button-secondary" href={`/signin${authQuery(forEmail)}`}>
                Sign in
              </Link>
            </div>
          </>
        )}
      </div>
    );
  }

  return (
    <div class="narrow">
      <Page title="Invitation" heading={data ? `Join ${data.workspace_name}` : 'Invitation'}>
        {body}
      </Page>
    </div>
  );
}

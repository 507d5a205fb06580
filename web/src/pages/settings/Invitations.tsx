/* Settings → Invitations (admins): make a link for a role, list and revoke open ones. */
import { useState } from 'preact/hooks';
import { del, get, messageOf, post, seg } from '../../api';
import type { Invitation, Items, Role, Workspace } from '../../api';
import {
  ConfirmButton,
  CopyField,
  EmptyState,
  ErrorBox,
  FormError,
  Loading,
  SelectField,
  SubmitButton,
  TextField,
  invalid,
  useAction,
  useLoad,
} from '../../components/ui';
import { ROLE_HINT, assignableRoles, formatTime, invitedByName, relativeTime, roleLabel } from '../../util';
import { WorkspacePage } from './SettingsLayout';

function CreateInvitation({ workspace, onCreated }: { workspace: Workspace; onCreated: () => void }) {
  const roles = assignableRoles(workspace.role);
  const [role, setRole] = useState<Role>(roles.includes('editor') ? 'editor' : roles[0]!);
  const [email, setEmail] = useState('');
  const [link, setLink] = useState<{ url: string; role: Role; email: string | null } | null>(null);
  const { busy, error, submit, formRef } = useAction();

  const onSubmit = submit(async () => {
    const address = email.trim();
    if (address && !/^[^\s@]+@[^\s@]+$/.test(address)) throw invalid('email', 'Enter an email address, or leave it empty.');
    const body: { role: Role; email?: string } = { role };
    if (address) body.email = address;
    const res = await post<{ invitation: Invitation; token: string; url: string }>(
      `/workspaces/${seg(workspace.id)}/invitations`,
      body,
    );
    setLink({ url: res.url, role, email: address || null });
    setEmail('');
    onCreated();
  });

  return (
    <form class="card form" ref={formRef} onSubmit={onSubmit} noValidate>
      <h2>Invite someone</h2>
      <p class="muted">
        Make a link and send it yourself. It works once, for 7 days, and joins {workspace.name} with the role
        you pick.
      </p>
      <FormError error={error} fields={['role', 'email']} />
      <SelectField
        id="invite-role"
        name="role"
        label="Role"
        hint={ROLE_HINT[role]}
        value={role}
        onChange={(e) => setRole(e.currentTarget.value as Role)}
        error={error}
      >
        {roles.map((r) => (
          <option key={r} value={r}>
            {roleLabel(r)}
          </option>
        ))}
      </SelectField>
      <TextField
        id="invite-email"
        name="email"
        type="email"
        label="Email"
        hint="Only the account with this address can accept. Leave it empty for whoever has the link."
        autoComplete="off"
        value={email}
        onInput={(e) => setEmail(e.currentTarget.value)}
        error={error}
      />
      <SubmitButton busy={busy} busyText="Creating link…">
        Create invitation link
      </SubmitButton>
      {link && (
        <CopyField
          id="invite-link"
          label={`Invitation link (${roleLabel(link.role).toLowerCase()})`}
          value={link.url}
          warning={
            link.email
              ? `The link is shown only this once. Only ${link.email} can use it, until it expires or you revoke it.`
              : 'The link is shown only this once. Whoever has it can join, until it is used, expires or you revoke it.'
          }
        />
      )}
    </form>
  );
}

function InvitationList({ workspace, version }: { workspace: Workspace; version: number }) {
  const { data, setData, error, loading, reload } = useLoad(
    () => get<Items<Invitation>>(`/workspaces/${seg(workspace.id)}/invitations`).then((r) => r.items),
    [workspace.id, version],
  );
  const [rowError, setRowError] = useState<string | null>(null);

  if (loading && !data) return <Loading label="Loading invitations…" />;
  if (error) return <ErrorBox error={error} onRetry={reload} />;
  const items = data ?? [];
  return (
    <section aria-labelledby="open-invitations">
      <h2 id="open-invitations">Open invitations</h2>
      {rowError && (
        <p class="form-error" role="alert">
          {rowError}
        </p>
      )}
      {items.length === 0 ? (
        <EmptyState title="No open invitations">
          <p>Invitations you create appear here until they are accepted, expire or are revoked.</p>
        </EmptyState>
      ) : (
        <ul class="rows" aria-labelledby="open-invitations">
          {items.map((inv) => (
            <li class="row" key={inv.id}>
              <div class="row-main">
                <p class="row-title">
                  <span class={`badge badge-role badge-${inv.role}`}>{roleLabel(inv.role)}</span>
                  {inv.email ? `For ${inv.email}` : 'Anyone with the link'}
                </p>
                <p class="row-meta">
                  By {invitedByName(inv.invited_by)} · {formatTime(inv.created_at)} ·{' '}
                  <span title={formatTime(inv.expires_at)}>expires {relativeTime(inv.expires_at)}</span>
                </p>
              </div>
              <div class="row-actions">
                <ConfirmButton
                  label="Revoke"
                  accessibleName={`Revoke the ${roleLabel(inv.role).toLowerCase()} invitation${inv.email ? ` for ${inv.email}` : ''}`}
                  confirmLabel="Yes, revoke"
                  question="Revoke this link?"
                  onConfirm={async () => {
                    setRowError(null);
                    try {
                      await del(`/workspaces/${seg(workspace.id)}/invitations/${seg(inv.id)}`);
                      setData(items.filter((x) => x.id !== inv.id));
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

function InvitationsBody({ workspace }: { workspace: Workspace }) {
  const [version, setVersion] = useState(0);
  return (
    <>
      <CreateInvitation workspace={workspace} onCreated={() => setVersion((v) => v + 1)} />
      <InvitationList workspace={workspace} version={version} />
    </>
  );
}

export function Invitations() {
  return (
    <WorkspacePage title="Invitations" adminOnly>
      {(workspace) => <InvitationsBody workspace={workspace} />}
    </WorkspacePage>
  );
}

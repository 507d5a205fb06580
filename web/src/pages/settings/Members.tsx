/* Settings → Members: who is in the workspace; admins change roles and remove people. */
import { useState } from 'preact/hooks';
import { del, get, messageOf, patch, post, seg } from '../../api';
import type { Items, Member, Role, Workspace } from '../../api';
import { setFlash } from '../../components/Layout';
import { ConfirmButton, EmptyState, ErrorBox, Loading, useLoad } from '../../components/ui';
import { Link, navigate } from '../../router';
import { getSession, loadWorkspaces } from '../../session';
import { assignableRoles, canManage, formatTime, isAdmin, roleLabel } from '../../util';
import { WorkspacePage } from './SettingsLayout';

function RoleEditor({
  workspace,
  member,
  onChanged,
}: {
  workspace: Workspace;
  member: Member;
  onChanged: (m: Member) => void;
}) {
  const [role, setRole] = useState<Role>(member.role);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = `role-${member.user_id}`;
  const options = assignableRoles(workspace.role);
  return (
    <form
      class="role-editor"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          const res = await patch<{ member: Member }>(
            `/workspaces/${seg(workspace.id)}/members/${seg(member.user_id)}`,
            { role },
          );
          onChanged(res.member);
        } catch (err) {
          setError(messageOf(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <label for={id} class="visually-hidden">
        Role of {member.name}
      </label>
      <select id={id} name="role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
        {options.map((r) => (
          <option key={r} value={r}>
            {roleLabel(r)}
          </option>
        ))}
      </select>
      {role !== member.role && (
        <button type="submit" class="button button-primary button-small" disabled={busy}>
          {busy ? 'Saving…' : 'Save role'}
        </button>
      )}
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function LeaveWorkspace({ workspace, lastOwner }: { workspace: Workspace; lastOwner: boolean }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <section class="card" aria-labelledby="leave-heading">
      <h2 id="leave-heading">Leave this workspace</h2>
      <p>
        You lose access to {workspace.name} until someone invites you again.
        {lastOwner &&
          ' You are its only owner, and a workspace keeps at least one: make someone else an owner first, or delete the workspace under General.'}
      </p>
      <ConfirmButton
        disabled={lastOwner}
        label="Leave workspace"
        confirmLabel="Yes, leave"
        question={`Leave ${workspace.name}?`}
        onConfirm={async () => {
          setError(null);
          try {
            await post(`/workspaces/${seg(workspace.id)}/leave`);
            await loadWorkspaces();
            setFlash(`You left ${workspace.name}.`, '/calendar');
            navigate('/calendar');
          } catch (err) {
            setError(messageOf(err));
          }
        }}
      />
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function MemberList({ workspace }: { workspace: Workspace }) {
  const session = getSession();
  const me = session.status === 'signed-in' ? session.user.id : null;
  const { data, setData, error, loading, reload } = useLoad(
    () => get<Items<Member>>(`/workspaces/${seg(workspace.id)}/members`).then((r) => r.items),
    [workspace.id],
  );
  const [rowError, setRowError] = useState<string | null>(null);
  const [status, setStatus] = useState('');

  if (loading && !data) return <Loading label="Loading members…" />;
  if (error) return <ErrorBox error={error} onRetry={reload} />;
  const members = data ?? [];
  const lastOwner = workspace.role === 'owner' && members.filter((m) => m.role === 'owner').length <= 1;

  return (
    <>
      <p class="visually-hidden" role="status">
        {status}
      </p>
      {rowError && (
        <p class="form-error" role="alert">
          {rowError}
        </p>
      )}
      {members.length === 0 ? (
        <EmptyState title="No members">
          <p>Nobody is in this workspace.</p>
        </EmptyState>
      ) : (
        <ul class="rows" aria-label="Members">
          {members.map((m) => {
            const self = m.user_id === me;
            const manageable = !self && canManage(workspace.role, m.role);
            return (
              <li class="row" key={m.user_id}>
                <div class="row-main">
                  <p class="row-title">
                    {m.name}
                    {self && <span class="badge badge-quiet">you</span>}
                  </p>
                  <p class="row-meta">
                    {m.email} · joined {formatTime(m.joined_at)}
                  </p>
                </div>
                <div class="row-actions">
                  {manageable ? (
                    <RoleEditor
                      workspace={workspace}
                      member={m}
                      onChanged={(updated) => {
                        setData(members.map((x) => (x.user_id === updated.user_id ? { ...x, ...updated } : x)));
                        setStatus(`${m.name} is now ${roleLabel(updated.role).toLowerCase()}.`);
                      }}
                    />
                  ) : (
                    <span class={`badge badge-role badge-${m.role}`}>{roleLabel(m.role)}</span>
                  )}
                  {manageable && (
                    <ConfirmButton
                      label="Remove"
                      accessibleName={`Remove ${m.name}`}
                      confirmLabel="Yes, remove"
                      question={`Remove ${m.name}?`}
                      onConfirm={async () => {
                        setRowError(null);
                        try {
                          await del(`/workspaces/${seg(workspace.id)}/members/${seg(m.user_id)}`);
                          setData(members.filter((x) => x.user_id !== m.user_id));
                          setStatus(`${m.name} was removed.`);
                        } catch (err) {
                          setRowError(`Could not remove ${m.name}: ${messageOf(err)}`);
                        }
                      }}
                    />
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <LeaveWorkspace workspace={workspace} lastOwner={lastOwner} />
    </>
  );
}

export function Members() {
  return (
    <WorkspacePage title="Members">
      {(workspace) => (
        <>
          {isAdmin(workspace.role) && (
            <p class="page-actions">
              <Link class="button button-primary button-small" href="/settings/invitations">
                Invite people
              </Link>
            </p>
          )}
          <MemberList workspace={workspace} />
        </>
      )}
    </WorkspacePage>
  );
}

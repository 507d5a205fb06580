/* Sign up and sign in. */
import { useState } from 'preact/hooks';
import { post, setCsrfToken } from '../api';
import type { User } from '../api';
import { Page } from '../components/Layout';
import { CheckboxField, FormError, SubmitButton, TextField, check, useAction } from '../components/ui';
import { Link } from '../router';
import { nextPath, signedIn } from '../session';
import { browserTimeZone } from '../util';

const MIN_PASSWORD = 10;

/** Carry ?next= and ?email= over to the other auth page. */
function withNext(path: string): string {
  const params = new URLSearchParams();
  const next = nextPath();
  if (next) params.set('next', next);
  const email = presetEmail();
  if (email) params.set('email', email);
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

/** An address to start with, from ?email= (an invitation sent to an address links here with it). */
function presetEmail(): string {
  const email = new URLSearchParams(window.location.search).get('email') ?? '';
  return /^[^\s@]+@[^\s@]+$/.test(email) && email.length <= 254 ? email : '';
}

function InvitationHint() {
  const next = nextPath();
  if (!next || !next.startsWith('/invite/')) return null;
  return <p class="notice">After that you come straight back to your invitation.</p>;
}

export function SignUp() {
  const [name, setName] = useState('');
  const [email, setEmail] = useState(presetEmail);
  const [password, setPassword] = useState('');
  const [adult, setAdult] = useState(false);
  const { busy, error, submit, formRef } = useAction();

  const onSubmit = submit(async () => {
    check([
      ['name', name.trim() !== '', 'Enter your name.'],
      ['email', /^[^\s@]+@[^\s@]+$/.test(email.trim()), 'Enter an email address, like name@example.com.'],
      ['password', password.length >= MIN_PASSWORD, `Use at least ${MIN_PASSWORD} characters.`],
      ['confirm_age', adult, 'You must be 18 or older to create an account.'],
    ]);
    // The account starts in this browser's time zone (changeable in the profile).
    const zone = browserTimeZone();
    const res = await post<{ user: User; csrf_token: string }>(
      '/auth/register',
      { name: name.trim(), email: email.trim(), password, confirm_age: true, ...(zone ? { timezone: zone } : {}) },
      { authRedirect: false },
    );
    setCsrfToken(res.csrf_token);
    signedIn(res.user, res.csrf_token);
  });

  return (
    <div class="auth">
      <Page title="Create an account" heading="Create an account">
        <InvitationHint />
        <form class="card form" ref={formRef} onSubmit={onSubmit} noValidate>
          <FormError error={error} fields={['name', 'email', 'password', 'confirm_age']} />
          <TextField
            id="signup-name"
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
            id="signup-email"
            name="email"
            type="email"
            label="Email"
            autoComplete="email"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
            error={error}
          />
          <TextField
            id="signup-password"
            name="password"
            type="password"
            label="Password"
            hint={`At least ${MIN_PASSWORD} characters.`}
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            error={error}
          />
          <CheckboxField
            id="signup-age"
            name="confirm_age"
            label="I confirm I am 18 or older"
            required
            checked={adult}
            onChange={(e) => setAdult(e.currentTarget.checked)}
            error={error}
          />
          <p class="form-note">
            Read how your data is kept in the{' '}
            <a href="/privacy" target="_blank" rel="noopener">
              privacy policy (opens in a new tab)
            </a>
            .
          </p>
          <SubmitButton busy={busy} busyText="Creating your account…">
            Create account
          </SubmitButton>
        </form>
        <p class="auth-switch">
          Already have an account? <Link href={withNext('/signin')}>Sign in</Link>
        </p>
      </Page>
    </div>
  );
}

export function SignIn() {
  const [email, setEmail] = useState(presetEmail);
  const [password, setPassword] = useState('');
  const { busy, error, submit, formRef } = useAction();

  const onSubmit = submit(async () => {
    check([
      ['email', email.trim() !== '', 'Enter your email address.'],
      ['password', password !== '', 'Enter your password.'],
    ]);
    const res = await post<{ user: User; csrf_token: string }>(
      '/auth/login',
      { email: email.trim(), password },
      { authRedirect: false },
    );
    signedIn(res.user, res.csrf_token);
  });

  return (
    <div class="auth">
      <Page title="Sign in" heading="Sign in">
        <InvitationHint />
        <form class="card form" ref={formRef} onSubmit={onSubmit} noValidate>
          <FormError error={error} fields={['email', 'password']} />
          <TextField
            id="signin-email"
            name="email"
            type="email"
            label="Email"
            autoComplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
            error={error}
          />
          <TextField
            id="signin-password"
            name="password"
            type="password"
            label="Password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            error={error}
          />
          <SubmitButton busy={busy} busyText="Signing in…">
            Sign in
          </SubmitButton>
        </form>
        <p class="auth-switch">
          New here? <Link href={withNext('/signup')}>Create an account</Link>
        </p>
      </Page>
    </div>
  );
}

import { Link } from '../router';
import { Page, PRODUCT_NAME } from '../components/Layout';

export function Privacy() {
  return (
    <article class="prose">
      <Page title="Privacy policy" heading="Privacy policy">
        <p class="lead">
          This page explains, in plain language, what personal data this {PRODUCT_NAME} server keeps
          about you, why, and what you can do about it.
        </p>

        <h2>Who is responsible for your data</h2>
        <p>
          {PRODUCT_NAME} is self-hosted software. This instance is run by its operator: the person or
          organisation that installed it and invited you. The operator decides who can use it, where
          the server and its backups live, and how long backups are kept. The operator, not the makers
          of the software, is responsible for your data here. If you have a question or a request
          about your data, contact the operator of this instance.
        </p>

        <h2>What the server stores</h2>
        <ul>
          <li>
            <strong>Your account:</strong> your name, your email address, and your password as a
            one-way hash only. Your password itself is never stored and cannot be read back.
          </li>
          <li>
            <strong>Your sessions:</strong> for each signed-in browser, when you signed in, the IP
            address and the browser it came from. The session token is kept only as a hash.
          </li>
          <li>
            <strong>Connected social accounts:</strong> the name and identifier of each account you
            connect, and the access and refresh tokens the platform gives this server, stored encrypted.
          </li>
          <li>
            <strong>Your content:</strong> the posts you write, the images and videos you upload, their
            schedules and campaigns, and the results and metrics the platforms report back.
          </li>
          <li>
            <strong>An activity log:</strong> who did what and when in a workspace, with the IP address
            and browser. Workspace admins can see it, to keep the workspace safe.
          </li>
        </ul>

        <h2>Why it is stored</h2>
        <p>
          Only to run the service for you: to sign you in and keep your session safe, to publish your
          posts to the accounts you connected at the time you chose, to tell your team what happened,
          and to protect the workspace from misuse. Your data is not sold, and it is not used for
          advertising.
        </p>

        <h2>Where your data goes</h2>
        <ul>
          <li>It stays on the server run by the operator of this instance.</li>
          <li>
            It is sent to a social platform only when you connect an account there or publish to it,
            and then only what that step needs.
          </li>
          <li>
            If you use the AI features, the text you ask about is sent to the AI service the operator
            set up.
          </li>
          <li>Email or webhook notifications are sent only where you turned them on.</li>
        </ul>

        <h2>No third-party tracking</h2>
        <p>
          There are no advertising or analytics trackers, and every page, script, style and font comes
          from this server. Cookies are used only to keep you signed in and to protect your requests,
          and the service cannot work without them.
        </p>

        <h2>Your rights</h2>
        <ul>
          <li>
            <strong>See and export</strong> all the personal data the server holds about you.
          </li>
          <li>
            <strong>Correct</strong> your name, your email address or anything else that is wrong.
          </li>
          <li>
            <strong>Disconnect</strong> any social account at any time. The server also revokes its
            token at the platform, so it can no longer be used.
          </li>
          <li>
            <strong>Delete your account.</strong> You are signed out everywhere at once, and your
            personal data is purged within 30 days.
          </li>
          <li>
            <strong>Withdraw consent</strong> for anything you agreed to, such as notifications by
            email or a connected account, whenever you like.
          </li>
        </ul>

        <h2>Age</h2>
        <p>You must be 18 or older to create an account and use {PRODUCT_NAME}.</p>

        <h2>How your data is protected</h2>
        <p>
          Passwords are hashed with a slow, memory-hard algorithm; platform tokens are encrypted; session
          tokens are stored only as hashes; and the server is meant to be reached over HTTPS.
        </p>

        <h2>Changes to this policy</h2>
        <p>
          If the data this server keeps changes, this page changes with it, and the operator should tell
          you before new kinds of data are collected.
        </p>

        <p>
          <Link href="/">Back to the home page</Link>
        </p>
      </Page>
    </article>
  );
}

import { Link } from '../router';
import { Page, PRODUCT_NAME } from '../components/Layout';

type Feature = { title: string; text: string };

const FEATURES: readonly Feature[] = [
  {
    title: 'Connect your accounts',
    text: 'Facebook Pages, Instagram professional accounts, LinkedIn, YouTube channels and X accounts, each through the platform’s own sign-in. TikTok and WhatsApp are coming soon.',
  },
  {
    title: 'Compose once',
    text: 'Write a post with text, images or video, tailor it per platform, and see previews and limit checks before you save.',
  },
  {
    title: 'Schedule and plan',
    text: 'Pick a date and time in your workspace’s time zone or the next free queue slot, group posts into campaigns, and see it all on a calendar.',
  },
  {
    title: 'Published on time',
    text: 'The server publishes each post at its time, waits for media processing, refreshes tokens before they expire, retries what can be retried, and never posts twice.',
  },
  {
    title: 'Work as a team',
    text: 'Workspaces with owner, admin, editor, contributor and viewer roles, so everyone can do exactly what their job needs.',
  },
  {
    title: 'Stay informed',
    text: 'Real-time notifications in the browser when a post is published, fails or recovers, or an account needs reconnecting; by email or webhook if you opt in.',
  },
  {
    title: 'Analytics',
    text: 'Per-post metrics pulled from each platform, and publishing results per platform.',
  },
  {
    title: 'AI help',
    text: 'Caption writing and image generation, paid from a workspace credit wallet whose credits never expire.',
  },
  {
    title: 'Your data, your server',
    text: 'Self-hosted: see, export, correct or delete your data at any time, disconnect any account, and no third-party tracking.',
  },
];

export function Landing() {
  return (
    <>
      <section class="hero" aria-labelledby="hero-heading">
        <Page title={null} heading={PRODUCT_NAME} headingId="hero-heading">
          <p class="tagline">
            Compose once, schedule, and publish on time to Facebook, Instagram, LinkedIn, YouTube and
            X, from a server you run yourself.
          </p>
          <div class="actions">
            <Link class="button button-primary" href="/signup">
              Create an account
            </Link>
            <Link class="button button-secondary" href="/signin">
              Sign in
            </Link>
          </div>
        </Page>
      </section>
      <section class="features" aria-labelledby="features-heading">
        <h2 id="features-heading">What it does</h2>
        <ul class="feature-list">
          {FEATURES.map((feature) => (
            <li class="feature" key={feature.title}>
              <h3>{feature.title}</h3>
              <p>{feature.text}</p>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

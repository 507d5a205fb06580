import { Link } from '../router';
import { Page } from '../components/Layout';

/** Placeholder for sign-in and sign-up until accounts exist. */
export function ComingSoon({ heading }: { heading: string }) {
  return (
    <div class="prose">
      <Page title={heading} heading={heading}>
        <p class="notice">Coming soon: sign-in arrives with accounts.</p>
        <p>
          <Link href="/">Back to the home page</Link>
        </p>
      </Page>
    </div>
  );
}

import { Link } from '../router';
import { Page } from '../components/Layout';

export function NotFound() {
  return (
    <div class="prose">
      <Page title="Page not found" heading="Page not found">
        <p class="lead">There is no page at this address. It may have moved, or the link may be wrong.</p>
        <p>
          <Link href="/">Go to the home page</Link>
        </p>
      </Page>
    </div>
  );
}

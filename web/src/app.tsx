import type { ComponentType } from 'preact';
import { usePath } from './router';
import { Layout } from './components/Layout';
import { Landing } from './pages/Landing';
import { Privacy } from './pages/Privacy';
import { ComingSoon } from './pages/ComingSoon';
import { NotFound } from './pages/NotFound';

const SignIn = () => <ComingSoon heading="Sign in" />;
const SignUp = () => <ComingSoon heading="Create an account" />;

/** Client routes. The server answers each of these paths with index.html. */
const ROUTES: Readonly<Record<string, ComponentType>> = {
  '/': Landing,
  '/privacy': Privacy,
  '/signin': SignIn,
  '/signup': SignUp,
};

export function App() {
  const path = usePath();
  const View = Object.hasOwn(ROUTES, path) ? ROUTES[path]! : NotFound;
  return (
    <Layout>
      <View key={path} />
    </Layout>
  );
}

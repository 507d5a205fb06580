import { render } from 'preact';
import { App } from './app';
import { installErrorReporting } from './report';
import './styles/tokens.css';
import './styles/base.css';
import './styles/app.css';
import './styles/notifications.css';

installErrorReporting();

const root = document.getElementById('app');
if (root) render(<App />, root);

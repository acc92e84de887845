/** Entry of the page: styles, then the app into #app (in the person's language: see i18nReady). */
// First: the module that starts opening IndexedDB runs before every other (see dbOpen.ts).
import './data/dbOpen';
// Second: the date formats' warm-up worker starts (see intlWarmup.ts).
import './ui/intlWarmup';
import { render } from 'preact';
import './styles/app.css';
import { i18nReady } from './i18n/index';
import { App, preloadConversationView } from './ui/App';
import { primeConversation } from './data/index';
import { parseRoute } from './ui/router';

// Opened on a conversation: its newest messages are read while the app renders the first time.
const route = parseRoute(location.pathname);
if (route.name === 'conversation') {
  primeConversation(route.id);
  preloadConversationView();
}

void i18nReady.then(() => render(<App />, document.getElementById('app')!));

/** Entry of the page: styles, then the app into #app (in the person's language: see i18nReady). */
// First: the module that starts opening IndexedDB runs before every other (see dbOpen.ts).
import { openDb } from './data/dbOpen';
import { render } from 'preact';
import './styles/app.css';
import { currentLang, i18nReady } from './i18n/index';
import { App, preloadConversationView } from './ui/App';
import { primeConversation } from './data/index';
import { prepareMessageFormats } from './ui/format';
import { parseRoute } from './ui/router';

// Opened on a conversation: its newest messages are read while the app renders the first time.
const route = parseRoute(location.pathname);
if (route.name === 'conversation') {
  primeConversation(route.id);
  preloadConversationView();
}

void i18nReady.then(() => render(<App />, document.getElementById('app')!));

// While the newest messages are being read: once IndexedDB has opened (the reads are asked for as
// it opens). Not before: a long task on the page's thread holds back the open itself (Chromium
// binds the page's IndexedDB connection from a task of that thread).
if (route.name === 'conversation')
  void Promise.all([i18nReady, openDb()])
    .catch(() => {})
    .then(() => setTimeout(() => prepareMessageFormats(currentLang())));

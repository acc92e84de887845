/** The app: sign-in when signed out; otherwise the shell with the list and the routed main area. */
import { useEffect } from 'preact/hooks';
import { actions, refreshServerLimits, useMe } from '../data/index';
import { useI18n } from '../i18n/index';
import type { User } from '../../contract/index';
import { Alerts } from './Alerts';
import { Announcer } from './Announcer';
import { ConnectionStatus } from './ConnectionStatus';
import { ConversationList } from './ConversationList';
import { focusIsLost, focusTarget } from './keyboard/focus';
import { useKeyboardShortcuts } from './KeyboardShortcuts';
import { ariaKeyShortcuts } from './keyboard/shortcuts';
import { afterFirstPaint } from './afterPaint';
import { LanguageSelect } from './LanguageSelect';
import { lazy } from './lazy';
import { NewConversation } from './NewConversation';
import { PwaSlot } from './PwaSlot';
import { navigate, useRoute, type Route } from './router';

// The open conversation and the invite panel come with their route, not with the page: the first
// paint is the list (or sign-in), and these chunks download while it paints (and are precached).
const loadConversationView = () => import('./ConversationView');
const ConversationView = lazy(() => loadConversationView().then((m) => m.ConversationView));
const JoinPanel = lazy(() => import('./JoinPanel').then((m) => m.JoinPanel));
// Signing in is a screen of its own, which someone signed in never sees.
const SignIn = lazy(
  () => import('./SignIn').then((m) => m.SignIn),
  () => <Boot />,
);

/** Root component. */
export function App() {
  const me = useMe();
  useEffect(() => {
    void refreshServerLimits();
  }, []);
  if (me === undefined) return <Boot />;
  return me ? <Shell me={me} /> : <SignIn />;
}

/** What shows until the app knows who is signed in (and while the sign-in screen loads). */
function Boot() {
  const { t } = useI18n();
  return (
    <div class="boot">
      <p class="muted" aria-busy="true">
        {t.loading}
      </p>
      <PwaSlot />
    </div>
  );
}

function Shell({ me }: { me: User }) {
  const { t } = useI18n();
  const route = useRoute();
  useEffect(() => {
    if (route.name === 'unknown') navigate('/', { replace: true });
  }, [route.name]);
  const activeId = route.name === 'conversation' ? route.id : null;
  const shortcuts = useKeyboardShortcuts(activeId);
  // Signed in: the first conversation opened should not wait for its code.
  useEffect(() => {
    void afterFirstPaint()
      .then(loadConversationView)
      .catch(() => undefined);
  }, []);
  // Just signed in, or back on the list (its opener gone): the keyboard starts at the list.
  useEffect(() => {
    if (route.name === 'home' && focusIsLost()) focusTarget('conversationList');
  }, [route.name]);
  return (
    <div class={route.name === 'home' || route.name === 'unknown' ? 'shell' : 'shell has-main'}>
      <header class="topbar">
        <h1 class="brand">{t.appName}</h1>
        <ConnectionStatus />
        <div class="topbar-end">
          <PwaSlot />
          <button
            type="button"
            class="icon"
            aria-label={t.keyboardShortcuts}
            title={t.keyboardShortcuts}
            aria-keyshortcuts={ariaKeyShortcuts('help')}
            onClick={shortcuts.openHelp}
          >
            ?
          </button>
          <LanguageSelect />
          <span class="me muted">{me.username}</span>
          <button
            type="button"
            onClick={() => {
              navigate('/', { replace: true });
              void actions.signOut();
            }}
          >
            {t.signOut}
          </button>
        </div>
      </header>
      <aside class="sidebar">
        <NewConversation />
        <ConversationList activeId={activeId} myId={me.id} />
      </aside>
      <main class="main">
        <Main route={route} me={me} />
      </main>
      <Alerts />
      <Announcer />
      {shortcuts.dialogs}
    </div>
  );
}

function Main({ route, me }: { route: Route; me: User }) {
  const { t } = useI18n();
  if (route.name === 'conversation') return <ConversationView key={route.id} id={route.id} me={me} />;
  if (route.name === 'join') return <JoinPanel key={route.code} code={route.code} />;
  return <p class="muted pad center placeholder">{t.chooseConversation}</p>;
}

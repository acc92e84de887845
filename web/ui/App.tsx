/** The app: sign-in when signed out; otherwise the shell with the list and the routed main area. */
import { useEffect } from 'preact/hooks';
import { refreshServerLimits, sessionActions, useMe } from '../data/index';
import { useI18n } from '../i18n/index';
import type { User } from '../../contract/index';
import { Alerts } from './Alerts';
import { Announcer } from './Announcer';
import { ConnectionStatus } from './ConnectionStatus';
import { ConversationList } from './ConversationList';
import { afterFirstContent, firstContentShown } from './firstContent';
import { runShortcut, shortcutHeld, useShortcutKeys } from './keyboard/capture';
import { focusIsLost, focusTarget } from './keyboard/focus';
import { ariaKeyShortcuts } from './keyboard/shortcuts';
import { LanguageSelect } from './LanguageSelect';
import { lazy } from './lazy';
import { NewConversation } from './NewConversation';
import { PwaSlot } from './PwaSlot';
import { navigate, useRoute, type Route } from './router';

// The open conversation and the invite panel come with their route, not with the page: the first
// paint is the list (or sign-in). The Service Worker precaches their chunks once installed, so they
// open at once later, offline too.
const ConversationView = lazy(() => import('./ConversationView').then((m) => m.ConversationView));
const JoinPanel = lazy(() => import('./JoinPanel').then((m) => m.JoinPanel));
// Sign-in only for those signed out: the hub says so before the app renders either.
const SignIn = lazy(() => import('./SignIn').then((m) => m.SignIn), Boot);
// What the shortcuts do comes after the first content, or at once when one is pressed before
// (keyboard/capture.ts listens from the start and holds it).
const KeyboardShortcuts = lazy(() =>
  Promise.race([afterFirstContent(), shortcutHeld])
    .then(() => import('./KeyboardShortcuts'))
    .then((m) => m.KeyboardShortcuts),
);

/**
 * Opened on a conversation: its code is fetched at the page's start, beside the reads of its
 * messages (primeConversation), instead of after the app's first render asks for it.
 */
export function preloadConversationView(): void {
  ConversationView.preload();
}

/** Root component. */
export function App() {
  const me = useMe();
  useEffect(() => {
    void refreshServerLimits();
  }, []);
  if (me === undefined) return <Boot />;
  return me ? <Shell me={me} /> : <SignIn onShown={firstContentShown} pwa={<PwaSlot />} />;
}

/**
 * Neither sign-in nor the app: this device's data is being read, or the hub is still asking the
 * server whom the session cookie belongs to (showing sign-in meanwhile would flash a form at
 * someone who is signed in). Also shown while the sign-in form's code arrives.
 */
function Boot() {
  const { t } = useI18n();
  return (
    <div class="boot">
      <p class="muted" role="status">
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
  useShortcutKeys();
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
            onClick={() => runShortcut('help')}
          >
            ?
          </button>
          <LanguageSelect />
          <span class="me muted">{me.username}</span>
          <button
            type="button"
            onClick={() => {
              navigate('/', { replace: true });
              void sessionActions.signOut();
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
      <Alerts activeId={activeId} />
      <Announcer />
      <KeyboardShortcuts activeId={activeId} />
    </div>
  );
}

function Main({ route, me }: { route: Route; me: User }) {
  const { t } = useI18n();
  if (route.name === 'conversation') return <ConversationView key={route.id} id={route.id} me={me} />;
  if (route.name === 'join') return <JoinPanel key={route.code} code={route.code} />;
  return <p class="muted pad center placeholder">{t.chooseConversation}</p>;
}

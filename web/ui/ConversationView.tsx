/** One open conversation: header (name, members, invite link, leave), the message log, typing, composer. */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { invitePath, type User } from '../../contract/index';
import type { LocalConversation } from '../../localdb/index';
import { useConversation, useMembers } from '../data/conversationHooks';
import { actions } from '../data/actions';
import { useLaterI18n } from '../i18n/later';
import type { ShownMessage } from '../data/overlay';
import { Composer, type ComposeMode } from './Composer';
import { errorText } from './errors';
import { useEscape } from './keyboard/escape';
import { MemberList } from './MemberList';
import { MessageList } from './MessageList';
import { navigate, onLinkClick } from './router';
import { TypingIndicator } from './TypingIndicator';

/** How long "Opening the conversation…" may show before saying it is not on this device. */
const MISSING_AFTER_MS = 4_000;

/** The conversation `id`, or a note while it is not (yet) on this device. */
export function ConversationView({ id, me }: { id: string; me: User }) {
  const { t } = useLaterI18n();
  const conversation = useConversation(id);
  // IndexedDB answers within moments; still nothing after a while means it is not on this device.
  const [waited, setWaited] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setWaited(true), MISSING_AFTER_MS);
    return () => clearTimeout(timer);
  }, []);
  if (!conversation)
    return (
      <section class="panel">
        <BackLink />
        <p class="muted pad">{waited ? t.conversationMissing : t.conversationLoading}</p>
      </section>
    );
  return <Conversation key={id} conversation={conversation} me={me} />;
}

function BackLink() {
  const { t } = useLaterI18n();
  return (
    <a href="/" class="back" onClick={onLinkClick} title={t.back}>
      <span aria-hidden="true">‹</span>
      <span class="sr-only">{t.back}</span>
    </a>
  );
}

function Conversation({ conversation: c, me }: { conversation: LocalConversation; me: User }) {
  const { t } = useLaterI18n();
  const members = useMembers(c.id);
  const [showMembers, setShowMembers] = useState(false);
  const membersButton = useRef<HTMLButtonElement>(null);
  useEscape(showMembers, () => {
    setShowMembers(false);
    membersButton.current?.focus();
  });
  const [jump, setJump] = useState(0);
  const [error, setError] = useState<string | null>(null);
  // A reply or an edit being written: chosen on a message, carried out by the composer.
  const [mode, setMode] = useState<ComposeMode>(null);
  const shown = useRef<ShownMessage[]>([]);
  const handlers = useMemo(
    () => ({
      reply: (m: ShownMessage) => setMode({ kind: 'reply', target: m }),
      edit: (m: ShownMessage) => setMode({ kind: 'edit', target: m }),
    }),
    [],
  );

  async function toggleMute() {
    const res = await actions.setMuted(c.id, !c.muted);
    setError(res.ok ? null : t.muteFailed);
  }

  async function leave() {
    if (!confirm(t.confirmLeave(c.name))) return;
    const res = await actions.leave(c.id);
    if (res.ok) navigate('/', { replace: true });
    else setError(errorText(res.error, t));
  }

  return (
    <section class="conversation" aria-labelledby={`title-${c.id}`}>
      <header class="conv-header">
        <BackLink />
        <h2 id={`title-${c.id}`}>{c.name}</h2>
        <div class="row">
          <button
            type="button"
            ref={membersButton}
            aria-expanded={showMembers}
            onClick={() => setShowMembers(!showMembers)}
          >
            {t.membersCount(members.length)}
          </button>
          <button type="button" onClick={() => void toggleMute()}>
            {c.muted ? t.unmute : t.mute}
          </button>
          {c.kind === 'room' && (
            <button type="button" onClick={() => void leave()}>
              {t.leave}
            </button>
          )}
        </div>
      </header>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {c.kind === 'room' && c.inviteCode && <InviteLink code={c.inviteCode} />}
      {showMembers && <MemberList members={members} myId={me.id} />}
      <MessageList conversation={c} me={me} jumpToLatest={jump} handlers={handlers} shownRef={shown} />
      <TypingIndicator conversationId={c.id} />
      <Composer
        key={c.id}
        conversationId={c.id}
        onSent={() => setJump((j) => j + 1)}
        mode={mode}
        setMode={setMode}
        shown={shown}
      />
    </section>
  );
}

function InviteLink({ code }: { code: string }) {
  const { t } = useLaterI18n();
  const [copied, setCopied] = useState(false);
  const url = location.origin + invitePath(code);
  return (
    <div class="invite">
      <label class="field inline">
        <span>{t.inviteLink}</span>
        <input readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
      </label>
      <button
        type="button"
        onClick={() =>
          void navigator.clipboard?.writeText(url).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? t.copied : t.copy}
      </button>
    </div>
  );
}

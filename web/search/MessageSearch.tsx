/**
 * Message search above the conversation list: a `search` landmark with the "Search messages"
 * field, the "In this conversation" and "From" filters, and the results. Device results come as
 * you type (the hub's index, offline too); server results follow when the server answers, merged
 * without duplicates; the list says when it shows device results only. Choosing a result opens
 * its conversation at that message. Keyboard: Arrow Down from the field goes to the results,
 * Arrow Up/Down moves between them, Escape clears the field.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Message, SearchCursor } from '../../contract/index';
import type { LocalMember } from '../../localdb/index';
import { useConversations, useHubStatus } from '../data/index';
import { useMembers } from '../data/conversationHooks';
import {
  mergeHits,
  searchDevice,
  searchServer,
  useAllMembers,
  type SearchFilters,
  type SearchHit,
} from '../data/search';
import { useLaterI18n } from '../i18n/later';
import { formatFull, formatListTime } from '../ui/format';
import { conversationPath, navigate } from '../ui/router';
import { highlightParts } from './highlight';
import { requestJump } from './jump';

/** The server is asked once typing pauses this long (the device answers at every key). */
const SERVER_DELAY_MS = 250;

type ServerState =
  | { kind: 'idle' }
  | { kind: 'pending' }
  | { kind: 'done'; messages: Message[]; next: SearchCursor | null }
  | { kind: 'unreachable' };

/** The search landmark of the conversation list. */
export function MessageSearch({ activeId, myId }: { activeId: string | null; myId: string }) {
  const { t } = useLaterI18n();
  const status = useHubStatus();
  const online = status.connection === 'online';
  const [query, setQuery] = useState('');
  const [inConversation, setInConversation] = useState(false);
  const [senderId, setSenderId] = useState('');
  // The "From" filter lists members (a thousand on a big account, read again at every change of
  // them): read only once the search is used, never at the app's start.
  const [used, setUsed] = useState(false);
  const use = (): void => setUsed(true);
  const [device, setDevice] = useState<SearchHit[]>([]);
  const [server, setServer] = useState<ServerState>({ kind: 'idle' });
  const field = useRef<HTMLInputElement>(null);
  const results = useRef<HTMLUListElement>(null);

  const scope = inConversation && activeId ? activeId : null;
  const filters: SearchFilters = useMemo(
    () => ({ ...(scope ? { conversationId: scope } : {}), ...(senderId ? { senderId } : {}) }),
    [scope, senderId],
  );
  const trimmed = query.trim();

  // Device results at every key; server results once typing pauses (and again when back online).
  useEffect(() => {
    if (!trimmed) {
      setDevice([]);
      setServer({ kind: 'idle' });
      return;
    }
    let alive = true;
    void searchDevice(trimmed, filters).then((hits) => alive && setDevice(hits));
    if (!online) {
      setServer({ kind: 'unreachable' });
      return () => void (alive = false);
    }
    setServer({ kind: 'pending' });
    const timer = setTimeout(() => {
      void searchServer(trimmed, filters).then((answer) => {
        if (!alive) return;
        setServer(answer.ok ? { kind: 'done', ...answer } : { kind: 'unreachable' });
      });
    }, SERVER_DELAY_MS);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [trimmed, filters, online]);

  async function more(): Promise<void> {
    if (server.kind !== 'done' || !server.next) return;
    const answer = await searchServer(trimmed, filters, server.next);
    if (answer.ok)
      setServer({ kind: 'done', messages: [...server.messages, ...answer.messages], next: answer.next });
    else setServer({ kind: 'unreachable' });
  }

  const hits = mergeHits(device, server.kind === 'done' ? server.messages : []);

  function onFieldKey(e: KeyboardEvent): void {
    if (e.key === 'Escape' && query) {
      e.preventDefault();
      // The field's own Escape must not also close a panel behind it.
      e.stopPropagation();
      setQuery('');
    } else if (e.key === 'ArrowDown') {
      const first = results.current?.querySelector<HTMLElement>('a');
      if (first) {
        e.preventDefault();
        first.focus();
      }
    }
  }

  function onResultsKey(e: KeyboardEvent): void {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const links = [...(results.current?.querySelectorAll<HTMLElement>('a') ?? [])];
    const i = links.indexOf(document.activeElement as HTMLElement);
    if (i < 0) return;
    e.preventDefault();
    if (e.key === 'ArrowDown') links[Math.min(links.length - 1, i + 1)]!.focus();
    else if (i === 0) field.current?.focus();
    else links[i - 1]!.focus();
  }

  return (
    <div role="search" aria-label={t.searchMessages} class="search" onFocusIn={use} onPointerDown={use}>
      <input
        ref={field}
        type="search"
        aria-label={t.searchMessages}
        placeholder={t.searchMessages}
        value={query}
        onInput={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={onFieldKey}
        autoComplete="off"
        spellcheck={false}
      />
      <div class="search-filters">
        <label class="inline">
          <input
            type="checkbox"
            checked={inConversation && activeId !== null}
            disabled={activeId === null}
            onChange={(e) => setInConversation(e.currentTarget.checked)}
          />
          <span>{t.searchInConversation}</span>
        </label>
        <FromFilter
          conversationId={scope}
          listed={used}
          myId={myId}
          value={senderId}
          onChange={setSenderId}
        />
      </div>
      {trimmed && (
        <div class="search-out">
          <p class="muted search-note">
            {hits.length === 0 && server.kind !== 'pending'
              ? t.searchNoResults
              : t.searchResultCount(hits.length)}
            {server.kind === 'pending' && ` ${t.searchServerPending}`}
          </p>
          {server.kind === 'unreachable' && <p class="muted search-note">{t.searchDeviceOnly}</p>}
          {hits.length > 0 && (
            <ul ref={results} aria-label={t.searchResults} class="search-results" onKeyDown={onResultsKey}>
              {hits.map((hit) => (
                <li key={hit.message.id}>
                  <Result hit={hit} query={trimmed} myId={myId} />
                </li>
              ))}
            </ul>
          )}
          {server.kind === 'done' && server.next && (
            <button type="button" class="search-more" onClick={() => void more()}>
              {t.searchMore}
            </button>
          )}
        </div>
      )}
    </div>
  );
}

/** "From": anyone, or one member (of the open conversation when searching only there). */
function FromFilter(props: {
  conversationId: string | null;
  /** Whether members are listed (read) yet. */
  listed: boolean;
  myId: string;
  value: string;
  onChange(senderId: string): void;
}) {
  const { t } = useLaterI18n();
  return (
    <label class="inline">
      <span>{t.searchFrom}</span>
      <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        <option value="">{t.searchFromAnyone}</option>
        {props.listed &&
          (props.conversationId ? (
            <ConversationPeople conversationId={props.conversationId} myId={props.myId} />
          ) : (
            <EveryPerson myId={props.myId} />
          ))}
      </select>
    </label>
  );
}

function ConversationPeople({ conversationId, myId }: { conversationId: string; myId: string }) {
  return <PersonOptions members={useMembers(conversationId)} myId={myId} />;
}

function EveryPerson({ myId }: { myId: string }) {
  return <PersonOptions members={useAllMembers()} myId={myId} />;
}

/** One option per person (members of several conversations once), by name. */
function PersonOptions({ members, myId }: { members: LocalMember[]; myId: string }) {
  const { t } = useLaterI18n();
  const people = useMemo(() => {
    const byId = new Map<string, LocalMember>();
    for (const m of members) byId.set(m.userId, m);
    return [...byId.values()].sort((a, b) => a.username.localeCompare(b.username));
  }, [members]);
  return (
    <>
      {people.map((p) => (
        <option key={p.userId} value={p.userId}>
          {p.userId === myId ? `${p.username} (${t.you})` : p.username}
        </option>
      ))}
    </>
  );
}

function Result({ hit, query, myId }: { hit: SearchHit; query: string; myId: string }) {
  const { t, lang } = useLaterI18n();
  const conversations = useConversations();
  const m = hit.message;
  const name = conversations.find((c) => c.id === m.conversationId)?.name ?? '';
  const parts = highlightParts(m.text, hit.terms, query);
  return (
    <a
      href={conversationPath(m.conversationId)}
      class="search-hit"
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        requestJump({ conversationId: m.conversationId, messageId: m.id, seq: m.seq });
        navigate(conversationPath(m.conversationId));
      }}
    >
      <span class="search-hit-top">
        <span class="search-hit-conv">{name}</span>
        <time dateTime={new Date(m.createdAt).toISOString()} title={formatFull(m.createdAt, lang)}>
          {formatListTime(m.createdAt, lang)}
        </time>
      </span>
      <span class="search-hit-text">
        <span class="search-hit-from">{m.senderId === myId ? t.you : m.senderName}: </span>
        {parts.map((p, i) => (p.match ? <mark key={i}>{p.text}</mark> : p.text))}
      </span>
    </a>
  );
}

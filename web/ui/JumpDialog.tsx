/**
 * "Jump to conversation": the textbox "Conversation" filters the conversations as one types; ↑/↓
 * choose (the chosen option is the textbox's active descendant, so focus never leaves it), Enter
 * opens the chosen one.
 */
import { useId, useState } from 'preact/hooks';
import type { LocalConversation } from '../data/index';
import { useLaterI18n } from '../i18n/later';
import { unreadCount } from './ConversationList';
import { Dialog } from './Dialog';

/** Conversations whose name contains `query` (any case), those starting with it first. */
export function filterConversations(all: LocalConversation[], query: string): LocalConversation[] {
  const q = query.trim().toLocaleLowerCase();
  if (!q) return all;
  const starts: LocalConversation[] = [];
  const contains: LocalConversation[] = [];
  for (const c of all) {
    const name = c.name.toLocaleLowerCase();
    if (name.startsWith(q)) starts.push(c);
    else if (name.includes(q)) contains.push(c);
  }
  return [...starts, ...contains];
}

/** The quick switcher; `onChoose` with the conversation picked. */
export function JumpDialog({
  conversations,
  onChoose,
  onClose,
}: {
  conversations: LocalConversation[];
  onChoose: (id: string) => void;
  onClose: () => void;
}) {
  const { t } = useLaterI18n();
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const listId = useId();
  const results = filterConversations(conversations, query);
  const chosen = Math.min(active, results.length - 1);
  const optionId = (i: number) => `${listId}-${i}`;

  function onKeyDown(e: KeyboardEvent) {
    if (e.isComposing) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (results.length === 0) return;
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((chosen + step + results.length) % results.length);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const pick = results[chosen];
      if (pick) onChoose(pick.id);
    }
  }

  return (
    <Dialog title={t.jumpToConversation} onClose={onClose} class="jump">
      <label class="field">
        <span>{t.conversation}</span>
        <input
          type="text"
          autoFocus
          autoComplete="off"
          spellcheck={false}
          aria-autocomplete="list"
          aria-controls={results.length > 0 ? listId : undefined}
          aria-activedescendant={chosen >= 0 ? optionId(chosen) : undefined}
          value={query}
          onInput={(e) => {
            setQuery(e.currentTarget.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
        />
      </label>
      {results.length > 0 ? (
        <ul id={listId} role="listbox" aria-label={t.matchingConversations} class="jump-results">
          {results.map((c, i) => {
            const unread = unreadCount(c);
            return (
              <li
                key={c.id}
                id={optionId(i)}
                role="option"
                aria-selected={i === chosen}
                class={i === chosen ? 'jump-option chosen' : 'jump-option'}
                // Keep the focus in the textbox; the click itself picks the option.
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => onChoose(c.id)}
              >
                <span class="conv-name">{c.name}</span>
                {unread > 0 && (
                  <span class="muted">
                    <span class="sr-only">, </span>
                    {t.unread(unread)}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      ) : (
        <p class="muted pad">{t.noMatchingConversation}</p>
      )}
      <div class="row dialog-actions">
        <button type="button" onClick={onClose}>
          {t.close}
        </button>
      </div>
    </Dialog>
  );
}

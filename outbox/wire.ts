/**
 * What an outbox entry says on the wire: the whole log entry (its kind and that kind's fields), so
 * the server applies exactly what the person did, once (it dedupes by id). One function for both
 * transports: the hub's socket adds the conversation id, the Service Worker's HTTP POST has it in
 * the path. Entries written before operations existed have no kind: they are messages.
 */
import type { SendMessageBody, SendMessageInput } from '../contract/index';
import type { OutboxEntry } from '../localdb/index';

/** The HTTP body (POST messagesPath) of an entry. */
export function sendBody(entry: OutboxEntry): SendMessageBody {
  const { id, typedAt } = entry;
  // A malformed entry (no target) is sent as it is: the server refuses it for good, with a reason.
  const targetId = entry.targetId ?? '';
  switch (entry.kind ?? 'message') {
    case 'edit':
      return { id, kind: 'edit', targetId, text: entry.text, typedAt };
    case 'delete':
      return { id, kind: 'delete', targetId, typedAt };
    case 'reaction':
      return { id, kind: 'reaction', targetId, emoji: entry.emoji ?? '', on: entry.on ?? true, typedAt };
    default:
      return {
        id,
        kind: 'message',
        text: entry.text,
        ...(entry.replyTo ? { replyTo: entry.replyTo } : {}),
        ...(entry.attachment ? { attachment: { id: entry.attachment.id } } : {}),
        typedAt,
      };
  }
}

/** The socket payload (`message:send`) of an entry. */
export function sendPayload(entry: OutboxEntry): SendMessageInput {
  return { ...sendBody(entry), conversationId: entry.conversationId };
}

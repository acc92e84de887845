/** Messages as the server sends them, for client tests. */
import { plainMessageFields, type Message } from '../../../contract/index';

/** A plain message of `sender` at `seq` (id `m<seq>`, text `message <seq>`), with `extra` on top. */
export function messageAt(
  conversationId: string,
  seq: number,
  sender: { id: string; username: string },
  extra: Partial<Message> = {},
): Message {
  return {
    id: `m${seq}`,
    conversationId,
    seq,
    senderId: sender.id,
    senderName: sender.username,
    ...plainMessageFields(),
    text: `message ${seq}`,
    typedAt: seq,
    createdAt: 1000 + seq,
    ...extra,
  };
}

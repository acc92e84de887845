import type { Message } from '../../contract/index';
import type { LocalMember } from '../../localdb/index';

/**
 * The status of one's own acknowledged message: Read when every other member has read it,
 * Delivered when every other member's devices have it, else Sent. Alone in a room, it is Sent.
 */
export function messageStatus(
  m: Message,
  members: LocalMember[],
  myId: string,
): 'Sent' | 'Delivered' | 'Read' {
  const others = members.filter((member) => member.userId !== myId);
  if (others.length === 0) return 'Sent';
  if (others.every((member) => member.readSeq >= m.seq)) return 'Read';
  if (others.every((member) => member.deliveredSeq >= m.seq)) return 'Delivered';
  return 'Sent';
}

/** socket.io room names: every socket of a user, and every socket of every member of a conversation. */
export const userRoom = (userId: string): string => `user:${userId}`;
export const convRoom = (conversationId: string): string => `conv:${conversationId}`;
/** Every socket opened with one session (by the token's hash), so sign-out can close them. */
export const sessionRoom = (tokenHash: string): string => `session:${tokenHash}`;
const CONV_PREFIX = 'conv:';

/** The conversation ids among a socket's rooms. */
export function conversationIdsOf(rooms: Iterable<string>): string[] {
  const ids: string[] = [];
  for (const room of rooms) if (room.startsWith(CONV_PREFIX)) ids.push(room.slice(CONV_PREFIX.length));
  return ids;
}

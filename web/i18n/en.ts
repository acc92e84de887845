/**
 * English UI text of the first screen (sign-in check, app shell, conversation list, connection
 * status, alerts, announcements): it comes with the page. The rest is in enLater.ts. Names marked
 * (a11y) are the accessibility contract (screen readers and the browser tests find controls by
 * them): keep them stable.
 */
export const en = {
  appName: 'Ferry',
  loading: 'Loading…',
  signOut: 'Sign out', // (a11y)
  // Conversation list (a11y)
  conversations: 'Conversations',
  unread: (n: number) => `${n} unread`,
  noConversations: 'No conversations yet. Create a room or start a direct message.',
  noMessagesYet: 'No messages yet',
  you: 'You',
  newRoom: 'New room',
  newDirect: 'New direct message',
  chooseConversation: 'Choose a conversation, or start a new one.',
  messageDeleted: 'Message deleted',
  // Connection state (a11y)
  statusOnline: 'Online',
  statusConnecting: (n: number) => (n > 0 ? `Connecting — ${n} waiting` : 'Connecting'),
  statusOffline: (n: number) => `Offline — ${n} waiting`,
  // Language (a11y)
  language: 'Language',
  // Notifications while a tab is open
  notificationFrom: (sender: string, conversation: string) =>
    sender === conversation ? sender : `${sender} in ${conversation}`,
  // Keyboard shortcuts button (a11y)
  keyboardShortcuts: 'Keyboard shortcuts',
  // Screen reader announcements
  newMessages: (n: number) => `${n} new messages`,
  newMessagesIn: (n: number, conversations: number) => `${n} new messages in ${conversations} conversations`,
};

/** The first screen's strings (every language has them all: see zh.ts). */
export type Strings = typeof en;

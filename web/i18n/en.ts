/** English UI text. Names marked (a11y) are part of issue 3's accessibility contract: keep them stable. */
export const en = {
  appName: 'Ferry',
  loading: 'Loading…',
  // Sign-in form (a11y)
  username: 'Username',
  password: 'Password',
  signIn: 'Sign in',
  createAccount: 'Create account',
  signOut: 'Sign out',
  signInIntro: 'Sign in, or create an account with a new username.',
  // Conversation list (a11y)
  conversations: 'Conversations',
  unread: (n: number) => `${n} unread`,
  noConversations: 'No conversations yet. Create a room or start a direct message.',
  noMessagesYet: 'No messages yet',
  you: 'You',
  newRoom: 'New room',
  roomName: 'Room name',
  create: 'Create',
  newDirect: 'New direct message',
  start: 'Start',
  cancel: 'Cancel',
  // Join by invite
  joinTitle: 'Join a room',
  joinIntro: 'You were invited to a room. Join it?',
  join: 'Join',
  // Conversation view
  back: 'Back to conversations',
  chooseConversation: 'Choose a conversation, or start a new one.',
  conversationLoading: 'Opening the conversation…',
  conversationMissing: 'This conversation is not on this device. You may have left it.',
  members: 'Members',
  membersCount: (n: number) => `Members (${n})`,
  online: 'online',
  offline: 'offline',
  inviteLink: 'Invite link',
  copy: 'Copy',
  copied: 'Copied',
  leave: 'Leave',
  confirmLeave: (name: string) => `Leave "${name}"? You will stop receiving its messages.`,
  loadingOlder: 'Loading older messages…',
  startOfConversation: 'Start of the conversation',
  today: 'Today',
  yesterday: 'Yesterday',
  typing1: (a: string) => `${a} is typing…`,
  typing2: (a: string, b: string) => `${a} and ${b} are typing…`,
  typingMany: (n: number) => `${n} people are typing…`,
  // Own message status (a11y)
  queued: 'Queued on this device',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failedReason: (reason: string) => `Failed: ${reason}`,
  retry: 'Retry',
  delete: 'Delete',
  // Composer (a11y)
  message: 'Message',
  send: 'Send',
  charsLeft: (n: number) => `${n} characters left`,
  /** Shown instead of charsLeft once a message is over the limit: Send is off until it fits. */
  tooLong: (max: number, over: number) =>
    `Too long to send: a message can have at most ${max} characters (${over} over).`,
  // Connection state (a11y)
  statusOnline: 'Online',
  statusConnecting: (n: number) => (n > 0 ? `Connecting — ${n} waiting` : 'Connecting'),
  statusOffline: (n: number) => `Offline — ${n} waiting`,
  // Language (a11y)
  language: 'Language',
  // Errors shown to people
  errorGeneric: 'Something went wrong. Please try again.',
  notificationFrom: (sender: string, conversation: string) =>
    sender === conversation ? sender : `${sender} in ${conversation}`,
  // Keyboard shortcuts (a11y: dialog names and the "Conversation" textbox)
  keyboardShortcuts: 'Keyboard shortcuts',
  jumpToConversation: 'Jump to conversation',
  conversation: 'Conversation',
  matchingConversations: 'Matching conversations',
  noMatchingConversation: 'No conversation matches.',
  close: 'Close',
  keys: 'Keys',
  action: 'Action',
  or: 'or',
  shortcutHelp: 'Show the keyboard shortcuts',
  shortcutJump: 'Jump to a conversation',
  shortcutPrevConversation: 'Previous conversation',
  shortcutNextConversation: 'Next conversation',
  shortcutPrevUnread: 'Previous unread conversation',
  shortcutNextUnread: 'Next unread conversation',
  shortcutEscape: 'Close a panel or dialog',
  notWhileTyping: '(not while typing)',
  // Screen reader announcements
  newMessages: (n: number) => `${n} new messages`,
  newMessagesIn: (n: number, conversations: number) => `${n} new messages in ${conversations} conversations`,
};

export type Strings = typeof en;

/**
 * English UI text that the first screen does not show (sign-in form, the open conversation,
 * dialogs, search, PWA and push settings, Web Push notifications): fetched with the first lazy part
 * of the app (web/i18n/later.ts). Names marked (a11y) are the accessibility contract (screen
 * readers and the browser tests find controls by them): keep them stable.
 */
import type { ErrorCode } from '../../contract/index';

export const enLater = {
  // Sign-in form (a11y)
  username: 'Username',
  password: 'Password',
  signIn: 'Sign in',
  createAccount: 'Create account',
  signInIntro: 'Sign in, or create an account with a new username.',
  // New conversation form (a11y)
  roomName: 'Room name',
  create: 'Create',
  start: 'Start',
  cancel: 'Cancel',
  // Join by invite
  joinTitle: 'Join a room',
  joinIntro: 'You were invited to a room. Join it?',
  join: 'Join',
  // Conversation view
  back: 'Back to conversations',
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
  // Message actions (a11y: every name here is part of the contract)
  moreActions: 'More actions',
  reply: 'Reply',
  edit: 'Edit',
  react: 'React',
  reactions: 'Reactions',
  save: 'Save',
  edited: 'edited',
  deleteForEveryone: 'Delete for everyone?',
  deleteForEveryoneIntro: 'The message is removed for everyone in this conversation.',
  replyTo: (sender: string) => `Reply to ${sender}`,
  replyingTo: (sender: string) => `Replying to ${sender}`,
  cancelReply: 'Cancel reply',
  editingMessage: 'Editing a message',
  originalNotHere: 'The original message is not on this device.',
  // Composer (a11y)
  message: 'Message',
  send: 'Send',
  charsLeft: (n: number) => `${n} characters left`,
  /** Shown instead of charsLeft once a message is over the limit: Send is off until it fits. */
  tooLong: (max: number, over: number) =>
    `Too long to send: a message can have at most ${max} characters (${over} over).`,
  // Errors shown to people
  errorGeneric: 'Something went wrong. Please try again.',
  // Keyboard shortcuts (a11y: dialog names and the "Conversation" textbox)
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
  // Search (a11y: "Search messages", "In this conversation", "From")
  searchMessages: 'Search messages',
  searchResults: 'Search results',
  searchInConversation: 'In this conversation',
  searchFrom: 'From',
  searchFromAnyone: 'Anyone',
  searchNoResults: 'No messages found.',
  searchResultCount: (n: number) => (n === 1 ? '1 message found' : `${n} messages found`),
  searchDeviceOnly: 'Showing messages on this device only: the server cannot be reached.',
  searchServerPending: 'Searching the server too…',
  searchMore: 'More results',
  searchClear: 'Clear search',
  // Notifications with every tab closed (Web Push) (a11y: "Notifications", "Show message text in notifications", "Mute", "Unmute")
  notifications: 'Notifications',
  notificationsHint: 'Get notified of new messages on this device, even with Ferry closed.',
  showMessageText: 'Show message text in notifications',
  notificationsDenied:
    'Notifications are blocked for this site. To allow them, click the icon left of the address bar, set Notifications to Allow, then turn this switch on again.',
  notificationsUnsupported:
    'This browser cannot notify you while Ferry is closed (no Web Push). Use a current Chrome, Edge, Firefox or Safari; on iPhone and iPad, add Ferry to the Home Screen first.',
  notificationsFailed: (reason: string) =>
    `Notifications could not be turned on (${reason}). Check that you are online and try again.`,
  notificationsOffFailed:
    'Notifications could not be turned off on the server. Check that you are online and try again.',
  mute: 'Mute',
  unmute: 'Unmute',
  muteFailed: 'Could not change this conversation’s notifications. Check that you are online and try again.',
  pushNewMessage: 'New message',
  pushNewMessages: (n: number) => `${n} new messages`,
  pushFrom: (sender: string, text: string) => `${sender}: ${text}`,
  pushReply: 'Reply',
  pushReplyPlaceholder: 'Message',
  pushMarkRead: 'Mark as read',
  // Attachments (a11y: "Attach", "Remove attachment", "Cancel upload"; a file link is "name, size")
  attach: 'Attach',
  attachedFile: 'Attached file',
  removeAttachment: 'Remove attachment',
  cancelUpload: 'Cancel upload',
  fileLink: (name: string, size: string) => `${name}, ${size}`,
  fileTooLarge: (maxMb: number) => `This file is too large: a file can be at most ${maxMb} MB.`,
  storageFull:
    'Not queued: this device’s storage is full. Free some space or choose a smaller file, then try again.',
  actionCodeUnavailable:
    'Not done: part of Ferry is not on this device yet and could not be fetched. Try again once you are online.',
  queueCodeUnavailable:
    'Not queued: part of Ferry is not on this device yet and could not be fetched. Your text is still here: send it again once you are online.',
  dropFiles: 'Drop a file to attach it',
  // Storage panel
  storage: 'Storage',
  storageTitle: 'Storage on this device',
  storagePersistent: 'Kept by the browser (persistent)',
  storageUsage: 'Used',
  storageQuota: 'Available to Ferry',
  storageUnknown: 'Unknown',
  storageAsk: 'Ask to keep storage',
  yes: 'Yes',
  no: 'No',
  // Errors in this language by code, where the server's English message is not shown as it is.
  errorTexts: {} as Partial<Record<ErrorCode, string>>,
};

/** The strings of the lazy parts of the app (every language has them all: see zhLater.ts). */
export type LaterStrings = typeof enLater;

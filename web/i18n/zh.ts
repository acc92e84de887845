/** Simplified Chinese UI text of the first screen (same keys as en.ts). */
import type { Strings } from './en';

// Whoever needs these needs the lazy parts' Chinese too (i18n/later.ts asks for it only once a lazy
// part's code has arrived): fetched alongside it, the first lazy screen waits for one fetch, not two.
void import('./zhLater').catch(() => undefined);

export const zh: Strings = {
  appName: 'Ferry',
  loading: '加载中…',
  signOut: '退出登录',
  conversations: '会话',
  unread: (n) => `${n} 条未读`,
  noConversations: '还没有会话。创建一个群聊或发起私信吧。',
  noMessagesYet: '暂无消息',
  you: '我',
  newRoom: '新建群聊',
  newDirect: '新私信',
  chooseConversation: '选择一个会话，或发起新的会话。',
  messageDeleted: '消息已删除',
  statusOnline: '在线',
  statusConnecting: (n) => (n > 0 ? `连接中 — ${n} 条待发送` : '连接中'),
  statusOffline: (n) => `离线 — ${n} 条待发送`,
  language: '语言',
  notificationFrom: (sender, conversation) =>
    sender === conversation ? sender : `${sender}（${conversation}）`,
  keyboardShortcuts: '键盘快捷键',
  newMessages: (n) => `${n} 条新消息`,
  newMessagesIn: (n, conversations) => `${conversations} 个会话中有 ${n} 条新消息`,
};

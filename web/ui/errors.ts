/** Wire errors as text for people, in the UI language. */
import type { WireError } from '../../contract/index';
import type { Lang } from '../i18n/index';

// The server's messages are English and already safe to show; Chinese gets its own for common codes.
const ZH: Partial<Record<WireError['code'], string>> = {
  UNAUTHENTICATED: '登录已失效，请重新登录。',
  FORBIDDEN: '你不是这个会话的成员，或该会话不存在。请先通过邀请链接加入。',
  NOT_FOUND: '找不到该邀请链接，它可能已失效。',
  USERNAME_TAKEN: '该用户名已被使用，请换一个。',
  UNKNOWN_USER: '没有这个用户。',
  BAD_CREDENTIALS: '用户名或密码错误。请检查后重试，或注册新账号。',
  RATE_LIMITED: '操作太频繁，请稍后再试。',
  TOO_MANY_CONNECTIONS: '你打开的连接太多，请关闭一些标签页或设备后再试。',
  UNAVAILABLE: '你已离线，或服务器暂时不可用，请稍后再试。',
  PAYLOAD_TOO_LARGE: '内容太长。',
  MESSAGE_NOT_FOUND: '找不到这条消息。',
  NOT_AUTHOR: '只有发送者可以编辑或删除这条消息。',
  EDIT_WINDOW_CLOSED: '这条消息已超过可编辑的时间，但仍可删除。',
  MESSAGE_DELETED: '这条消息已被删除。',
  FILE_TOO_LARGE: '文件超过服务器允许的大小。',
  QUOTA_EXCEEDED: '你在服务器上的存储空间已满。',
  UPLOAD_NOT_FOUND: '上传未完成或已过期，请重试。',
};

/** The text to show for an error. */
export function errorText(error: WireError, lang: Lang): string {
  return (lang === 'zh-CN' ? ZH[error.code] : undefined) ?? error.message;
}

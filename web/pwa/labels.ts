/** Text of the PWA controls in each UI language (web/i18n's languages). Tests rely on the English names. */
import type { Lang } from '../i18n/index';

export const PWA_LABELS: Record<
  Lang,
  { install: string; installHint: string; update: string; updateHint: string }
> = {
  en: {
    install: 'Install',
    installHint: 'Install Ferry as an app on this device',
    update: 'Reload to update',
    updateHint: 'A new version of Ferry is ready. Reloading keeps your queued messages.',
  },
  'zh-CN': {
    install: '安装',
    installHint: '将 Ferry 作为应用安装到此设备',
    update: '重新加载以更新',
    updateHint: 'Ferry 有新版本。重新加载不会丢失待发送的消息。',
  },
};

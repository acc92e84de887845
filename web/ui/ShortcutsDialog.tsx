/** The "Keyboard shortcuts" dialog: the shortcut table (keyboard/shortcuts.ts) as people read it. */
import { useLaterI18n } from '../i18n/later';
import { Dialog } from './Dialog';
import { keyCaps } from './keyboard/keyCaps';
import { SHORTCUTS } from './keyboard/shortcuts';

/** Lists every shortcut with its keys. */
export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const { t } = useLaterI18n();
  return (
    <Dialog title={t.keyboardShortcuts} onClose={onClose} class="shortcuts">
      <table>
        <thead>
          <tr>
            <th scope="col">{t.keys}</th>
            <th scope="col">{t.action}</th>
          </tr>
        </thead>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.id}>
              <td>
                {s.combos.map((combo, i) => (
                  <span key={i} class="combo">
                    {i > 0 && <span class="muted"> {t.or} </span>}
                    {keyCaps(combo).map((cap, j) => (
                      <span key={j}>
                        {j > 0 && '+'}
                        <kbd>{cap}</kbd>
                      </span>
                    ))}
                    {!combo.inTextField && <span class="muted"> {t.notWhileTyping}</span>}
                  </span>
                ))}
              </td>
              <td>{s.describe(t)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="row dialog-actions">
        <button type="button" autoFocus onClick={onClose}>
          {t.close}
        </button>
      </div>
    </Dialog>
  );
}

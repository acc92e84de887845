/**
 * What the app's forms share (sign-in, new room, new direct message): labelled fields, the error
 * said as an alert, a row with the submit button and one other, and the busy and error state of
 * running the form's action. The labels and button names are the forms' accessible names.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Ack } from '../../contract/index';
import { useLaterI18n } from '../i18n/later';
import { errorText } from './errors';

/** A field with its visible label (the label is its accessible name). */
export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

/** A form: its fields, the error (an alert), the submit button named `submit`, and `other`. */
export function FormLayout({
  class: className,
  onSubmit,
  error,
  busy,
  submit,
  other,
  children,
}: {
  class?: string;
  onSubmit: () => void;
  error: string | null;
  busy: boolean;
  submit: string;
  /** The second button of the row (never a submit button). */
  other: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <form
      class={className}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {children}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>
          {submit}
        </button>
        {other}
      </div>
    </form>
  );
}

/**
 * Runs a form's action: busy meanwhile; its refusal (or a generic error when it throws) kept to
 * show. `run` resolves the answer when it was ok, else null.
 */
export function useFormAction() {
  const { t } = useLaterI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run<T extends object>(action: () => Promise<Ack<T>>): Promise<({ ok: true } & T) | null> {
    setBusy(true);
    setError(null);
    try {
      const res = await action();
      if (res.ok) return res;
      setError(errorText(res.error, t));
    } catch {
      setError(t.errorGeneric);
    } finally {
      setBusy(false);
    }
    return null;
  }
  return { busy, error, run };
}

/**
 * The composer's box while Sends are being written to the outbox: a sent text stays in the box
 * until its write is done (see Composer's send), and the person may type or send meanwhile.
 */

/** A Send whose outbox write is under way. */
export interface Handed {
  /** The text handed to the outbox. */
  text: string;
  /** The person changed the box since (typed, pasted, replaced it). */
  edited: boolean;
}

/**
 * Whether the box's text begins with `handed`'s, as the text it still shows: untouched since,
 * or only added to (the same text typed anew is a new text, not the sent one).
 */
function stillShows(typed: string, handed: Handed): boolean {
  return handed.edited
    ? typed.length > handed.text.length && typed.startsWith(handed.text)
    : typed.startsWith(handed.text);
}

/** What a Send now sends: the box's text without the texts still shown of Sends being written. */
export function unsent(typed: string, writing: readonly Handed[]): string {
  let rest = typed;
  for (const handed of writing) if (stillShows(rest, handed)) rest = rest.slice(handed.text.length);
  return rest;
}

/** The box's text once `handed` is written: without its text if the box still shows it. */
export function afterSent(typed: string, handed: Handed): string {
  return stillShows(typed, handed) ? typed.slice(handed.text.length) : typed;
}

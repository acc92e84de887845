/**
 * The tabs' side of the hub: which ports it serves, what it broadcasts to them, and how their
 * requests reach a handler. A request is answered once the hub is ready (it has read who is
 * signed in); a handler that throws answers a safe INTERNAL error instead of never answering.
 */
import { ErrorCode, type Ack } from '../contract/index';
import { PortRegistry, type HubPort } from './ports';
import type { HubEvent, HubEvents, HubRequest, HubToTab, TabToHub } from './protocol';
import type { Handler, Handlers } from './requests';

export interface TabsOptions {
  handlers: Handlers;
  /** Settles when the hub can answer (requests wait for it). */
  ready: Promise<void>;
  /** A tab is (again) being served. */
  tabAdded(): void;
  /** The last tab is gone. */
  noTabs(): void;
}

export class Tabs {
  private readonly ports: PortRegistry;

  constructor(private readonly options: TabsOptions) {
    this.ports = new PortRegistry(() => options.noTabs());
  }

  /** Serves a tab; returns the function to call with each message the tab sends. */
  attach(port: HubPort): (message: TabToHub) => void {
    this.add(port);
    return (message) => {
      if (message.kind === 'bye') {
        this.ports.remove(port);
        return;
      }
      // A tab forgotten while frozen may speak again: serve it again.
      if (this.ports.has(port)) this.ports.touch(port);
      else this.add(port);
      if (message.kind === 'request') void this.answer(port, message);
    };
  }

  /** Sends an event to every tab. */
  emit<E extends HubEvent>(event: E, payload: HubEvents[E]): void {
    this.ports.broadcast({ kind: 'event', event, payload } as HubToTab);
  }

  /** Forgets every tab (the hub is stopping). */
  clear(): void {
    this.ports.clear();
  }

  private add(port: HubPort): void {
    this.ports.add(port);
    this.options.tabAdded();
  }

  private async answer(port: HubPort, request: HubRequest): Promise<void> {
    let result: Ack<object>;
    try {
      await this.options.ready;
      const handler = this.options.handlers[request.method] as Handler<typeof request.method>;
      result = await handler(request.params as never);
    } catch (err) {
      console.warn(`ferry hub: "${request.method}" failed`, err);
      result = {
        ok: false,
        error: {
          code: ErrorCode.INTERNAL,
          message: 'Something went wrong in the background. Reload the page and try again.',
        },
      };
    }
    port.post({ kind: 'response', id: request.id, result });
  }
}

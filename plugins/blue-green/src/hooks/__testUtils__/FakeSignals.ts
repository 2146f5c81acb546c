import { SignalApi } from '@backstage/plugin-signals-react';
import { act } from '@testing-library/react';

/** The app's signals: a test publishes on a channel as the backend would. */
export class FakeSignals implements SignalApi {
  readonly #listeners = new Map<string, (message: any) => void>();

  subscribe(channel: string, onMessage: (message: any) => void) {
    this.#listeners.set(channel, onMessage);
    return { unsubscribe: () => this.#listeners.delete(channel) };
  }

  async publish(channel: string, message: object) {
    await act(async () => this.#listeners.get(channel)?.(message));
  }
}

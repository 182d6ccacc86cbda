/**
 * What the WeChat platform channels keep between turns and instances — access tokens, the kf message
 * cursor, when a user last wrote (the 48-hour window), the numbered options of the bot's last message —
 * as small JSON items in the bot's `Storage` (the `bot_state` table of the SQL store), so every instance
 * behind a load balancer sees the same. A `MemoryStorage` serves tests.
 */
import type { Storage } from 'botbuilder';
import type { TokenEntry, TokenStore } from './wechat-api.js';

export interface ChannelStore extends TokenStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
}

/** A `ChannelStore` over a botbuilder `Storage`; keys are prefixed with `prefix` (e.g. `wechat-official/`). */
export function channelStore(storage: Storage, prefix: string): ChannelStore {
  const get = async <T>(key: string): Promise<T | undefined> => {
    const full = prefix + key;
    const items = await storage.read([full]);
    return (items[full] as { value?: T } | undefined)?.value;
  };
  const set = async (key: string, value: unknown): Promise<void> => {
    await storage.write({ [prefix + key]: { value, eTag: '*' } });
  };
  return {
    get,
    set,
    read: (key) => get<TokenEntry>(`token/${key}`),
    write: (key, entry) => set(`token/${key}`, entry),
  };
}

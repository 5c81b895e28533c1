import { ChdbStore } from './chdb-store.js';
import { ClickHouseHttpStore, type HttpStoreConfig } from './http-store.js';
import type { FlowStore, StoreConfig } from './store.js';

/**
 * A store from one location string, as services take it on the command line:
 * `chdb:<dir>` — the embedded engine in a data directory (one process only);
 * `http(s)://[user:password@]host:port[/database]` — a ClickHouse server over HTTP.
 */
export function openStore(location: string, config: StoreConfig & Partial<HttpStoreConfig> = {}): FlowStore {
  if (location.startsWith('chdb:')) {
    const path = location.slice(5);
    if (!path) throw new Error('chdb: needs a data directory, e.g. chdb:.cache/tcpx-data');
    return new ChdbStore({ ...config, path });
  }
  if (/^https?:\/\//.test(location)) {
    const url = new URL(location);
    const database = url.pathname.replace(/^\/+|\/+$/g, '') || config.database;
    const username = decodeURIComponent(url.username) || config.username;
    const password = decodeURIComponent(url.password) || config.password;
    url.username = '';
    url.password = '';
    url.pathname = '/';
    return new ClickHouseHttpStore({ ...config, url: url.origin, database, username, password });
  }
  throw new Error(`store location '${location}' is neither chdb:<dir> nor http(s)://host:port`);
}

/** A location for logs and messages: `http://user:password@host` → `http://host`. */
export function locationForLog(location: string): string {
  return location.replace(/\/\/[^@/]*@/, '//');
}

import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

/** What the UI serves, by extension; anything else (source maps aside) is not served. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export interface StaticFile {
  body: Buffer;
  contentType: string;
  /** Strong validator of the content, so a rebuilt file is never served from a stale cache. */
  etag: string;
}

/**
 * The file `relative` names under one of `roots` (first match wins), or undefined. Refuses what
 * could leave a root or expose something not meant for browsers: NUL bytes, backslashes, `..`
 * segments, dot-files, unknown extensions; the resolved path must still be inside its root.
 */
export async function findStaticFile(
  roots: readonly string[],
  relative: string,
): Promise<StaticFile | undefined> {
  if (relative.includes('\0') || relative.includes('\\')) return undefined;
  const segments = relative.split('/').filter((s) => s.length > 0);
  if (segments.length === 0 || segments.some((s) => s.startsWith('.'))) return undefined;
  const contentType = CONTENT_TYPES[extname(relative).toLowerCase()];
  if (!contentType) return undefined;
  for (const root of roots) {
    const base = resolve(root);
    const path = resolve(base, ...segments);
    if (!path.startsWith(base + sep)) continue;
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    const body = await readFile(path);
    const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
    return { body, contentType, etag };
  }
  return undefined;
}

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * Serves the built console (`frontend/dist`) when it exists: files by path, and `index.html` for every
 * other path so the console's client-side routes load. Without a build, nothing is served.
 */

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
};

export const contentTypeFor = (path: string): string =>
  CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';

/** The file a URL path maps to inside `root`, or undefined for a path that would leave it. */
export const resolveStaticPath = (root: string, urlPath: string): string | undefined => {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined; // Malformed escapes name no file.
  }
  if (decoded.includes('\0')) return undefined;
  const candidate = normalize(join(root, decoded));
  return candidate === root || candidate.startsWith(`${root}${sep}`) ? candidate : undefined;
};

const isFile = async (path: string): Promise<boolean> => {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return false;
    throw error;
  }
};

/** Writes the file or the SPA fallback; returns false when there is no console build to serve from. */
export const serveConsole = async (
  root: string,
  urlPath: string,
  method: string,
  response: ServerResponse,
): Promise<boolean> => {
  const index = join(root, 'index.html');
  if (!(await isFile(index))) return false;
  const requested = resolveStaticPath(root, urlPath);
  const file = requested && (await isFile(requested)) ? requested : index;
  // Hashed build assets never change; everything else is revalidated to pick up a new build.
  const cacheControl =
    file !== index && urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
  response.writeHead(200, { 'content-type': contentTypeFor(file), 'cache-control': cacheControl });
  if (method === 'HEAD') {
    response.end();
    return true;
  }
  await pipeline(createReadStream(file), response);
  return true;
};

import type { Server } from 'node:http';

/** Listening and closing HTTP servers, shared by the stack's own servers. */

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** The stack's servers listen on loopback only: a development stack is nothing to expose to a network. */
export const LOOPBACK = '127.0.0.1';

/** Listens and resolves to the bound port (the one asked for, or the one the OS chose for port 0). */
export const listen = (server: Server, port: number, host = LOOPBACK): Promise<number> =>
  new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} is in use: stop what uses it or choose another IMPORTS_PORT`, {
              cause: error,
            })
          : error,
      );
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });

/**
 * Stops accepting connections, lets requests in progress finish for up to `graceMs`, then cuts the rest
 * (an idle keep-alive connection would otherwise hold the stop forever).
 */
export const closeServer = (server: Server, graceMs = 5000): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close((error) => {
      clearTimeout(timer);
      if (error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });

import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createRemoteJWKSet } from 'jose';
import { createLogger, createPorts, cursorSecretSource } from '../shared/composition-root';
import { loadConfig } from '../shared/config';
import { createCursorCodec } from './cursor-codec';
import { toApiRequest, toStructuredResult } from './http-event';
import { createApi } from './router';
import { apiSettings } from './settings';
import { createTokenVerifier } from './token-verifier';

// Cold start: a missing or malformed setting fails here, loudly, before any request is served.
const config = loadConfig(apiSettings);
const issuer = config.AUTH_ISSUER.replace(/\/+$/, '');

const cursorSecret = cursorSecretSource(config);
const ports = createPorts(config);

const build = (secret: string) =>
  createApi({
    forAccount: (account) => {
      const { objects, tasks, records, emailSettings, mappings } = ports.forAccount(account);
      return { objects, tasks, records, settings: emailSettings, mappings };
    },
    addresses: ports.addresses,
    verifyToken: createTokenVerifier({
      issuer,
      clientIds: config.AUTH_CLIENT_IDS,
      adminGroup: config.AUTH_ADMIN_GROUP,
      // Cognito publishes its keys here; the local stack serves the same path under its own issuer.
      keys: createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`)),
    }),
    cursors: createCursorCodec(secret),
    logger: createLogger(config, 'api'),
    now: () => new Date(),
    newId: randomUUID,
  });

let api: ReturnType<typeof build> | undefined;

/** HTTP API (payload 2.0) entry point: every `/api/*` route. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  api ??= build(await cursorSecret());
  return toStructuredResult(await api(toApiRequest(event)));
};

import { z } from 'zod';

/**
 * The console's runtime configuration, read from `/config.json` at start so that one build serves every
 * environment. On AWS the CDK stack writes it (its `ConsoleConfig`: API URL and Cognito hosted sign-in);
 * the local stack serves the build's own `config.json`, which asks for local sign-in instead.
 */

const cognitoConfigSchema = z.object({
  apiUrl: z.url(),
  region: z.string().min(1),
  userPoolId: z.string().min(1),
  clientId: z.string().min(1),
  authDomain: z.url(),
  scopes: z.array(z.string().min(1)).min(1),
});

const localConfigSchema = z.object({
  /** Empty: the API is on the console's own origin. */
  apiUrl: z.union([z.literal(''), z.url()]),
  localSignIn: z.object({
    users: z.array(z.string().min(1)).min(1),
    /** Accounts the sign-in page suggests (any other safe id can be typed); the first is preselected. */
    accounts: z.array(z.string().min(1)).min(1).optional(),
  }),
});

export type CognitoConfig = z.infer<typeof cognitoConfigSchema> & { kind: 'cognito' };
export type LocalConfig = z.infer<typeof localConfigSchema> & { kind: 'local' };
export type ConsoleConfig = CognitoConfig | LocalConfig;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Tells the two shapes apart (local sign-in wins when both would match) or names what is wrong. */
export const parseConsoleConfig = (json: unknown): ConsoleConfig => {
  const local = localConfigSchema.safeParse(json);
  if (local.success) return { kind: 'local', ...local.data };
  const cognito = cognitoConfigSchema.safeParse(json);
  if (cognito.success) return { kind: 'cognito', ...cognito.data };
  const issues = cognito.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ConfigError(`config.json is not a valid console configuration: ${issues.join('; ')}`);
};

/** Builds an API URL from the configured base (no trailing slash) and a path starting with `/`. */
export const apiUrl = (config: ConsoleConfig, path: string): string =>
  `${config.apiUrl.replace(/\/+$/, '')}${path}`;

/** Fetches and parses `/config.json`; never cached, so a redeploy takes effect on the next load. */
export const loadConsoleConfig = async (fetchFn: typeof fetch = fetch): Promise<ConsoleConfig> => {
  const response = await fetchFn('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new ConfigError(`Could not load /config.json (HTTP ${response.status}).`);
  let json: unknown;
  try {
    json = await response.json();
  } catch (error) {
    throw new ConfigError('/config.json is not valid JSON.', { cause: error });
  }
  return parseConsoleConfig(json);
};

import type { AccountId } from '../shared/account';
import type {
  AddressRegistry,
  MappingStore,
  ObjectStore,
  RecordStore,
  SettingsStore,
  TaskStore,
} from '../shared/ports';
import type { CursorCodec } from './cursor-codec';
import type { TokenVerifier } from './token-verifier';

/** An HTTP request as the core sees it: no Lambda or API Gateway types past the handler. */
export interface ApiRequest {
  method: string;
  /** Path without query string, e.g. `/api/imports/123`. */
  path: string;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  query: Readonly<Record<string, string | undefined>>;
  /** Decoded body text, if any. */
  body?: string;
  /** Correlates a caller's error report with the log. */
  requestId?: string;
}

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The small slice of a logger the API uses; Powertools' Logger fits it. */
export interface ApiLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/** One account's stores: every key they read and write is that account's. */
export interface AccountStores {
  objects: ObjectStore;
  tasks: TaskStore;
  records: RecordStore;
  settings: SettingsStore;
  mappings: MappingStore;
}

/** Everything the API core needs, passed in as plain arguments (ports, not SDK clients). */
export interface ApiDeps {
  /** The stores of one account; a route is given its caller's only. */
  forAccount(account: AccountId): AccountStores;
  /** Which account holds each import address (the one store all accounts share). */
  addresses: AddressRegistry;
  verifyToken: TokenVerifier;
  cursors: CursorCodec;
  logger: ApiLogger;
  /** Injected so tests can pin timestamps and ids. */
  now: () => Date;
  newId: () => string;
}

/**
 * What a route works with: the caller's account, its stores, and cursors bound to it (a cursor of one
 * account is refused in another).
 */
export interface AccountApiDeps extends AccountStores, Omit<ApiDeps, 'forAccount' | 'verifyToken'> {
  account: AccountId;
}

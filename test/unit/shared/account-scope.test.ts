import fc from 'fast-check';
import {
  type AccountId,
  accountOf,
  accountSegment,
  DEFAULT_ACCOUNT,
  parseAccountId,
} from '../../../lambdas/shared/account';
import { AccountObjectStore, AccountQueue } from '../../../lambdas/shared/account-scope';
import { accountPartition } from '../../../lambdas/shared/adapters/account-keys';
import type { ChunkMessage } from '../../../lambdas/shared/model';
import {
  accountObjectKey,
  accountOfUploadKey,
  exceptionsKey,
  inboundKey,
  manifestKey,
  uploadKey,
} from '../../../lambdas/shared/object-keys';
import { FakeObjectStore, FakeQueue } from '../../helpers/fakes';

const ACME = 'acme' as AccountId;
const IMPORT_ID = '3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b';

describe('account ids', () => {
  it('takes lower-case letters, digits, - and _ up to 64 characters, and nothing else', () => {
    // Assess
    for (const good of ['default', 'acme', 'a', 'acme-eu_2', '0', 'x'.repeat(64)]) {
      expect(parseAccountId(good)).toBe(good);
    }
    for (const bad of [
      '',
      'Acme',
      '-acme',
      '_a',
      'a b',
      'a/b',
      'a#b',
      'a.b',
      '..',
      'x'.repeat(65),
      'é',
      7,
      null,
    ]) {
      expect(parseAccountId(bad)).toBeUndefined();
    }
  });

  it('never lets a key separator or a path step through into a key, whatever the input', () => {
    // Assess
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const account = parseAccountId(text);
        if (account === undefined) {
          expect(() => accountSegment(text as AccountId)).toThrow('Not an account id');
          return;
        }
        expect(accountSegment(account)).toBe(account);
        expect(accountPartition(account, 'IMPORT#1')).toBe(`ACCOUNT#${account}#IMPORT#1`);
        expect(accountObjectKey(account, uploadKey(IMPORT_ID, 'f.csv')).split('/')).toHaveLength(4);
      }),
    );
  });

  it('reads a message without an account as the default account’s, and refuses one with an unsafe id', () => {
    // Assess
    expect(accountOf({})).toBe(DEFAULT_ACCOUNT);
    expect(accountOf({ account: 'acme' })).toBe('acme');
    expect(() => accountOf({ account: 'ACME/x' })).toThrow('unsafe account id');
  });
});

describe('account object keys', () => {
  it('puts the account after the top prefix of every kind of object', () => {
    // Assess
    expect(accountObjectKey(ACME, uploadKey(IMPORT_ID, 'users.csv'))).toBe(
      `uploads/acme/${IMPORT_ID}/users.csv`,
    );
    expect(accountObjectKey(ACME, exceptionsKey(IMPORT_ID))).toBe(`reports/acme/${IMPORT_ID}/exceptions.csv`);
    expect(accountObjectKey(ACME, manifestKey(IMPORT_ID))).toBe(`work/acme/${IMPORT_ID}/manifest.json`);
    expect(accountObjectKey(ACME, inboundKey('msg-1'))).toBe('inbound/acme/msg-1');
    expect(() => accountObjectKey(ACME, 'elsewhere/x')).toThrow('Not a key of an account');
  });

  it('reads the account of an uploaded key, and an upload from before accounts as the default account’s', () => {
    // Assess
    expect(accountOfUploadKey(`uploads/acme/${IMPORT_ID}/users.csv`)).toEqual({
      account: 'acme',
      key: `uploads/${IMPORT_ID}/users.csv`,
    });
    expect(accountOfUploadKey(`uploads/${IMPORT_ID}/users.csv`)).toEqual({
      account: 'default',
      key: `uploads/${IMPORT_ID}/users.csv`,
    });
    expect(accountOfUploadKey(`uploads/Not-Safe/${IMPORT_ID}/users.csv`)).toBeUndefined();
    expect(accountOfUploadKey(`uploads/acme/${IMPORT_ID}/a/users.csv`)).toBeUndefined();
    expect(accountOfUploadKey(`reports/acme/${IMPORT_ID}/results.csv`)).toBeUndefined();
  });
});

describe('an account’s ports', () => {
  it('stores and reads every object under the account’s own keys', async () => {
    // Prepare
    const bucket = new FakeObjectStore();
    const acme = new AccountObjectStore(bucket, ACME);
    const globex = new AccountObjectStore(bucket, 'globex' as AccountId);

    // Act
    await acme.put(exceptionsKey(IMPORT_ID), 'acme rows', 'text/csv');
    const uploadId = await acme.createMultipartUpload(uploadKey(IMPORT_ID, 'f.csv'), 'text/csv');
    const url = await acme.presignGet(exceptionsKey(IMPORT_ID), 60, 'exceptions.csv');

    // Assess
    expect([...bucket.objects.keys()]).toEqual([`reports/acme/${IMPORT_ID}/exceptions.csv`]);
    expect(bucket.uploads.get(uploadId)?.key).toBe(`uploads/acme/${IMPORT_ID}/f.csv`);
    expect(url).toContain(`reports/acme/${IMPORT_ID}/exceptions.csv`);
    expect(await globex.head(exceptionsKey(IMPORT_ID))).toBeUndefined();
    expect((await acme.getRange(exceptionsKey(IMPORT_ID), 0, 4)).toString()).toBe('acme');
  });

  it('names the account on every message it sends', async () => {
    // Prepare
    const queue = new FakeQueue<Pick<ChunkMessage, 'importId' | 'account'>>();
    const acme = new AccountQueue(queue, ACME);

    // Act
    await acme.send([{ importId: 'a' }, { importId: 'b', account: 'globex' }]);

    // Assess
    expect(queue.sent).toEqual([
      { importId: 'a', account: 'acme' },
      { importId: 'b', account: 'acme' },
    ]);
  });
});

import { createCursorCodec } from '../../../lambdas/api/cursor-codec';
import { BadRequestError } from '../../../lambdas/shared/errors';

const SECRET = 'a-cursor-secret-of-at-least-32-characters';
const POSITION = { pk: 'IMPORT#1', sk: 'ERRS#000001#0002', offset: 17 };

describe('createCursorCodec', () => {
  it('round-trips a store position within its scope', () => {
    const codec = createCursorCodec(SECRET);

    const cursor = codec.encode('errors:import-1', POSITION);

    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(codec.decode('errors:import-1', cursor ?? undefined)).toEqual(POSITION);
  });

  it('has no cursor after the last page and starts from the top without one', () => {
    const codec = createCursorCodec(SECRET);

    expect(codec.encode('imports', undefined)).toBeNull();
    expect(codec.decode('imports', undefined)).toBeUndefined();
  });

  it('refuses a cursor from another scope or signed with another secret', () => {
    const codec = createCursorCodec(SECRET);
    const cursor = codec.encode('errors:import-1', POSITION) ?? '';

    expect(() => codec.decode('errors:import-2', cursor)).toThrow(BadRequestError);
    expect(() => createCursorCodec(`${SECRET}-rotated`).decode('errors:import-1', cursor)).toThrow(
      'Invalid cursor',
    );
  });

  it('refuses a cursor whose position was edited', () => {
    const codec = createCursorCodec(SECRET);
    const [, signature] = (codec.encode('imports', POSITION) ?? '').split('.');
    const edited = Buffer.from(JSON.stringify({ ...POSITION, pk: 'IMPORT#2' })).toString('base64url');

    expect(() => codec.decode('imports', `${edited}.${signature}`)).toThrow('Invalid cursor');
  });

  it.each(['', '.', 'abc', 'a.b.c', 'eyJ9.', '!!!.???'])('refuses the malformed cursor %p', (cursor) => {
    const codec = createCursorCodec(SECRET);

    expect(() => codec.decode('imports', cursor)).toThrow('Invalid cursor');
  });
});

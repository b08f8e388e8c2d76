import { KeyIndex } from '../../../lambdas/validate-file/duplicate-keys';

describe('KeyIndex', () => {
  it('returns the first row of a repeated key and undefined for a new one', () => {
    // Prepare
    const index = new KeyIndex();

    // Act
    const outcomes = [
      index.firstRowOf('a@example.com', 2),
      index.firstRowOf('b@example.com', 3),
      index.firstRowOf('a@example.com', 4),
      index.firstRowOf('a@example.com', 5),
    ];

    // Assess
    expect(outcomes).toEqual([undefined, undefined, 2, 2]);
    expect(index.size).toBe(2);
  });

  it('keeps every key through many resizes', () => {
    // Prepare
    const index = new KeyIndex(16);
    const keys = Array.from({ length: 50_000 }, (_, n) => `user${n}@example.com`);

    // Act
    const firstPass = keys.map((key, n) => index.firstRowOf(key, n + 2));
    const secondPass = keys.map((key, n) => index.firstRowOf(key, n + 100_000));

    // Assess
    expect(firstPass.every((row) => row === undefined)).toBe(true);
    expect(secondPass).toEqual(keys.map((_, n) => n + 2));
    expect(index.size).toBe(50_000);
  });

  it('tells apart keys that differ only in one character or in order', () => {
    const index = new KeyIndex();
    expect(['ab', 'ba', 'abc', 'abd', 'é', 'e'].map((key, n) => index.firstRowOf(key, n + 2))).toEqual(
      Array(6).fill(undefined),
    );
  });
});

import type { Readable } from 'node:stream';
import {
  closeIteratorsAtEnd,
  type IteratingLevel,
  type LevelIterator,
} from '../../../../local/emulators/dynalite-iterators';

/** A LevelDB handle whose iterators yield `items` and record whether they were closed. */
const fakeLevel = (items: readonly unknown[]) => {
  const iterators: { closed: boolean }[] = [];
  const iterator = (): LevelIterator => {
    const state = { closed: false };
    iterators.push(state);
    let next = 0;
    return {
      next: async () => items[next++],
      close: async () => {
        state.closed = true;
      },
    };
  };
  const level: IteratingLevel = { values: iterator, keys: iterator };
  closeIteratorsAtEnd(level);
  return { level, iterators };
};

const readAll = async (stream: Readable): Promise<unknown[]> => {
  const values: unknown[] = [];
  for await (const value of stream) values.push(value);
  return values;
};

describe('closeIteratorsAtEnd', () => {
  it('streams every value, then closes the iterator at the end of the data', async () => {
    // Prepare
    const { level, iterators } = fakeLevel(['a', 'b']);

    // Act
    const values = await readAll(level.createValueStream?.({}) as Readable);

    // Assess
    expect(values).toEqual(['a', 'b']);
    expect(iterators).toEqual([{ closed: true }]);
  });

  it('closes the iterator of a stream destroyed before its end (a query that hit its limit)', async () => {
    // Prepare
    const { level, iterators } = fakeLevel(['k1', 'k2', 'k3']);
    const stream = level.createKeyStream?.({}) as Readable;

    // Act
    for await (const _first of stream) break;

    // Assess
    expect(iterators).toEqual([{ closed: true }]);
  });
});

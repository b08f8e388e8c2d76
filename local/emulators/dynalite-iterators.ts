import { Readable } from 'node:stream';

/**
 * A fix for dynalite 4 on abstract-level 3: its Query and Scan read through streams whose LevelDB
 * iterators are never closed (it calls `iterator.return()`, which abstract-level iterators do not have,
 * and nothing at the end of the data). Every open iterator pins a LevelDB version, so no compacted file
 * was ever deleted: a 200 MB import left 1.4 GB of table files and as much resident memory in the
 * emulator. These streams close their iterator at the end of the data and when destroyed early.
 */

export interface LevelIterator {
  next(): Promise<unknown>;
  close(): Promise<void>;
}

/** The part of dynalite's LevelDB handle its queries read through. */
export interface IteratingLevel {
  values(options: object): LevelIterator;
  keys(options: object): LevelIterator;
  createValueStream?: (options: object) => Readable;
  createKeyStream?: (options: object) => Readable;
}

const closingStream = (iterator: LevelIterator): Readable => {
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= iterator.close();
    return closing;
  };
  return new Readable({
    objectMode: true,
    read() {
      iterator.next().then(
        (value) => {
          if (value !== undefined) {
            this.push(value);
            return;
          }
          close().then(
            () => this.push(null),
            (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
          );
        },
        (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
      );
    },
    destroy(error, callback) {
      close().then(
        () => callback(error),
        () => callback(error),
      );
    },
  });
};

/** Replaces dynalite's value and key streams on its LevelDB handle with ones that close their iterators. */
export const closeIteratorsAtEnd = (level: IteratingLevel): void => {
  level.createValueStream = (options) => closingStream(level.values(options));
  level.createKeyStream = (options) => closingStream(level.keys(options));
};

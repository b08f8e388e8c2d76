/** One reading of a task's `processedRows`, taken at `at` (epoch ms). */
export interface ProgressSample {
  at: number;
  processedRows: number;
}

export interface ProcessingEstimate {
  /** 0..1, or undefined while the row count is not known yet. */
  fraction: number | undefined;
  rowsPerSecond: number | undefined;
  /** Seconds until done at the current rate, or undefined when there is no rate yet. */
  etaSeconds: number | undefined;
}

/** Rates over this window follow speed changes without jumping on every poll. */
const WINDOW_MS = 10_000;

/** Keeps the samples the estimate needs: the last window, plus one before it as its baseline. */
export const addSample = (samples: readonly ProgressSample[], sample: ProgressSample): ProgressSample[] => {
  const next = [...samples, sample];
  const cutoff = sample.at - WINDOW_MS;
  const firstInWindow = next.findIndex((each) => each.at >= cutoff);
  return next.slice(Math.max(0, firstInWindow - 1));
};

/** Rows per second over the sampled window, and the time left at that rate. */
export const estimateProcessing = (
  samples: readonly ProgressSample[],
  totalRows: number | undefined,
): ProcessingEstimate => {
  const last = samples.at(-1);
  const first = samples[0];
  const done = last?.processedRows ?? 0;
  const fraction = totalRows === undefined ? undefined : totalRows === 0 ? 1 : Math.min(1, done / totalRows);
  if (!first || !last || last.at <= first.at || last.processedRows <= first.processedRows) {
    return { fraction, rowsPerSecond: undefined, etaSeconds: undefined };
  }
  const rowsPerSecond = ((last.processedRows - first.processedRows) * 1000) / (last.at - first.at);
  const etaSeconds = totalRows === undefined ? undefined : Math.max(0, totalRows - done) / rowsPerSecond;
  return { fraction, rowsPerSecond, etaSeconds };
};

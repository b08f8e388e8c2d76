/** How numbers, sizes and times read in the console (the browser's locale). */

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export const formatDateTime = (iso: string | undefined): string => {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
};

const dateOnly = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const timeOnly = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Date and time apart, for narrow table cells that show them on two lines. */
export const formatDateParts = (iso: string | undefined): { date: string; time: string } | undefined => {
  if (!iso) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? { date: iso, time: '' }
    : { date: dateOnly.format(date), time: timeOnly.format(date) };
};

export const formatCount = (value: number | undefined): string =>
  value === undefined ? '—' : value.toLocaleString();

const UNITS = ['bytes', 'KB', 'MB', 'GB'] as const;

/** Binary units, as the 200 MB limit is (209,715,200 bytes). */
export const formatBytes = (bytes: number | undefined): string => {
  if (bytes === undefined) return '—';
  if (bytes < 1024) return `${bytes.toLocaleString()} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`;
};

/** "3 s", "2 min 5 s", "1 h 4 min". */
export const formatDuration = (seconds: number): string => {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min${whole % 60 ? ` ${whole % 60} s` : ''}`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
};

/** Time between two ISO instants, or undefined when either is missing. */
export const elapsed = (from: string | undefined, to: string | undefined): string | undefined => {
  if (!from || !to) return undefined;
  const ms = new Date(to).getTime() - new Date(from).getTime();
  return Number.isFinite(ms) && ms >= 0 ? formatDuration(ms / 1000) : undefined;
};

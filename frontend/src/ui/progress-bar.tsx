/** A labelled progress bar; `value` undefined shows an indeterminate bar. */
export const ProgressBar = ({
  label,
  value,
  tone = 'active',
}: {
  label: string;
  /** 0..1 */
  value: number | undefined;
  tone?: 'active' | 'success' | 'warning' | 'danger';
}) => {
  const percent = value === undefined ? undefined : Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div
      className={`progress progress-${tone}${percent === undefined ? ' progress-indeterminate' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
    >
      <div className="progress-fill" style={percent === undefined ? undefined : { width: `${percent}%` }} />
    </div>
  );
};

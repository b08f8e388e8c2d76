import type { TaskStatus } from '../../../lambdas/shared/model';
import { STATUS_DISPLAY } from '../imports/status';

/** A task's status as a coloured chip with the DESIGN §3 label; the meaning is its tooltip. */
export const StatusChip = ({ status }: { status: TaskStatus }) => {
  const display = STATUS_DISPLAY[status];
  return (
    <span className={`chip chip-${display.tone}`} title={display.hint} data-status={status}>
      {display.tone === 'active' ? <span className="chip-pulse" aria-hidden="true" /> : null}
      {display.label}
    </span>
  );
};

import { readdir } from 'node:fs/promises';
import {
  type GroupMember,
  parseStat,
  processGroupMembers,
  readProcText,
} from '../test/helpers/process-group';

/**
 * Where the CPU went during the end-to-end run's process stage: the CPU time of every process of the
 * local stack's process group (the stack itself, the DynamoDB emulator, the npm/tsx launchers), split by
 * thread kind, and how busy the whole machine was. Read from Linux /proc: two snapshots, one at the start
 * of the stage and one at its end; elsewhere the bench prints that it could not tell.
 */

/** Linux reports CPU times in USER_HZ ticks, 100 per second on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

export const ProcessRole = { STACK: 'stack', DYNAMODB: 'dynamodb', LAUNCHER: 'launcher' } as const;
export type ProcessRole = (typeof ProcessRole)[keyof typeof ProcessRole];

export const ThreadKind = {
  /** The JavaScript main thread. */
  MAIN: 'main',
  /** worker_threads: the function environments of the stack. */
  WORKER: 'worker',
  /** V8's helper threads: concurrent and parallel garbage collection, compilers. */
  V8: 'v8',
  /** libuv's thread pool: file reads and writes, and LevelDB's work in the emulator. */
  LIBUV: 'libuv',
  OTHER: 'other',
} as const;
export type ThreadKind = (typeof ThreadKind)[keyof typeof ThreadKind];

export const threadKind = (comm: string): ThreadKind => {
  if (comm === 'MainThread') return ThreadKind.MAIN;
  if (comm === 'WorkerThread') return ThreadKind.WORKER;
  if (comm.startsWith('V8Worker') || comm.startsWith('V8 ')) return ThreadKind.V8;
  if (comm.startsWith('libuv-worker')) return ThreadKind.LIBUV;
  return ThreadKind.OTHER;
};

/** Which part of the stack a process of its group is, from its command line. */
export const processRole = (commandLine: string): ProcessRole => {
  if (/dynamodb-child/.test(commandLine)) return ProcessRole.DYNAMODB;
  // npm exec and the tsx CLI only spawn the process that runs local/start.ts under tsx's loader.
  if (/local\/start\.ts/.test(commandLine) && /--require\s+\S*tsx/.test(commandLine))
    return ProcessRole.STACK;
  return ProcessRole.LAUNCHER;
};

export interface ProcessSample {
  pid: number;
  role: ProcessRole;
  /** The whole process, threads that have exited included. */
  cpuTicks: number;
  threads: { tid: number; kind: ThreadKind; cpuTicks: number }[];
}

export interface MachineSample {
  busyTicks: number;
  stealTicks: number;
  totalTicks: number;
}

export interface CpuSnapshot {
  processes: ProcessSample[];
  machine?: MachineSample;
}

/** The aggregate `cpu` line of /proc/stat. Steal counts as busy: the cores were not ours to use. */
export const parseMachineStat = (procStat: string): MachineSample | undefined => {
  const line = procStat.split('\n').find((candidate) => candidate.startsWith('cpu '));
  const values = (line ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  if (values.length < 8 || !values.every(Number.isFinite)) return undefined;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
  const busy = user + nice + system + irq + softirq + steal;
  return { busyTicks: busy, stealTicks: steal, totalTicks: busy + idle + iowait };
};

/** The CPU of a group member and of each of its threads. */
const sampleProcess = async ({ pid, commandLine, stat }: GroupMember): Promise<ProcessSample> => {
  let tids: string[] = [];
  try {
    tids = await readdir(`/proc/${pid}/task`);
  } catch {
    // Exited since it was listed: its total stands, without threads.
  }
  const threads: ProcessSample['threads'] = [];
  for (const tid of tids) {
    const thread = parseStat((await readProcText(`/proc/${pid}/task/${tid}/stat`)) ?? '');
    if (thread) threads.push({ tid: Number(tid), kind: threadKind(thread.comm), cpuTicks: thread.cpuTicks });
  }
  return { pid, role: processRole(commandLine), cpuTicks: stat.cpuTicks, threads };
};

/** CPU seconds a process has used so far (all its threads); undefined where /proc cannot tell. */
export const processCpuSeconds = async (pid: number): Promise<number | undefined> => {
  const stat = parseStat((await readProcText(`/proc/${pid}/stat`)) ?? '');
  return stat ? stat.cpuTicks / TICKS_PER_SECOND : undefined;
};

/** CPU times of every process in the process group `group`, and of the machine. */
export const snapshotCpu = async (group: number): Promise<CpuSnapshot> => {
  const processes: ProcessSample[] = [];
  for (const member of await processGroupMembers(group)) processes.push(await sampleProcess(member));
  const machine = parseMachineStat((await readProcText('/proc/stat')) ?? '');
  return { processes, ...(machine ? { machine } : {}) };
};

export interface RoleShare {
  role: ProcessRole;
  /** CPU seconds used in the interval. */
  seconds: number;
  /** CPU seconds by thread kind; threads that exited in the interval count under `other`. */
  byKind: Record<ThreadKind, number>;
}

export interface CpuShare {
  /** Wall-clock seconds between the snapshots. */
  seconds: number;
  roles: RoleShare[];
  /** Fraction of all cores busy (steal included), and of them stolen by other guests. */
  machineBusy?: number;
  machineSteal?: number;
}

const emptyKinds = (): Record<ThreadKind, number> => ({ main: 0, worker: 0, v8: 0, libuv: 0, other: 0 });

/** The CPU used between two snapshots `seconds` apart, summed by process role and thread kind. */
export const cpuShare = (before: CpuSnapshot, after: CpuSnapshot, seconds: number): CpuShare => {
  const roles = new Map<ProcessRole, RoleShare>();
  for (const process of after.processes) {
    const earlier = before.processes.find((candidate) => candidate.pid === process.pid);
    const share = roles.get(process.role) ?? { role: process.role, seconds: 0, byKind: emptyKinds() };
    roles.set(process.role, share);
    const processTicks = process.cpuTicks - (earlier?.cpuTicks ?? 0);
    share.seconds += processTicks / TICKS_PER_SECOND;
    let threadTicks = 0;
    for (const thread of process.threads) {
      const was = earlier?.threads.find((candidate) => candidate.tid === thread.tid)?.cpuTicks ?? 0;
      const used = thread.cpuTicks - was;
      threadTicks += used;
      share.byKind[thread.kind] += used / TICKS_PER_SECOND;
    }
    // Threads that ended between the snapshots (an environment restarted, a pool shrunk).
    share.byKind.other += Math.max(0, processTicks - threadTicks) / TICKS_PER_SECOND;
  }
  const machine =
    before.machine && after.machine && after.machine.totalTicks > before.machine.totalTicks
      ? {
          machineBusy:
            (after.machine.busyTicks - before.machine.busyTicks) /
            (after.machine.totalTicks - before.machine.totalTicks),
          machineSteal:
            (after.machine.stealTicks - before.machine.stealTicks) /
            (after.machine.totalTicks - before.machine.totalTicks),
        }
      : {};
  return { seconds, roles: [...roles.values()], ...machine };
};

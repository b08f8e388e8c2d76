import { readFileSync } from 'node:fs';
import {
  type CpuSnapshot,
  cpuShare,
  type ProcessSample,
  parseMachineStat,
  processRole,
  snapshotCpu,
  threadKind,
} from '../../../scripts/bench-cpu-share';
import { processCpuSummary } from '../../../scripts/bench-report';
import { parseStat } from '../../helpers/process-group';

/** A /proc stat line: fields after the command name up to stime, the rest left out. */
const statLine = (pid: number, comm: string, pgrp: number, utime: number, stime: number) =>
  `${pid} (${comm}) S 1 ${pgrp} ${pgrp} 0 -1 4194560 100 0 0 0 ${utime} ${stime} 0 0 20 0 7 0`;

describe('parseStat', () => {
  it('reads the group and utime + stime, counting fields from the last parenthesis of the name', () => {
    // Act
    const fields = parseStat(statLine(42, 'odd) name (x', 40, 250, 30));

    // Assess
    expect(fields).toEqual({ comm: 'odd) name (x', processGroup: 40, cpuTicks: 280 });
  });

  it('gives undefined for a line that is not a stat line', () => {
    // Act / Assess
    expect(parseStat('')).toBeUndefined();
    expect(parseStat('42 (node) S 1')).toBeUndefined();
  });
});

describe('threadKind and processRole', () => {
  it.each([
    ['MainThread', 'main'],
    ['WorkerThread', 'worker'],
    ['V8Worker', 'v8'],
    ['libuv-worker', 'libuv'],
    ['node', 'other'],
  ])('names thread %s as %s', (comm, kind) => {
    // Act / Assess
    expect(threadKind(comm)).toBe(kind);
  });

  it.each([
    [
      '/usr/bin/node --require /p/tsx/dist/preflight.cjs --import file:///p/tsx/loader.mjs local/start.ts',
      'stack',
    ],
    [
      '/usr/bin/node --require /p/tsx/dist/preflight.cjs /p/local/emulators/dynamodb-child.ts /tmp/d 0',
      'dynamodb',
    ],
    ['npm exec tsx local/start.ts', 'launcher'],
    ['node /p/node_modules/.bin/tsx local/start.ts', 'launcher'],
  ])('names process %s as %s', (commandLine, role) => {
    // Act / Assess
    expect(processRole(commandLine)).toBe(role);
  });
});

describe('parseMachineStat', () => {
  it('counts steal as busy and iowait as idle', () => {
    // Act
    const machine = parseMachineStat('cpu  100 0 50 800 40 5 5 10 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n');

    // Assess
    expect(machine).toEqual({ busyTicks: 170, stealTicks: 10, totalTicks: 1010 });
  });

  it('gives undefined without the aggregate cpu line', () => {
    // Act / Assess
    expect(parseMachineStat('intr 1 2 3\n')).toBeUndefined();
  });
});

const processSample = (
  pid: number,
  role: ProcessSample['role'],
  cpuTicks: number,
  threads: [number, ProcessSample['threads'][number]['kind'], number][],
): ProcessSample => ({
  pid,
  role,
  cpuTicks,
  threads: threads.map(([tid, kind, ticks]) => ({ tid, kind, cpuTicks: ticks })),
});

describe('cpuShare', () => {
  it('sums the CPU used between the snapshots by role and thread kind, exited threads under other', () => {
    // Prepare: in 10 s the emulator used 12 s of CPU, the stack 5 s, of which 1 s in a thread that exited.
    const before: CpuSnapshot = {
      processes: [
        processSample(10, 'dynamodb', 300, [
          [10, 'main', 200],
          [11, 'libuv', 100],
        ]),
        processSample(20, 'stack', 500, [
          [20, 'main', 100],
          [21, 'worker', 300],
          [22, 'worker', 100],
        ]),
      ],
      machine: { busyTicks: 1000, stealTicks: 10, totalTicks: 5000 },
    };
    const after: CpuSnapshot = {
      processes: [
        processSample(10, 'dynamodb', 1500, [
          [10, 'main', 800],
          [11, 'libuv', 700],
        ]),
        processSample(20, 'stack', 1000, [
          [20, 'main', 150],
          [21, 'worker', 650],
        ]),
      ],
      machine: { busyTicks: 2800, stealTicks: 30, totalTicks: 7000 },
    };

    // Act
    const share = cpuShare(before, after, 10);

    // Assess
    expect(share.seconds).toBe(10);
    expect(share.machineBusy).toBeCloseTo(0.9);
    expect(share.machineSteal).toBeCloseTo(0.01);
    const dynamodb = share.roles.find((role) => role.role === 'dynamodb');
    expect(dynamodb?.seconds).toBeCloseTo(12);
    expect(dynamodb?.byKind).toMatchObject({ main: 6, libuv: 6, other: 0 });
    const stack = share.roles.find((role) => role.role === 'stack');
    expect(stack?.seconds).toBeCloseTo(5);
    expect(stack?.byKind).toMatchObject({ main: 0.5, worker: 3.5, other: 1 });
  });

  it('counts a process that started after the first snapshot from zero', () => {
    // Prepare
    const after: CpuSnapshot = { processes: [processSample(30, 'launcher', 20, [[30, 'main', 20]])] };

    // Act
    const share = cpuShare({ processes: [] }, after, 2);

    // Assess
    expect(share.roles).toEqual([
      { role: 'launcher', seconds: 0.2, byKind: { main: 0.2, worker: 0, v8: 0, libuv: 0, other: 0 } },
    ]);
    expect(share.machineBusy).toBeUndefined();
  });
});

describe('processCpuSummary', () => {
  it('prints cores and CPU per row for each part, costliest first, with the machine load', () => {
    // Prepare
    const share = {
      seconds: 100,
      machineBusy: 0.92,
      machineSteal: 0.01,
      roles: [
        { role: 'stack' as const, seconds: 50, byKind: { main: 5, worker: 35, v8: 10, libuv: 0, other: 0 } },
        {
          role: 'dynamodb' as const,
          seconds: 125,
          byKind: { main: 60, worker: 0, v8: 8, libuv: 57, other: 0 },
        },
      ],
    };

    // Act
    const lines = processCpuSummary(share, 500_000).split('\n');

    // Assess
    expect(lines[0]).toBe('CPU in the process stage (100.0 s, machine 92 % busy, 1 % of it stolen)');
    expect(lines[1]).toMatch(
      /^ {2}DynamoDB emulator +1\.25 cores, 250 µs CPU\/row \(main 0\.60, libuv pool 0\.57, V8 helpers \(GC\) 0\.08\)$/,
    );
    expect(lines[2]).toMatch(
      /^ {2}stack .+ 0\.50 cores, 100 µs CPU\/row \(main 0\.05, function threads 0\.35/,
    );
  });
});

describe('snapshotCpu', () => {
  it('finds this process in its own process group with its main thread', async () => {
    // Prepare: jest's worker is a process group member or leader; its group is read from /proc.
    const own = parseStat(readFileSync('/proc/self/stat', 'utf8'));
    if (!own) throw new Error('This test needs Linux /proc');

    // Act
    const snapshot = await snapshotCpu(own.processGroup);

    // Assess
    const me = snapshot.processes.find((sample) => sample.pid === process.pid);
    expect(me?.threads.some((thread) => thread.tid === process.pid)).toBe(true);
    expect(snapshot.machine?.totalTicks).toBeGreaterThan(0);
  });
});

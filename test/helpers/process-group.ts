import { readdir, readFile } from 'node:fs/promises';

/**
 * The processes of one process group (a local stack launched as a group leader), read from Linux /proc:
 * for the test stack to kill one part of itself, and for the bench to see where the CPU went.
 */

export interface StatFields {
  /** The command name between the parentheses (a thread's name for a thread). */
  comm: string;
  processGroup: number;
  /** utime + stime, in ticks. */
  cpuTicks: number;
}

/**
 * Parses a /proc `stat` line. The command name may hold spaces and parentheses, so fields are counted
 * from its last closing parenthesis: state, ppid, pgrp, …, utime (14th field) and stime (15th).
 */
export const parseStat = (line: string): StatFields | undefined => {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = line
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state): field n is rest[n - 3].
  const processGroup = Number(rest[2]);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (![processGroup, utime, stime].every(Number.isFinite)) return undefined;
  return { comm: line.slice(open + 1, close), processGroup, cpuTicks: utime + stime };
};

/** A /proc file's text, or undefined when the process is gone (or this is not Linux). */
export const readProcText = async (path: string): Promise<string | undefined> => {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
};

export interface GroupMember {
  pid: number;
  /** Arguments joined by spaces. */
  commandLine: string;
  stat: StatFields;
}

/** Every live process of the process group `group`, the leader included; none where /proc is absent. */
export const processGroupMembers = async (group: number): Promise<GroupMember[]> => {
  let entries: string[];
  try {
    entries = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  const members: GroupMember[] = [];
  for (const entry of entries) {
    const stat = parseStat((await readProcText(`/proc/${entry}/stat`)) ?? '');
    if (!stat || stat.processGroup !== group) continue;
    const commandLine = await readProcText(`/proc/${entry}/cmdline`);
    if (commandLine === undefined) continue; // Exited while we looked.
    members.push({ pid: Number(entry), commandLine: commandLine.replaceAll('\0', ' '), stat });
  }
  return members;
};

#!/usr/bin/env node
// npm run remind -- [unacknowledged|overdue|all] [--at ISO-TIME] [--project ID]
// Runs the reminder schedules once, now: the same code as the scheduled
// functions remindUnacknowledged and remindOverdue. On the emulators this is
// the way to fire them on demand (the Functions emulator cannot trigger
// 2nd-gen scheduled functions from their firebase-schedule-* topics).
import './lib/node22.mjs';
import { adminTarget, builtModule, explain } from './lib/admin.mjs';

const target = adminTarget(process.argv.slice(2));
const which = target.rest.find((a, i) => !a.startsWith('--') && target.rest[i - 1] !== '--at') ?? 'all';
const atArg = target.opt('--at');
const now = atArg ? new Date(atArg) : new Date();
if (Number.isNaN(now.getTime())) {
  console.error(`npm run remind: --at ${atArg} is not a date (use ISO 8601, e.g. 2026-12-01T09:00:00Z)`);
  process.exit(2);
}
if (!['unacknowledged', 'overdue', 'all'].includes(which)) {
  console.error('usage: npm run remind -- [unacknowledged|overdue|all] [--at ISO-TIME] [--project ID]');
  process.exit(2);
}
const reminders = builtModule('app/reminders.js', 'remind');
const tz = process.env.REMINDER_TIME_ZONE ?? 'Etc/UTC';
try {
  if (which !== 'overdue') console.log(`unacknowledged incidents re-announced: ${(await reminders.remindUnacknowledged(now)).length}`);
  if (which !== 'unacknowledged') console.log(`overdue postmortems and action items reminded: ${(await reminders.remindOverdue(tz, now)).length}`);
  process.exit(0);
} catch (e) {
  console.error(`npm run remind: ${explain(e, target)}`);
  process.exit(1);
}

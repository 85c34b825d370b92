#!/usr/bin/env node
// npm run remind -- [unacknowledged|overdue|all] [--project ID]
// Runs the reminder schedules once, now: the same code as the scheduled
// functions remindUnacknowledged and remindOverdue. On the emulators this is
// the way to fire them on demand (the Functions emulator cannot trigger
// 2nd-gen scheduled functions from their firebase-schedule-* topics).
import './lib/node22.mjs';
import { adminTarget, builtModule, explain } from './lib/admin.mjs';

const target = adminTarget(process.argv.slice(2));
const which = target.rest[0] ?? 'all';
if (!['unacknowledged', 'overdue', 'all'].includes(which)) {
  console.error('usage: npm run remind -- [unacknowledged|overdue|all] [--project ID]');
  process.exit(2);
}
const reminders = builtModule('app/reminders.js', 'remind');
const tz = process.env.REMINDER_TIME_ZONE ?? 'Etc/UTC';
try {
  if (which !== 'overdue') console.log(`unacknowledged incidents re-announced: ${await reminders.remindUnacknowledged()}`);
  if (which !== 'unacknowledged') console.log(`overdue postmortems and action items reminded: ${await reminders.remindOverdue(tz)}`);
  process.exit(0);
} catch (e) {
  console.error(`npm run remind: ${explain(e, target)}`);
  process.exit(1);
}

#!/usr/bin/env node
// npm run role -- <email> <viewer|responder|admin|none> [--password P] [--project ID]
// Sets the `role` custom claim that the security rules read. On the emulators
// (the default), creates the user first if needed.
import './lib/node22.mjs';
import { getAuth } from 'firebase-admin/auth';
import { adminTarget, explain } from './lib/admin.mjs';

const ROLES = ['viewer', 'responder', 'admin', 'none'];
const argv = process.argv.slice(2);
const pw = argv.indexOf('--password');
const password = pw >= 0 ? argv.splice(pw, 2)[1] : 'password';
const target = adminTarget(argv);
const [email, role] = target.rest;
if (!email || !role || !ROLES.includes(role) || !email.includes('@')) {
  console.error(`usage: npm run role -- <email> <${ROLES.join('|')}> [--password P] [--project ID]`);
  process.exit(2);
}
const auth = getAuth(target.app);
try {
  let user;
  try {
    user = await auth.getUserByEmail(email);
  } catch (e) {
    if (e?.code !== 'auth/user-not-found') throw e;
    if (!target.emulator) {
      console.error(`no user ${email} in project ${target.projectId}: they must sign in once first.`);
      process.exit(1);
    }
    user = await auth.createUser({ email, password, emailVerified: true });
    console.log(`created ${email} in the Auth emulator (password: ${password})`);
  }
  const claims = { ...(user.customClaims ?? {}) };
  if (role === 'none') delete claims.role;
  else claims.role = role;
  await auth.setCustomUserClaims(user.uid, claims);
  console.log(`${email} (uid ${user.uid}) now has role ${role} in ${target.projectId}${target.emulator ? ' (emulator)' : ''}. Sign in again to pick it up.`);
  process.exit(0);
} catch (e) {
  console.error(`npm run role: ${explain(e, target)}`);
  process.exit(1);
}

// Firebase Authentication, loaded lazily.
import { adminApp } from './firebase';

/** The uid of the Firebase user with this email, or null. */
export async function uidByEmail(email: string): Promise<string | null> {
  const { getAuth } = require('firebase-admin/auth') as typeof import('firebase-admin/auth');
  try {
    return (await getAuth(adminApp()).getUserByEmail(email)).uid;
  } catch (e) {
    if ((e as { code?: string }).code === 'auth/user-not-found') return null;
    throw e;
  }
}

/** The custom claims of a user, or null when there is no such user. */
export async function claimsOf(uid: string): Promise<Record<string, unknown> | null> {
  const { getAuth } = require('firebase-admin/auth') as typeof import('firebase-admin/auth');
  try {
    return (await getAuth(adminApp()).getUser(uid)).customClaims ?? {};
  } catch (e) {
    if ((e as { code?: string }).code === 'auth/user-not-found') return null;
    throw e;
  }
}

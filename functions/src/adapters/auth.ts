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

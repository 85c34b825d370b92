// Lazily initialised Firebase clients: nothing heavy loads at import time,
// so cold starts stay close to the bare firebase-functions import.
import type { Firestore } from 'firebase-admin/firestore';
import type { PubSub } from '@google-cloud/pubsub';

let firestore: Firestore | undefined;
let pubsub: PubSub | undefined;

function app() {
  const { getApps, initializeApp } = require('firebase-admin/app') as typeof import('firebase-admin/app');
  // On the emulators, name the emulated service account up front: otherwise
  // every new instance's first task enqueue probes for one (~150 ms).
  // The default app only: firebase-functions keeps a named app of its own.
  return getApps().find((a) => a.name === '[DEFAULT]') ?? initializeApp(process.env.CLOUD_TASKS_EMULATOR_HOST ? { serviceAccountId: 'emulated-service-acct@email.com' } : undefined);
}

export function db(): Firestore {
  if (!firestore) {
    const { getFirestore } = require('firebase-admin/firestore') as typeof import('firebase-admin/firestore');
    firestore = getFirestore(app());
    firestore.settings({ ignoreUndefinedProperties: true });
  }
  return firestore;
}

export function pubsubClient(): PubSub {
  if (!pubsub) {
    const { PubSub: Client } = require('@google-cloud/pubsub') as typeof import('@google-cloud/pubsub');
    pubsub = new Client();
  }
  return pubsub;
}

export function adminApp() {
  return app();
}

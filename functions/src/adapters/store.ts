// Where things live in Firestore. Incident state is written only through
// IncidentStore (adapters/incidentStore.ts); notifications through the
// outbox (adapters/outbox.ts).
import { db } from './firebase';

export const col = {
  incidents: () => db().collection('incidents'),
  groups: () => db().collection('groups'),
  alertMessages: () => db().collection('alertMessages'),
  rejectedAlerts: () => db().collection('rejectedAlerts'),
  notifications: () => db().collection('notifications'),
  postmortems: () => db().collection('postmortems'),
  deploys: () => db().collection('deploys'),
  stats: () => db().collection('stats'),
  drills: () => db().collection('drills'),
  config: () => db().collection('config'),
  slackState: () => db().collection('slackState'),
  reminders: () => db().collection('reminders'),
  statsContrib: () => db().collection('statsContrib'),
  /** Slack request ids already handled (replays), kept until `expireAt` (TTL policy). Pipeline only. */
  slackRequests: () => db().collection('slackRequests'),
  /** The Slack response_url of an update written from Slack, by update id, kept until `expireAt` (TTL policy). Pipeline only. */
  slackResponses: () => db().collection('slackResponses'),
  /** Noise control (contract §11): silences (responders write them), held alerts (viewers read them), and the pipeline's own state. */
  silences: () => db().collection('silences'),
  silencedAlerts: () => db().collection('silencedAlerts'),
  /** Windows that deploys opened, by deploy id. Pipeline only. */
  openedWindows: () => db().collection('openedWindows'),
  /** Firing alerts that can inhibit (an index kept by ingest). Pipeline only. */
  inhibitors: () => db().collection('inhibitors'),
  /** Heartbeats' states, by lower-case name. Pipeline only. */
  heartbeats: () => db().collection('heartbeats'),
  /** `storm`: the storm breaker's state. Pipeline only. */
  noiseState: () => db().collection('noiseState'),
};

export const incidentRef = (id: string) => col.incidents().doc(id);
export const timelineCol = (id: string) => incidentRef(id).collection('timeline');
export const alertsCol = (id: string) => incidentRef(id).collection('alerts');
export const updatesCol = (id: string) => incidentRef(id).collection('updates');
export const checklistCol = (id: string) => incidentRef(id).collection('checklist');
/** The markdown export of a postmortem, kept beside it so the postmortem itself stays small. */
export const markdownRef = (incidentId: string) => col.postmortems().doc(incidentId).collection('exports').doc('markdown');

export const newId = () => col.incidents().doc().id;

/** FieldValue, loaded lazily with the Firestore client. */
const fieldValue = () => (require('firebase-admin/firestore') as typeof import('firebase-admin/firestore')).FieldValue;

/** FieldValue.arrayUnion. */
export const arrayUnion = (...values: unknown[]) => fieldValue().arrayUnion(...values);

/** FieldValue.increment. */
export const increment = (n: number) => fieldValue().increment(n);

/** FieldValue.serverTimestamp: the commit's own time. */
export const serverTime = () => fieldValue().serverTimestamp();

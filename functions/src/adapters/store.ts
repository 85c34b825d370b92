// Where things live in Firestore, and the writes every use case shares.
import type { DocumentData, DocumentReference, Transaction } from 'firebase-admin/firestore';

/** What a transaction and a write batch share: atomic writes. */
export interface Writer {
  create(ref: DocumentReference, data: DocumentData): unknown;
  set(ref: DocumentReference, data: DocumentData): unknown;
}
import type { Effect, Incident, OutboxPayload, TimelineEntry } from '../domain/types';
import { decode } from './firestoreCodec';
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
};

export const incidentRef = (id: string) => col.incidents().doc(id);
export const timelineCol = (id: string) => incidentRef(id).collection('timeline');
export const alertsCol = (id: string) => incidentRef(id).collection('alerts');
export const updatesCol = (id: string) => incidentRef(id).collection('updates');
export const checklistCol = (id: string) => incidentRef(id).collection('checklist');

export const newId = () => col.incidents().doc().id;

/**
 * Where to answer a Slack user about an update they asked for: its
 * response_url, kept server-side (`slackResponses/{updateId}`), never on the
 * update document that every viewer reads. null for updates not from Slack.
 */
export async function slackResponseUrl(tx: Transaction, updateId: string): Promise<string | null> {
  const url: unknown = (await tx.get(col.slackResponses().doc(updateId))).get('responseUrl');
  return typeof url === 'string' ? url : null;
}

export async function readIncident(tx: Transaction | null, id: string): Promise<Incident | null> {
  const snap = tx ? await tx.get(incidentRef(id)) : await incidentRef(id).get();
  return snap.exists ? decode<Incident>({ ...snap.data(), id }) : null;
}

/** Writes the whole incident (it is the pipeline's own document: clients never write it). */
export function writeIncident(tx: Writer, incident: Incident): void {
  const { id, ...data } = incident;
  tx.set(incidentRef(id), data);
}

/** Appends timeline entries; `seq` orders entries that share a timestamp. */
export function appendTimeline(tx: Writer, incidentId: string, entries: TimelineEntry[]): void {
  entries.forEach((e, seq) => tx.create(timelineCol(incidentId).doc(), { ...e, seq }));
}

export interface OutboxMeta {
  now: Date;
  drill: boolean;
}

/** A notification document of the outbox: delivered later by its own retried trigger. */
export function outboxDoc(incidentId: string, effect: OutboxPayload, meta: OutboxMeta, seq = 0, notBefore: Date = meta.now) {
  return {
    incidentId,
    kind: effect.kind,
    effect,
    drill: meta.drill,
    status: 'pending',
    attempts: 0,
    lastError: null,
    createdAt: meta.now,
    notBefore,
    seq,
  };
}

/**
 * Queues the effects as notification documents (the outbox). Delivery happens
 * in its own retried trigger, never in the handler that decided.
 */
export function enqueueEffects(tx: Writer, incidentId: string, effects: Effect[], meta: OutboxMeta): DocumentReference[] {
  return effects.map((effect, seq) => {
    const ref = col.notifications().doc();
    tx.create(ref, outboxDoc(incidentId, effect, meta, seq));
    return ref;
  });
}

/** FieldValue.arrayUnion, loaded lazily with the Firestore client. */
export function arrayUnion(...values: unknown[]) {
  const { FieldValue } = require('firebase-admin/firestore') as typeof import('firebase-admin/firestore');
  return FieldValue.arrayUnion(...values);
}

/** FieldValue.increment, loaded lazily with the Firestore client. */
export function increment(n: number) {
  const { FieldValue } = require('firebase-admin/firestore') as typeof import('firebase-admin/firestore');
  return FieldValue.increment(n);
}

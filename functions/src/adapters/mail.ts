// The `mail` collection of the Trigger Email extension on Firestore: every
// mail the pipeline sends (pages, status page subscribers, stakeholders) is
// created here, never overwritten (the extension would send it again).
import type { MailWrite } from '../domain/mail';
import type { MailPort } from '../app/ports';
import { db } from './firebase';

export const MAIL_COLLECTION = 'mail';

/** Creates the mails that do not exist yet; returns how many were new (one already there was sent before). */
export async function createMails(mails: MailWrite[]): Promise<number> {
  if (mails.length === 0) return 0;
  let created = 0;
  const writer = db().bulkWriter();
  writer.onWriteError((e) => e.code !== 6 && e.failedAttempts < 5); // 6 = ALREADY_EXISTS: sent before
  const pending = mails.map((m) =>
    writer.create(db().collection(MAIL_COLLECTION).doc(m.id), m.data).then(
      () => created++,
      (e: { code?: number }) => {
        if (e.code !== 6) throw e;
      },
    ),
  );
  // BulkWriter sends on close (or when a batch fills): close first, then collect each write's outcome.
  await writer.close();
  await Promise.all(pending);
  return created;
}

export const firestoreMail: MailPort = { create: createMails };

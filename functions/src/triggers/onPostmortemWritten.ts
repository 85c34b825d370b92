import { onDocumentWritten } from 'firebase-functions/v2/firestore';

/** A responder edited a postmortem: re-render its markdown, and close the incident when it is published. */
export const onPostmortemWritten = onDocumentWritten({ document: 'postmortems/{incidentId}', retry: true }, async (event) => {
  const { postmortemWritten } = await import('../app/incidentWritten.js');
  const { withRetries } = await import('../app/retry.js');
  await withRetries(() => postmortemWritten(event.params.incidentId, event.data?.before.data() ?? null, event.data?.after.data() ?? null));
});

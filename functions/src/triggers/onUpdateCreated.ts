import { onDocumentCreated } from 'firebase-functions/v2/firestore';

/** A status update written by a client is applied to its incident (idempotently) and answered on the document. */
export const onUpdateCreated = onDocumentCreated({ document: 'incidents/{incidentId}/updates/{updateId}', retry: true }, async (event) => {
  const { applyStatusUpdate } = await import('../app/applyUpdate.js');
  const { withRetries } = await import('../app/retry.js');
  await withRetries(() => applyStatusUpdate(event.params.incidentId, event.params.updateId));
});

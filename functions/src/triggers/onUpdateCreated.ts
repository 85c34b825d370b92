import { onDocumentCreated } from 'firebase-functions/v2/firestore';

/** A status update written by a client is applied to its incident (idempotently) and answered on the document. */
export const onUpdateCreated = onDocumentCreated({ document: 'incidents/{incidentId}/updates/{updateId}', retry: true }, async (event) => {
  const { applyStatusUpdate } = await import('../app/applyUpdate.js');
  const { withPolicy } = await import('../app/compose.js');
  const { withRetries } = await import('../app/retry.js');
  const { log } = await import('../adapters/logs.js');
  const { incidentId, updateId } = event.params;
  const o = await withRetries(() => applyStatusUpdate(incidentId, updateId, withPolicy()));
  if (!o.duplicate) log.incidentUpdated({ incidentId, updateId, action: o.action, ok: o.ok, ...(o.reason ? { reason: o.reason } : {}) });
});

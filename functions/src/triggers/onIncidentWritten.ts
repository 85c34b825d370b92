import { onDocumentWritten } from 'firebase-functions/v2/firestore';

/** Derived data of an incident: its postmortem when it resolves (and the insights, see app/incidentWritten). */
export const onIncidentWritten = onDocumentWritten({ document: 'incidents/{incidentId}', retry: true }, async (event) => {
  const { incidentWritten } = await import('../app/incidentWritten.js');
  const { withRetries } = await import('../app/retry.js');
  await withRetries(() => incidentWritten(event.params.incidentId, event.data?.before.data() ?? null, event.data?.after.data() ?? null));
});

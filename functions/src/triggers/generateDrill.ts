import { HttpsError, onCall } from 'firebase-functions/v2/https';

/**
 * Admin-only: generate a drill for a service (its past incidents, deploys, runbook,
 * severity rules, dependencies) and return the scenario YAML and its timeline to
 * preview. Nothing is started: the console starts it with runDrill ({ yaml }).
 */
export const generateDrill = onCall<{ service?: string; kind?: string; seed?: number }>({ memory: '256MiB', concurrency: 1, maxInstances: 2, timeoutSeconds: 60 }, async (request) => {
  if (request.auth?.token.role !== 'admin') throw new HttpsError('permission-denied', 'only admins generate drills (custom claim role: admin)');
  const { generateDrillFromRequest } = await import('../app/drillRequests.js');
  try {
    return await generateDrillFromRequest(request.data ?? {});
  } catch (e) {
    throw new HttpsError('invalid-argument', (e as Error).message);
  }
});

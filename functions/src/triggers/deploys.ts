import { onRequest } from 'firebase-functions/v2/https';
import { onDocumentWritten } from 'firebase-functions/v2/firestore';
import { onMessagePublished } from 'firebase-functions/v2/pubsub';
import { DEPLOY_WEBHOOK_TOKEN, readSecret, refuseMisconfigured } from '../params';

/** POST /deployWebhook: a deploy event, with Bearer DEPLOY_WEBHOOK_TOKEN. */
export const deployWebhook = onRequest({ secrets: [DEPLOY_WEBHOOK_TOKEN], invoker: 'public', memory: '256MiB', concurrency: 1, maxInstances: 5, timeoutSeconds: 30 }, async (req, res) => {
  if (refuseMisconfigured(res, [DEPLOY_WEBHOOK_TOKEN])) return;
  const { serveDeployWebhook } = await import('../app/httpAdapters.js');
  await serveDeployWebhook(req, res, readSecret(DEPLOY_WEBHOOK_TOKEN));
});

/** A deploy event on the `deploys` topic. */
export const onDeployPublished = onMessagePublished({ topic: 'deploys', retry: true }, async (event) => {
  const { ingestDeployMessage } = await import('../app/deploys.js');
  const { withRetries } = await import('../app/retry.js');
  await withRetries(() => ingestDeployMessage(event.data.message.messageId, Buffer.from(event.data.message.data ?? '', 'base64'), new Date(event.data.message.publishTime)));
});

/** Google Cloud Build's own notifications: a successful build that names a service is a deploy. */
export const onCloudBuild = onMessagePublished({ topic: 'cloud-builds', retry: true }, async (event) => {
  const { ingestCloudBuild } = await import('../app/deploys.js');
  const { withRetries } = await import('../app/retry.js');
  await withRetries(() => ingestCloudBuild(event.data.message.messageId, Buffer.from(event.data.message.data ?? '', 'base64'), new Date(event.data.message.publishTime)));
});

/** A deploy was recorded: link it to open incidents of its service, and count it in the insights. */
export const onDeployWritten = onDocumentWritten({ document: 'deploys/{deployId}', retry: true }, async (event) => {
  const { deployWritten } = await import('../app/incidentWritten.js');
  const { withRetries } = await import('../app/retry.js');
  await withRetries(() => deployWritten(event.params.deployId, event.data?.before.data() ?? null, event.data?.after.data() ?? null));
});

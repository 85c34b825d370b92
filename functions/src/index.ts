// Every deployed function, one line each. Handlers load their code lazily.
export { alertWebhook } from './triggers/alertWebhook';
export { onAlertPublished } from './triggers/onAlertPublished';
export { rollupIncident } from './triggers/rollupIncident';
export { onUpdateCreated } from './triggers/onUpdateCreated';
export { onNotificationCreated } from './triggers/onNotificationCreated';
export { deliverNotification } from './triggers/deliverNotification';
export { redriveNotifications } from './triggers/redriveNotifications';
export { slackCommands, slackInteractions } from './triggers/slackCommands';
export { onIncidentWritten } from './triggers/onIncidentWritten';
export { onPostmortemWritten } from './triggers/onPostmortemWritten';
export { remindUnacknowledged, remindOverdue } from './triggers/reminders';
export { deployWebhook, onDeployPublished, onCloudBuild, onDeployWritten } from './triggers/deploys';
export { runDrill, playDrill, finishDrills } from './triggers/drills';
export { remindUnacknowledgedOnTopic, remindOverdueOnTopic, finishDrillsOnTopic, redriveNotificationsOnTopic } from './triggers/scheduleTopics';
export { statusFeed } from './triggers/statusFeed';
export { statusSubscribe } from './triggers/statusSubscribe';
export { statusConfirm } from './triggers/statusConfirm';
export { statusUnsubscribe } from './triggers/statusUnsubscribe';

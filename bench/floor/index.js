// The floor of `npm run bench`: the least a Pub/Sub function can do with an
// alert (write one document), on the same emulators, for the same messages.
// Only the bench deploys this codebase (its own emulator run).
const { onMessagePublished } = require('firebase-functions/v2/pubsub');
const { initializeApp } = require('firebase-admin/app');
const { getFirestore } = require('firebase-admin/firestore');

initializeApp();

exports.floor = onMessagePublished('alerts', async (event) => {
  // `storm` (a message attribute, no parsing) lets the bench count each storm's documents apart.
  const storm = event.data.message.attributes?.storm ?? null;
  await getFirestore().collection('floor').doc(event.data.message.messageId).set({ at: new Date(), storm });
});

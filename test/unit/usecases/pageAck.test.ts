// Acknowledging from where the page arrived, through the in-memory ports: the
// one-time link (a GET confirms, only a POST acknowledges, once), an SMS reply
// checked by X-Twilio-Signature, and the key press of a voice call.
import { describe, expect, it } from 'vitest';
import { channelOfPage, handlePageAck, handlePageVoice, handleTwilioSms, type PageHttpRequest, type PageHttpSettings } from '../../../functions/src/app/pageAckHttp';
import { ESCALATION_QUEUE, NOTIFICATION_QUEUE, runEscalation, runNotification, startPaging } from '../../../functions/src/app/paging';
import { signPageToken } from '../../../functions/src/domain/pageToken';
import { incident, at, T0 } from '../../support/factories';
import { CONSOLE, pagingWorld, SECRET } from '../../support/pagingWorld';
import { inboundSmsParams, twilioSignature } from '../../support/twilioServer';

const AUTH = 'unit-twilio-auth-token';
const settings: PageHttpSettings = { secret: SECRET, twilioAuthToken: AUTH, consoleUrl: CONSOLE };

function request(method: string, query: Record<string, string>, body = '', headers: Record<string, string> = {}): PageHttpRequest {
  const qs = new URLSearchParams(query).toString();
  return { method, path: '/', headers, query, rawBody: Buffer.from(body), originalUrl: `/x${qs ? `?${qs}` : ''}` };
}

/** A world where uid-a was paged for inc-1 by SMS and email; returns the links. */
async function pagedWorld() {
  const w = pagingWorld();
  w.store.putIncident(incident({ id: 'inc-1', severity: 'SEV1', title: 'Checkout down' }));
  w.memory.users.set('uid-a', { name: 'Alice', email: 'alice@example.com', phone: '+33612345678', notify: [{ channel: 'sms', after: '0m' }, { channel: 'email', after: '0m' }] });
  await startPaging(null, incident({ id: 'inc-1', severity: 'SEV1' }), w.pagingDeps);
  await runEscalation(w.tasks.of(ESCALATION_QUEUE)[0]?.data as never, w.pagingDeps);
  await runNotification(w.tasks.of(NOTIFICATION_QUEUE)[0]?.data, w.notify);
  const smsToken = /t=([A-Za-z0-9_-]+)/.exec(w.phone.sms[0]?.body ?? '')?.[1] as string;
  const mail = [...w.memory.mail.values()][0];
  const emailToken = /t=([A-Za-z0-9_-]+)/.exec(mail?.message.text ?? '')?.[1] as string;
  return { w, smsToken, emailToken };
}

/** The acknowledgement entries on the timeline: [via, actor]. */
const acks = (w: ReturnType<typeof pagingWorld>) => w.store.timelineOf('inc-1').filter((e) => e.type === 'status_changed').map((e) => [e.data.via, e.actor]);

describe('GET/POST /pageAck', () => {
  it('a GET shows a confirmation and changes nothing (mail scanners fetch links); the POST acknowledges, once, naming the channel', async () => {
    const { w, emailToken } = await pagedWorld();
    const get = await handlePageAck(request('GET', { t: emailToken }), settings, w.pagingDeps);
    expect(get.status).toBe(200);
    expect(get.body).toContain('Acknowledge this incident?');
    expect(get.body).toContain('<form method="post">');
    expect(get.headers['Cache-Control']).toBe('no-store, private');
    expect(w.store.incidents.get('inc-1')?.status).toBe('triggered');

    const post = await handlePageAck(request('POST', {}, new URLSearchParams({ t: emailToken }).toString()), settings, w.pagingDeps);
    expect(post.status).toBe(200);
    expect(post.body).toContain('<h1>Acknowledged</h1>');
    expect(w.store.incidents.get('inc-1')?.status).toBe('acknowledged');
    expect(acks(w)).toEqual([['email', 'uid-a']]);
    expect(w.memory.pagesOfIncident('inc-1').find((p) => p.channel === 'email')).toMatchObject({ status: 'acknowledged', via: 'email' });

    const again = await handlePageAck(request('POST', { t: emailToken }), settings, w.pagingDeps);
    expect(again.status).toBe(409);
    expect(again.body).toContain('This link was already used');
    expect(acks(w)).toEqual([['email', 'uid-a']]);
    const afterwards = await handlePageAck(request('GET', { t: emailToken }), settings, w.pagingDeps);
    expect(afterwards.body).toContain('Already acknowledged');
  });

  it('the link of an SMS acknowledges via sms; another person having acknowledged first is said', async () => {
    const { w, smsToken, emailToken } = await pagedWorld();
    expect((await handlePageAck(request('POST', { t: smsToken }), settings, w.pagingDeps)).status).toBe(200);
    const late = await handlePageAck(request('POST', { t: emailToken }), settings, w.pagingDeps);
    expect(late.status).toBe(409);
    expect(late.body).toContain('Not acknowledged: the incident is already acknowledged.');
    expect(acks(w)).toEqual([['sms', 'uid-a']]);
  });

  it('refuses an expired, altered or missing token with a page that says so, and nothing without PAGE_LINK_SECRET', async () => {
    const { w, smsToken } = await pagedWorld();
    const expired = signPageToken({ incidentId: 'inc-1', uid: 'uid-a', pageId: 'c0-l0-r0-uid-a-s0-sms', nonce: 'n', expiresAt: at(-1) }, SECRET);
    expect((await handlePageAck(request('GET', { t: expired }), settings, w.pagingDeps)).status).toBe(410);
    expect((await handlePageAck(request('GET', { t: `${smsToken.slice(0, -2)}AA` }), settings, w.pagingDeps)).status).toBe(400);
    expect((await handlePageAck(request('POST', {}), settings, w.pagingDeps)).status).toBe(400);
    expect((await handlePageAck(request('GET', { t: smsToken }), { ...settings, secret: null }, w.pagingDeps)).status).toBe(503);
    expect((await handlePageAck(request('DELETE', { t: smsToken }), settings, w.pagingDeps)).headers.Allow).toBe('GET, POST');
    expect(w.store.incidents.get('inc-1')?.status).toBe('triggered');
  });

  it('reads the channel from the page id', () => {
    expect(channelOfPage('c0-l1-r0-uid-a-s2-sms')).toBe('sms');
    expect(channelOfPage('c0-l1-r0-uid-a-s2-fax')).toBeNull();
  });
});

/** An inbound webhook as Twilio signs it: the published URL and the form fields. */
function twilioPost(path: string, params: Record<string, string>, query: Record<string, string> = {}, signWith = AUTH): PageHttpRequest {
  const qs = new URLSearchParams(query).toString();
  const url = `${CONSOLE}${path}${qs ? `?${qs}` : ''}`;
  return { method: 'POST', path, query, rawBody: Buffer.from(new URLSearchParams(params).toString()), originalUrl: `${path}${qs ? `?${qs}` : ''}`, headers: { 'x-twilio-signature': twilioSignature(signWith, url, params), 'content-type': 'application/x-www-form-urlencoded' } };
}

describe('POST /twilioSms', () => {
  it('"ACK 1" from the paged number acknowledges via sms and answers in TwiML; the code is released', async () => {
    const { w } = await pagedWorld();
    const r = await handleTwilioSms(twilioPost('/twilioSms', inboundSmsParams('+33612345678', 'ack 1')), settings, w.pagingDeps);
    expect(r.status).toBe(200);
    expect(r.headers['Content-Type']).toBe('text/xml; charset=utf-8');
    expect(r.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Acknowledged SEV1: Checkout down. Escalation stopped. Thanks.</Message></Response>');
    expect(acks(w)).toEqual([['sms', 'uid-a']]);
    expect(await w.memory.smsPages('+33612345678')).toEqual([]);
    // The same message again (a retried webhook) changes nothing: that page no longer waits.
    const again = await handleTwilioSms(twilioPost('/twilioSms', inboundSmsParams('+33612345678', 'ack 1')), settings, w.pagingDeps);
    expect(again.body).toContain('No page to this number is waiting for an acknowledgement.');
    expect(acks(w)).toEqual([['sms', 'uid-a']]);
  });

  it('refuses a bad signature (403) and answers unknown numbers, unknown codes and anything else with help', async () => {
    const { w } = await pagedWorld();
    expect((await handleTwilioSms(twilioPost('/twilioSms', inboundSmsParams('+33612345678', 'ack'), {}, 'another-token'), settings, w.pagingDeps)).status).toBe(403);
    expect((await handleTwilioSms(twilioPost('/twilioSms', inboundSmsParams('+15550000000', 'ack')), settings, w.pagingDeps)).body).toContain('This number is not set up to acknowledge pages.');
    expect((await handleTwilioSms(twilioPost('/twilioSms', inboundSmsParams('+33612345678', 'ack 7')), settings, w.pagingDeps)).body).toContain('No open page has code 7. Open: ACK 1.');
    expect((await handleTwilioSms(twilioPost('/twilioSms', inboundSmsParams('+33612345678', 'what is this')), settings, w.pagingDeps)).body).toContain('Reply ACK to acknowledge');
    expect((await handleTwilioSms(twilioPost('/twilioSms', inboundSmsParams('+33612345678', 'ack')), { ...settings, twilioAuthToken: null }, w.pagingDeps)).status).toBe(503);
    expect(w.store.incidents.get('inc-1')?.status).toBe('triggered');
  });
});

describe('POST /pageVoice', () => {
  it('1 acknowledges via voice; another key asks again at the same URL; a bad token is told', async () => {
    const { w } = await pagedWorld();
    const t = signPageToken({ incidentId: 'inc-1', uid: 'uid-a', pageId: 'c0-l0-r0-uid-a-s9-voice', nonce: 'voice-1', expiresAt: at(3600) }, SECRET);
    const other = await handlePageVoice(twilioPost('/pageVoice', { Digits: '2', CallSid: 'CA1' }, { t }), settings, w.pagingDeps);
    expect(other.body).toContain(`action="${CONSOLE}/pageVoice?t=${t}"`);
    expect(other.body).toContain('That was not 1.');
    const one = await handlePageVoice(twilioPost('/pageVoice', { Digits: '1', CallSid: 'CA1' }, { t }), settings, w.pagingDeps);
    expect(one.body).toContain('Acknowledged: Checkout down. Escalation has stopped.');
    expect(acks(w)).toEqual([['voice', 'uid-a']]);
    const bad = await handlePageVoice(twilioPost('/pageVoice', { Digits: '1' }, { t: 'nonsense' }), settings, w.pagingDeps);
    expect(bad.body).toContain('This page can no longer be acknowledged by phone');
    expect(T0.getTime()).toBeLessThan(at(3600).getTime());
  });
});

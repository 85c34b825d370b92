// Inbound SMS replies to a page. "ack" acknowledges; anything else is answered
// with help.
//
// Reply codes. Each paging SMS says "reply ACK 12": 12 is a short code for
// that incident, unique among the open incidents that page this phone number,
// so someone paged for two incidents can say which. Codes are per phone
// number and per incident (every page of one incident to one number shares its
// code), the smallest free one from 1, so they stay one or two digits. The
// integrator keeps the codes in use per number (e.g. smsReplyCodes/{phone}:
// { code → incidentId } for open incidents, changed in a transaction with
// assignReplyCode) and resolves a reply with resolveSmsAck. A bare "ack" means
// the latest open page to that number.

export type SmsReply = { kind: 'ack'; code: number | null } | { kind: 'help'; text: string };

/** Codes run from 1 to this; beyond it, the number has too many open incidents and gets no code. */
export const MAX_REPLY_CODE = 999;

/**
 * `ack`, `ACK`, `Ack.`, `ack 12`, `ACK #12`, `ack12`, `ack-12`, `acknowledge 12`
 * (any case, spaces and final punctuation) → ack; anything else → help.
 */
export function parseSmsReply(body: string | null | undefined): SmsReply {
  const text = (body ?? '').normalize('NFKC').trim();
  const m = /^(?:ack|acknowledge|acknowledged)(?:\s*[#:-]?\s*(\d{1,4}))?[\s.!]*$/i.exec(text);
  if (!m) return { kind: 'help', text: text.slice(0, 160) };
  const code = m[1] === undefined ? null : Number(m[1]);
  return { kind: 'ack', code };
}

/**
 * The code for `incidentId` on one phone number, given the codes in use there
 * (open incidents only): its own code if it has one, else the smallest free
 * code, else null (more than MAX_REPLY_CODE open incidents on one number).
 */
export function assignReplyCode(inUse: Readonly<Record<string, string>>, incidentId: string): number | null {
  for (const [code, id] of Object.entries(inUse)) if (id === incidentId && Number(code) >= 1) return Number(code);
  for (let code = 1; code <= MAX_REPLY_CODE; code++) if (inUse[String(code)] === undefined) return code;
  return null;
}

/** A page sent to the replying number that is still waiting for an acknowledgement. */
export interface OpenSmsPage {
  incidentId: string;
  pageId: string;
  replyCode: number | null;
  at: Date;
}

export type SmsAckTarget =
  | { ok: true; incidentId: string; pageId: string }
  | { ok: false; reason: 'no_open_page' | 'unknown_code'; message: string };

/** Which page an "ack" reply acknowledges: the code's, or without a code the latest open one. */
export function resolveSmsAck(reply: Extract<SmsReply, { kind: 'ack' }>, openPages: readonly OpenSmsPage[]): SmsAckTarget {
  if (openPages.length === 0) return { ok: false, reason: 'no_open_page', message: 'no page to this number is waiting for an acknowledgement' };
  const latestFirst = [...openPages].sort((a, b) => b.at.getTime() - a.at.getTime());
  const page = reply.code === null ? latestFirst[0] : latestFirst.find((p) => p.replyCode === reply.code);
  if (!page) {
    const codes = [...new Set(latestFirst.map((p) => p.replyCode).filter((c): c is number => c !== null))];
    return { ok: false, reason: 'unknown_code', message: `no open page has code ${reply.code}${codes.length ? ` (open: ${codes.join(', ')})` : ''}` };
  }
  return { ok: true, incidentId: page.incidentId, pageId: page.pageId };
}

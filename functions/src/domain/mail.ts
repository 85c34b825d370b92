// The Trigger Email extension's `mail` document (contract §10): what a page,
// a status page subscriber and a stakeholder update are sent as. Created once
// under a deterministic id, never set: a rewrite would send it again.

export interface MailDoc {
  to: string;
  message: { subject: string; text: string; html: string; headers?: Record<string, string> };
}

/** A mail document with the id to create it under. */
export interface MailWrite {
  id: string;
  data: MailDoc;
}

// People as the console shows them: users/{uid} (name, contact methods, notification rules).

/** users/{uid} as the console reads it. */
export interface UserRow {
  id: string;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  slackUserId?: string | null;
  notify?: { channel?: string; after?: string }[] | null;
}

/** A person as the console shows them: their name, else their email, else the uid. */
export function labelOf(u: Pick<UserRow, 'id' | 'name' | 'email'>): string {
  return u.name?.trim() || u.email?.trim() || u.id;
}

export function personLabel(uid: string, users: ReadonlyMap<string, UserRow>): string {
  const u = users.get(uid);
  return u ? labelOf(u) : uid;
}

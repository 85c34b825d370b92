// Who may do what: the Auth custom claim `role` (contract §4), the same
// ladder the security rules climb. Clients are checked by firestore.rules;
// Slack users act through the Admin SDK, so the pipeline checks them here.
export const ROLES = ['viewer', 'responder', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The role in a user's custom claims, or null (no claim, or not one of ours). */
export function roleFromClaims(claims: Record<string, unknown> | null | undefined): Role | null {
  const role = claims?.role;
  return typeof role === 'string' && (ROLES as readonly string[]).includes(role) ? (role as Role) : null;
}

/** Whether `role` is at least `min` (no role is below everything). */
export function hasRole(role: Role | null, min: Role): boolean {
  return role !== null && ROLES.indexOf(role) >= ROLES.indexOf(min);
}

import { AppError } from "@hookbox/shared";

/** Who calls a /v1 route: set by auth's `requireAuth`, read by every room. */
export interface Auth {
  tenantId: string;
  /** The bootstrap ADMIN_API_KEY: may manage tenants and other tenants' keys. */
  admin: boolean;
  /** Who is calling, for audit fields: "admin" or the API key's name. */
  name: string;
}

export type AuthEnv = { Variables: { auth: Auth; requestId: string } };

/** Admin-only routes (tenants) call this first: any other key answers 403. */
export function requireAdmin(auth: Auth): void {
  if (!auth.admin) throw new AppError("forbidden", "Only the admin key may do this.");
}

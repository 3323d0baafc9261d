import { z } from 'zod';

/** Roles of API keys: what each may do is in README "Keys and roles" and SECURITY.md. */
export const Role = z.enum(['admin', 'storefront', 'warehouse', 'connector', 'viewer']);
export type Role = z.infer<typeof Role>;

/** Who is calling: the verified API key, its role and its scope. */
export const Principal = z.object({
  keyId: z.string(),
  role: Role,
  /** Channels a storefront or connector key acts for (empty for other roles). */
  channels: z.array(z.string()),
  /** Locations a warehouse key acts at (empty for other roles). */
  locations: z.array(z.string()),
});
export type Principal = z.infer<typeof Principal>;

import type { AnyAdapter } from '../adapter';
import { amazon } from './amazon';
import { shopify } from './shopify';
import { webhook } from './webhook';

// Every built-in adapter by its `kind`. A new marketplace adds its module here, a simulator in
// simulators/, and an entry in the contract suite (docs/connectors.md).

export const adapters = { shopify, amazon, webhook } as const satisfies Record<string, AnyAdapter>;

export type AdapterKind = keyof typeof adapters;

export const ADAPTER_KINDS = Object.keys(adapters) as AdapterKind[];

/** The adapter for a connection's kind, or null for a kind this build does not know. */
export function adapterFor(kind: string): AnyAdapter | null {
  return Object.hasOwn(adapters, kind) ? adapters[kind as AdapterKind] : null;
}

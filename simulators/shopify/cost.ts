import {
  type DocumentNode,
  getNamedType,
  isObjectType,
  type OperationDefinitionNode,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { schema } from './schema';

// Shopify's requested query cost, as its rate-limit page describes it: a mutation field costs 10,
// an object field 1, scalars and enums 0 (this schema slice has no connections). The bucket is
// charged the requested cost before the query runs.

export const MUTATION_COST = 10;
/** A single query may not request more than this, whatever the bucket holds. */
export const MAX_SINGLE_QUERY_COST = 1000;

export function requestedCost(doc: DocumentNode, op: OperationDefinitionNode): number {
  if (op.operation === 'mutation') return MUTATION_COST * op.selectionSet.selections.length;
  let cost = 0;
  const info = new TypeInfo(schema);
  visit(
    { ...doc, definitions: [op] },
    visitWithTypeInfo(info, {
      Field() {
        const type = info.getType();
        if (type && isObjectType(getNamedType(type))) cost += 1;
      },
    }),
  );
  return cost;
}

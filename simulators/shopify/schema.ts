import { buildSchema } from 'graphql';

// The slice of the Shopify Admin GraphQL schema (2026 versions) that Stockmesh uses, written from
// the public reference: requests are parsed and validated against it exactly as GraphQL would,
// so an unknown field, a wrong argument type or a misplaced directive fails like on Shopify.
// `compareQuantity`/`ignoreCompareQuantity` (gone in 2026-04) are deliberately absent.

export const SDL = /* GraphQL */ `
directive @idempotent(key: String!) on FIELD

scalar URL
scalar DateTime
scalar UnsignedInt64

type Query {
  shop: Shop!
  location(id: ID!): Location
  inventoryItem(id: ID!): InventoryItem
  bulkOperation(id: ID!): BulkOperation
  currentBulkOperation(type: BulkOperationType = QUERY): BulkOperation
}

type Shop { id: ID! name: String! myshopifyDomain: String! }
type Location { id: ID! name: String! isActive: Boolean! }
type InventoryItem { id: ID! inventoryLevel(locationId: ID!): InventoryLevel }
type InventoryLevel { id: ID! location: Location! quantities(names: [String!]!): [InventoryQuantity!]! }
type InventoryQuantity { name: String! quantity: Int! }

type Mutation {
  inventorySetQuantities(input: InventorySetQuantitiesInput!): InventorySetQuantitiesPayload
  stagedUploadsCreate(input: [StagedUploadInput!]!): StagedUploadsCreatePayload
  bulkOperationRunMutation(mutation: String!, stagedUploadPath: String!, clientIdentifier: String): BulkOperationRunMutationPayload
}

input InventorySetQuantitiesInput {
  name: String!
  reason: String!
  referenceDocumentUri: String
  quantities: [InventoryQuantityInput!]!
}
input InventoryQuantityInput {
  inventoryItemId: ID!
  locationId: ID!
  quantity: Int!
  changeFromQuantity: Int
}
type InventorySetQuantitiesPayload {
  inventoryAdjustmentGroup: InventoryAdjustmentGroup
  userErrors: [InventorySetQuantitiesUserError!]!
}
type InventoryAdjustmentGroup { id: ID! reason: String! referenceDocumentUri: String createdAt: DateTime! }
type InventorySetQuantitiesUserError { code: InventorySetQuantitiesUserErrorCode field: [String!] message: String! }
enum InventorySetQuantitiesUserErrorCode {
  CHANGE_FROM_QUANTITY_STALE COMPARE_QUANTITY_REQUIRED COMPARE_QUANTITY_STALE
  IDEMPOTENCY_CONCURRENT_REQUEST IDEMPOTENCY_KEY_PARAMETER_MISMATCH IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED
  INVALID_INVENTORY_ITEM INVALID_LOCATION INVALID_NAME INVALID_QUANTITY_NEGATIVE INVALID_QUANTITY_TOO_HIGH
  INVALID_QUANTITY_TOO_LOW INVALID_REASON INVALID_REFERENCE_DOCUMENT ITEM_NOT_STOCKED_AT_LOCATION
  NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR NON_MUTABLE_INVENTORY_ITEM
}

input StagedUploadInput {
  resource: StagedUploadTargetGenerateUploadResource!
  filename: String!
  mimeType: String!
  httpMethod: StagedUploadHttpMethodType = PUT
  fileSize: UnsignedInt64
}
enum StagedUploadTargetGenerateUploadResource {
  COLLECTION_IMAGE FILE IMAGE MODEL_3D PRODUCT_IMAGE SHOP_IMAGE VIDEO BULK_MUTATION_VARIABLES
  RETURN_LABEL URL_REDIRECT_IMPORT DISPUTE_FILE_UPLOAD
}
enum StagedUploadHttpMethodType { POST PUT }
type StagedUploadsCreatePayload { stagedTargets: [StagedMediaUploadTarget!] userErrors: [UserError!]! }
type StagedMediaUploadTarget { url: URL resourceUrl: URL parameters: [StagedUploadParameter!]! }
type StagedUploadParameter { name: String! value: String! }
type UserError { field: [String!] message: String! }

type BulkOperationRunMutationPayload { bulkOperation: BulkOperation userErrors: [BulkMutationUserError!]! }
type BulkMutationUserError { code: BulkMutationErrorCode field: [String!] message: String! }
enum BulkMutationErrorCode {
  INTERNAL_FILE_SERVER_ERROR INVALID_MUTATION INVALID_STAGED_UPLOAD_FILE NO_SUCH_FILE OPERATION_IN_PROGRESS
}
type BulkOperation {
  id: ID!
  status: BulkOperationStatus!
  type: BulkOperationType!
  errorCode: BulkOperationErrorCode
  objectCount: UnsignedInt64!
  rootObjectCount: UnsignedInt64!
  url: URL
  partialDataUrl: URL
  createdAt: DateTime!
  completedAt: DateTime
  query: String!
}
enum BulkOperationStatus { CANCELED CANCELING COMPLETED CREATED EXPIRED FAILED RUNNING }
enum BulkOperationType { MUTATION QUERY }
enum BulkOperationErrorCode { ACCESS_DENIED INTERNAL_SERVER_ERROR TIMEOUT }
`;

export const schema = buildSchema(SDL);

/** Reasons Shopify accepts for inventory changes. */
export const REASONS = new Set([
  'correction',
  'cycle_count_available',
  'damaged',
  'movement_created',
  'movement_updated',
  'movement_received',
  'movement_canceled',
  'other',
  'promotion',
  'quality_control',
  'received',
  'reservation_created',
  'reservation_deleted',
  'reservation_updated',
  'restock',
  'safety_stock',
  'shrinkage',
]);
